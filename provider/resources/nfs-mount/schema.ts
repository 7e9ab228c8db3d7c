/**
 * NfsMount inputs and outputs: the single source of truth for types, validation, messages and the reference
 * tables in docs/resources/nfs-mount.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { mountOptionProblems } from "../../core/fields/mount-options";
import { connectionSchema } from "../../ssh/connection";
import { seconds } from "../../core/seconds";
import { absolutePath, optionWord, serverName } from "../nfs-export/fields";

/** The runbook's fstab options (step 2): `hard,rw,rsize=32768,wsize=32768`. */
export const RUNBOOK_MOUNT_OPTIONS = ["hard", "rw", "rsize=32768", "wsize=32768"];

/** Options that only tell mount(8) or the helper what to do; they cannot be given to this resource. */
const COMMAND_OPTIONS = new Set(["remount", "bind", "rbind", "move"]);

export const nfsMountInputsSchema = z.strictObject({
  connection: connectionSchema.describe(
    "How the provider reaches this Xen host over SSH (same shape as @pulumi/command's remote connection).",
  ),
  server: serverName.describe(
    "The NFS server's address as this host reaches it, e.g. `10.10.10.30` (runbook). Part of the mount " +
      "source `SERVER:/EXPORT`. Changing it replaces the resource (unmount, then mount the new one): NFS " +
      "cannot switch servers with a remount.",
  ),
  exportPath: absolutePath("export path on the server").describe(
    "The exported directory on the server, e.g. `/data`. Changing it replaces the resource, like `server`.",
  ),
  mountPoint: absolutePath("mount point").describe(
    "Where to mount it on this host, e.g. `/data`. Created (mode 0755) when missing. The /etc/fstab line is " +
      "matched by this mount point. Changing it replaces the resource.",
  ),
  fsType: z
    .enum(["nfs", "nfs4"], { error: 'must be "nfs" or "nfs4"' })
    .default("nfs")
    .describe(
      "`nfs` (mount.nfs picks the version, or `vers=` in options) or `nfs4` (mount.nfs4). Written as the " +
        "fstab type. A mount whose type the kernel shows as `nfs`, `nfs4`, `fuse.nfs` or `fuse.nfs4` counts as " +
        "an NFS mount of the source: FUSE-based NFS clients (e.g. libnfs' fuse-nfs) mount with subtype nfs.",
    ),
  options: z
    .array(
      optionWord("mount", "rsize=32768").refine((o) => !COMMAND_OPTIONS.has(o.split("=")[0]), {
        message: "is a mount(8) action, not an option of the mount (remount, bind, rbind and move are refused)",
      }),
      { error: "must be a list of mount options" },
    )
    .min(1, 'must hold at least one option (use ["defaults"] for none)')
    .superRefine((list, ctx) => {
      for (const [i, message] of mountOptionProblems(list)) ctx.addIssue({ code: "custom", path: [i], message });
    })
    .default(RUNBOOK_MOUNT_OPTIONS)
    .describe(
      "Mount options, one per item, in order, e.g. the runbook's `hard`, `rw`, `rsize=32768`, `wsize=32768` " +
        "(the default). They go to the mount command and the fstab line. When the kernel shows different " +
        "values for options it reports (rw/ro, hard/soft, vers, proto, timeo, sec, nosuid...), the mount is " +
        "remounted. rsize/wsize are upper limits: a smaller value negotiated with the server is accepted.",
    ),
  mounted: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Whether the export is mounted NOW. true: mount it if it is not (and remount on option changes). " +
        "false: unmount it if it is mounted (refused while in use). Independent of `inFstab`.",
    ),
  inFstab: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Whether /etc/fstab has the line (mounted at boot). true: exactly one line for the mount point, " +
        "replaced in place if it differs. false: no active line for the mount point (removed if present). " +
        "Independent of `mounted`: together they give ansible.posix.mount's mounted (true/true), present " +
        "(false/true), ephemeral (true/false) and absent (false/false).",
    ),
  dump: z.number().int().min(0).max(9).default(0).describe("fstab's fifth field (dump frequency). Default 0."),
  pass: z.number().int().min(0).max(9).default(0).describe("fstab's sixth field (fsck pass). NFS uses 0, the default."),
  existingContent: z
    .enum(["refuse", "carry"], { error: 'must be "refuse" or "carry"' })
    .default("refuse")
    .describe(
      "What to do when the mount point (not yet mounted) holds files the mount would hide. `refuse` (default): " +
        "stop with an error listing them. `carry`: move them aside on the same filesystem, mount, copy them " +
        "into the share (a different file of the same name there is a conflict: stop, undo, report), verify " +
        "sizes and checksums, then remove the aside copy; any failure undoes every step. A disk image of a " +
        "domain the toolstack (xm/xl) lists, or a file a process holds open, is never carried.",
    ),
  replaceDifferentSource: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .describe(
      "When something else is mounted at the mount point (another server or export, or a local filesystem): " +
        "false (default) stops with an error naming it; true unmounts it (refused while in use, and never for " +
        "tmpfs/ramfs, whose content an unmount destroys) and mounts this export instead.",
    ),
  probeTimeoutSeconds: seconds(1, 120, 5)
    .describe(
      "Time limit for each look at the mount point (stat, listing). A `hard` mount whose server is gone " +
        "blocks such calls forever; after this limit the mount is reported as not responding instead.",
    ),
  timeoutSeconds: seconds(5, 86400, 120)
    .describe("Time limit for each mount, remount, unmount and file write."),
  carryTimeoutSeconds: seconds(10, 86400, 3600)
    .describe("Time limit for carrying existing content onto the share (copy and verify); large images take time."),
});

export type NfsMountInputs = z.infer<typeof nfsMountInputsSchema>;

/** A mount as /proc/self/mountinfo shows it at the mount point (the top one when stacked). */
export interface ObservedMount {
  source: string;
  fsType: string;
  /** Per-mount options followed by the superblock's options. */
  options: string[];
  mountId: number;
  /** False when a stat of the mount point did not answer within probeTimeoutSeconds (dead hard mount). */
  responding: boolean;
}

export interface NfsMountObserved {
  /** What is mounted at the mount point now, or null. */
  mount: ObservedMount | null;
  /** The active /etc/fstab line for the mount point as written (first one), or null. */
  fstabLine: string | null;
  /** Differences between the inputs and the host, in words; empty when converged. */
  drift: string[];
  /** Whether this resource created the mount point directory (delete then removes it when empty). */
  createdMountPoint: boolean;
  /** The backup of /etc/fstab made by the last change, or null. */
  backupPath: string | null;
}

export type NfsMountOutputs = NfsMountInputs & NfsMountObserved;

export function mountSource(i: Pick<NfsMountInputs, "server" | "exportPath">): string {
  return `${i.server}:${i.exportPath}`;
}

export function nfsMountId(i: Pick<NfsMountInputs, "connection" | "mountPoint">): string {
  return `${i.connection.host}:${i.mountPoint}`;
}
