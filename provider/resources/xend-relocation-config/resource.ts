import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared, type ArgsOf } from "../../core/resource";
import type { XendRelocationOutputs } from "./schema";
import type { RelocationSettings } from "../../formats/sxp-xend-relocation";
import type { HostsAllowItem, xendRelocationInputsSchema } from "./schema";

const provider = makeProvider("xend-relocation-config");

/** The inputs (see docs/resources/xend-relocation-config.md); any part may be a Pulumi Input. */
export type XendRelocationConfigArgs = ArgsOf<typeof xendRelocationInputsSchema>;

const OUTPUTS = [
  "connection", "enabled", "port", "address", "hostsAllow", "allowAllHosts", "ssl", "configPath", "timeoutSeconds",
  "effective", "previous", "createdFile", "hostsAllowValue", "xendRunning", "listening", "xendRestarted", "backupPath", "drift", "warnings",
] as const;

const allDeclared: AllOutputsDeclared<XendRelocationOutputs, typeof OUTPUTS> = true;
void allDeclared;

/** xend's relocation server on one xm host (runbook step 5). See docs/resources/xend-relocation-config.md. */
export class XendRelocationConfig extends XenHaResource {
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly port: pulumi.Output<number>;
  declare readonly address: pulumi.Output<string>;
  declare readonly hostsAllow: pulumi.Output<HostsAllowItem[]>;
  declare readonly configPath: pulumi.Output<string>;
  declare readonly effective: pulumi.Output<RelocationSettings>;
  declare readonly previous: pulumi.Output<RelocationSettings>;
  declare readonly hostsAllowValue: pulumi.Output<string>;
  declare readonly xendRunning: pulumi.Output<boolean>;
  declare readonly listening: pulumi.Output<string[]>;
  declare readonly xendRestarted: pulumi.Output<boolean>;
  declare readonly backupPath: pulumi.Output<string | null>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: XendRelocationConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "XendRelocationConfig", provider, outputs: OUTPUTS }, name, args, opts);
  }

  /**
   * Adopts the XendRelocationConfig recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: XendRelocationConfigArgs, opts?: pulumi.CustomResourceOptions): XendRelocationConfig {
    return new XendRelocationConfig(name, args, { ...opts, id });
  }
}
