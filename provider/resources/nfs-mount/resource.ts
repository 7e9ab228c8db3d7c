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
}
