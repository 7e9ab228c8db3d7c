/**
 * Comparing wanted mount options with what /proc/self/mountinfo shows, for the options the kernel reports.
 *
 * Many options never show up there (`defaults`, `_netdev`, `nofail`, `bg`, `intr`, `x-*`...): they only steer
 * mount(8) or the helper, so they are not compared. The kernel NFS client reports its settings in the
 * superblock options (`hard`, `vers=4.2`, `rsize=32768`, `proto=tcp`...); a FUSE-based NFS client does not,
 * so for `fuse.*` mounts only the per-mount flags (rw/ro, nosuid, nodev, noexec, atime flags) are compared.
 *
 * rsize and wsize are upper limits that the server may lower: a smaller value shown by the kernel is accepted.
 * `vers=4` accepts any 4.x the kernel negotiated.
 */
import type { MountInfo } from "./mountinfo";

/** Per-mount flags: wanted word → [flag the kernel shows when it is on, true if the word turns it on]. */
const FLAGS: Record<string, [string, boolean]> = {
  ro: ["ro", true],
  rw: ["ro", false],
  nosuid: ["nosuid", true],
  suid: ["nosuid", false],
  nodev: ["nodev", true],
  dev: ["nodev", false],
  noexec: ["noexec", true],
  exec: ["noexec", false],
  noatime: ["noatime", true],
  nodiratime: ["nodiratime", true],
  relatime: ["relatime", true],
};

/** Superblock values compared for kernel NFS mounts (when the kernel lists them). */
const NFS_KEYS = new Set(["timeo", "retrans", "proto", "sec", "port", "vers", "namlen", "acregmin", "acregmax",
  "acdirmin", "acdirmax", "mountproto", "mountport", "minorversion", "local_lock", "lookupcache"]);

function split(option: string): [string, string | null] {
  const eq = option.indexOf("=");
  return eq < 0 ? [option, null] : [option.slice(0, eq), option.slice(eq + 1)];
}

/**
 * The wanted options that the mount does not have, in words ("rw: mounted ro"); empty when it matches.
 * Later options win over earlier ones, as with mount(8).
 */
export function mountOptionMismatches(wanted: readonly string[], m: MountInfo): string[] {
  const perMount = new Set(m.mountOptions);
  const kernelNfs = m.fsType === "nfs" || m.fsType === "nfs4";
  const superValues = new Map<string, string | null>();
  for (const o of m.superOptions) {
    const [k, v] = split(o);
    superValues.set(k, v);
  }
  const last = new Map<string, string>();
  for (const o of wanted) {
    const [k] = split(o);
    const key = FLAGS[k] ? FLAGS[k][0] : k === "soft" || k === "hard" ? "hard|soft" : k === "nfsvers" ? "vers" : k;
    last.set(key, o);
  }
  const out: string[] = [];
  for (const o of last.values()) {
    const [k, v] = split(o);
    const flag = FLAGS[k];
    if (flag) {
      if (perMount.has(flag[0]) !== flag[1]) out.push(`${o}: the mount has ${perMount.has(flag[0]) ? flag[0] : `no ${flag[0]}`}`);
      continue;
    }
    if (!kernelNfs) continue;
    if (k === "hard" || k === "soft") {
      const shown = superValues.has("hard") ? "hard" : superValues.has("soft") ? "soft" : null;
      if (shown !== null && shown !== k) out.push(`${o}: the kernel shows ${shown}`);
      continue;
    }
    const key = k === "nfsvers" ? "vers" : k;
    if (v === null || !superValues.has(key)) continue;
    const shown = superValues.get(key) ?? "";
    if (key === "rsize" || key === "wsize") {
      if (!(Number(shown) <= Number(v))) out.push(`${o}: the kernel shows ${key}=${shown}`);
    } else if (key === "vers") {
      if (shown !== v && !shown.startsWith(`${v}.`)) out.push(`${o}: the kernel shows vers=${shown}`);
    } else if (NFS_KEYS.has(key) && shown !== v) {
      out.push(`${o}: the kernel shows ${key}=${shown}`);
    }
  }
  return out;
}
