/**
 * /proc/self/mountinfo (proc(5)):
 *   `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
 * mount ID, parent ID, major:minor, root, mount point, per-mount options, zero or more optional fields ended by
 * a lone `-`, filesystem type, source, per-superblock options. Root, mount point and source use `\040`-style
 * octal escapes. Fields are separated by single spaces, so an empty source (some pseudo filesystems) shows as
 * two spaces in a row and is kept as "".
 *
 * Mounts can be stacked on one mount point; the one listed LAST is on top and is what a path resolves to, so
 * {@link findMount} returns the last match.
 */
import { normalizeMountPath, unmangleOctal } from "./fstab-octal-escape";

export interface MountInfo {
  mountId: number;
  parentId: number;
  majorMinor: string;
  /** Path inside the filesystem that is mounted here (decoded). */
  root: string;
  /** Decoded mount point. */
  mountPoint: string;
  mountOptions: string[];
  optionalFields: string[];
  fsType: string;
  /** Decoded source (`10.10.10.30:/data`, `/dev/sda1`, `tmpfs`, or ""). */
  source: string;
  superOptions: string[];
}

/** Parses one line; null when it is not a mountinfo line. */
export function parseMountInfoLine(line: string): MountInfo | null {
  const parts = line.split(" ");
  const dash = parts.indexOf("-", 6);
  if (parts.length < 10 || dash < 0 || parts.length < dash + 3) return null;
  const [id, parent, majorMinor, root, mountPoint, mountOptions] = parts;
  if (!/^\d+$/.test(id) || !/^\d+$/.test(parent) || !/^\d+:\d+$/.test(majorMinor)) return null;
  const splitOpts = (s: string): string[] => (s === "" ? [] : s.split(","));
  return {
    mountId: Number(id),
    parentId: Number(parent),
    majorMinor,
    root: unmangleOctal(root),
    mountPoint: unmangleOctal(mountPoint),
    mountOptions: splitOpts(mountOptions),
    optionalFields: parts.slice(6, dash),
    fsType: parts[dash + 1],
    source: unmangleOctal(parts[dash + 2]),
    // Super options never contain a space, but join defensively so nothing after the source is dropped.
    superOptions: splitOpts(parts.slice(dash + 3).join(" ")),
  };
}

/** Every parsable line, in file order (lines that do not parse are skipped). */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = parseMountInfoLine(line);
    if (m !== null) out.push(m);
  }
  return out;
}

/** The mount on top at `mountPoint` (the last one listed), or null when nothing is mounted there. */
export function findMount(mounts: readonly MountInfo[], mountPoint: string): MountInfo | null {
  const want = normalizeMountPath(mountPoint);
  for (let i = mounts.length - 1; i >= 0; i -= 1) {
    if (normalizeMountPath(mounts[i].mountPoint) === want) return mounts[i];
  }
  return null;
}

/** The mount holding `path`: the deepest mount point above it (or at it); on a tie the one listed last, on top. */
export function mountContaining(mounts: readonly MountInfo[], path: string): MountInfo | null {
  let best: MountInfo | null = null;
  let bestLength = -1;
  for (const m of mounts) {
    const mp = normalizeMountPath(m.mountPoint);
    const inside = mp === "/" || path === mp || path.startsWith(`${mp}/`);
    if (inside && mp.length >= bestLength) {
      best = m;
      bestLength = mp.length;
    }
  }
  return best;
}

/** Mounts strictly below `mountPoint` (they would block an unmount, or be hidden by a new mount). */
export function mountsBelow(mounts: readonly MountInfo[], mountPoint: string): MountInfo[] {
  const base = normalizeMountPath(mountPoint);
  const prefix = base === "/" ? "/" : base + "/";
  return mounts.filter((m) => normalizeMountPath(m.mountPoint).startsWith(prefix));
}

/**
 * NFS as the kernel shows it (`nfs`, `nfs4`), and FUSE-based NFS clients that mount with subtype `nfs`/`nfs4`
 * (type `fuse.nfs`/`fuse.nfs4`, e.g. libnfs' fuse-nfs or the lab's mount.nfs stand-in): both serve the export
 * at the mount point, so both count as "mounted over NFS".
 */
export function isNfsType(fsType: string): boolean {
  return /^(fuse\.)?nfs4?$/.test(fsType);
}

/**
 * Filesystems whose files are the same file from every host, so a domain's disk on one can be opened by another
 * (migration, failover): NFS, SMB, cluster and parallel filesystems, and 9p/virtiofs for nested hosts that share
 * a directory of their outer host.
 */
export function isSharedFsType(fsType: string): boolean {
  return isNfsType(fsType) || /^(fuse\.)?(cifs|smb3|glusterfs|ceph|ocfs2|gfs2?|gpfs|lustre|9p|virtiofs)$/.test(fsType);
}

/** `server:/path` with the path's slashes normalised, so `srv:/data/` and `srv:/data` compare equal. */
export function normalizeNfsSource(source: string): string {
  const colon = source.indexOf(":/");
  if (colon < 0) return source;
  return source.slice(0, colon + 1) + normalizeMountPath(source.slice(colon + 1));
}
