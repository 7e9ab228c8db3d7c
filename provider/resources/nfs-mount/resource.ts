import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared, type ArgsOf } from "../../core/resource";
import type { NfsMountObserved, NfsMountOutputs, nfsMountInputsSchema } from "./schema";

const provider = makeProvider("nfs-mount");

/** The inputs (see docs/resources/nfs-mount.md); any part may be a Pulumi Input. */
export type NfsMountArgs = ArgsOf<typeof nfsMountInputsSchema>;

const OUTPUTS = [
  "connection", "server", "exportPath", "mountPoint", "fsType", "options", "mounted", "inFstab", "dump", "pass",
  "existingContent", "replaceDifferentSource", "probeTimeoutSeconds", "timeoutSeconds", "carryTimeoutSeconds",
  "mount", "fstabLine", "drift", "createdMountPoint", "backupPath",
] as const;
const allDeclared: AllOutputsDeclared<NfsMountOutputs, typeof OUTPUTS> = true;
void allDeclared;

/** An NFS export mounted on a Xen host and/or in its /etc/fstab (runbook steps 2-3). See docs/resources/nfs-mount.md. */
export class NfsMount extends XenHaResource {
  declare readonly mountPoint: pulumi.Output<string>;
  declare readonly options: pulumi.Output<string[]>;
  declare readonly mounted: pulumi.Output<boolean>;
  declare readonly inFstab: pulumi.Output<boolean>;
  declare readonly mount: pulumi.Output<NfsMountObserved["mount"]>;
  declare readonly fstabLine: pulumi.Output<string | null>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly createdMountPoint: pulumi.Output<boolean>;
  declare readonly backupPath: pulumi.Output<string | null>;

  constructor(name: string, args: NfsMountArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "NfsMount", provider, outputs: OUTPUTS }, name, args, opts);
  }

  /**
   * Adopts the NfsMount recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: NfsMountArgs, opts?: pulumi.CustomResourceOptions): NfsMount {
    return new NfsMount(name, args, { ...opts, id });
  }
}
