import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared, type ArgsOf } from "../../core/resource";
import type { DomainConfigModel } from "../../formats/domain-config/model";
import type { XenDomainConfigOutputs, xenDomainConfigInputsSchema } from "./schema";

const provider = makeProvider("xen-domain-config");

/** The inputs (see docs/resources/xen-domain-config.md); any part may be a Pulumi Input. */
export type XenDomainConfigArgs = ArgsOf<typeof xenDomainConfigInputsSchema>;

const OUTPUTS = [
  "connection", "name", "flavour", "path", "memory", "maxmem", "vcpus", "uuid", "boot", "disks", "vifs", "vfbs",
  "onPoweroff", "onReboot", "onCrash", "extraKeys", "autostart", "requireSharedStorage", "timeoutSeconds",
  "configPath", "content", "model", "autostartLinked", "runningDiffers", "drift", "backupPath", "adopted",
  "previousContent", "warnings",
] as const;

const allDeclared: AllOutputsDeclared<XenDomainConfigOutputs, typeof OUTPUTS> = true;
void allDeclared;

/** One host's domain config file (runbook step 4). See docs/resources/xen-domain-config.md. */
export class XenDomainConfig extends XenHaResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly flavour: pulumi.Output<"xm" | "xl">;
  declare readonly configPath: pulumi.Output<string>;
  declare readonly content: pulumi.Output<string>;
  declare readonly model: pulumi.Output<DomainConfigModel | null>;
  declare readonly autostartLinked: pulumi.Output<boolean>;
  declare readonly runningDiffers: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly backupPath: pulumi.Output<string | null>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: XenDomainConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "XenDomainConfig", provider, outputs: OUTPUTS }, name, args, opts);
  }

  /**
   * Adopts the XenDomainConfig recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: XenDomainConfigArgs, opts?: pulumi.CustomResourceOptions): XenDomainConfig {
    return new XenDomainConfig(name, args, { ...opts, id });
  }
}
