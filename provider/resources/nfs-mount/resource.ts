import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared } from "../../core/resource";
import type { ConnectionInput } from "../../ssh/connection";
import type { NfsMountObserved, NfsMountOutputs } from "./schema";

const provider = makeProvider("nfs-mount");

export interface NfsMountArgs {
  connection: pulumi.Input<ConnectionInput>;
  server: pulumi.Input<string>;
  exportPath: pulumi.Input<string>;
  mountPoint: pulumi.Input<string>;
  fsType?: pulumi.Input<"nfs" | "nfs4">;
  options?: pulumi.Input<pulumi.Input<string>[]>;
  mounted?: pulumi.Input<boolean>;
  inFstab?: pulumi.Input<boolean>;
  dump?: pulumi.Input<number>;
  pass?: pulumi.Input<number>;
  existingContent?: pulumi.Input<"refuse" | "carry">;
  replaceDifferentSource?: pulumi.Input<boolean>;
  probeTimeoutSeconds?: pulumi.Input<number>;
  timeoutSeconds?: pulumi.Input<number>;
  carryTimeoutSeconds?: pulumi.Input<number>;
}

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
