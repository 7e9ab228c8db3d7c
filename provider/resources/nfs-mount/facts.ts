/**
 * What NfsMount needs to know about a Xen host, in ONE round trip: /etc/fstab, /proc/self/mountinfo and the
 * mount point (what it is, whether a mount on it answers, and what a new mount would hide).
 *
 * Never hang: `stat` on a `hard` NFS mount whose server is gone blocks forever (in the kernel, often
 * unkillable), so every look at the mount point runs through {@link LIMIT_FN}, which gives up after the probe
 * timeout and leaves the stuck process behind instead of waiting for it. Only /proc files are read directly.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { parseMountInfo, type MountInfo } from "../../formats/mountinfo";
import { fileProbe } from "../../host/file-probe";

export const FSTAB_PATH = "/etc/fstab";

/**
 * Shell function `limit SECONDS CMD...`: runs CMD in the background with its output in a temp file, polls it
 * every 0.1 s, prints the output and returns its exit code; when CMD has not finished in time it sends it
 * SIGKILL (a mount stuck in the kernel is killable; a stat on a dead hard mount may not be) and returns 124
 * (like timeout(1)) WITHOUT waiting for it. timeout(1) itself is not used: it waits for its child, which a dead hard
 * mount can block forever, and RHEL 5's coreutils do not have it. A zombie counts as finished (non-interactive
 * dash reaps children only on `wait`).
 */
export const LIMIT_FN = `limit() {
  _t=$1; shift
  _o=$(mktemp /tmp/.xen-ha-limit.XXXXXX) || return 1
  "$@" >"$_o" 2>&1 </dev/null &
  _p=$!
  _n=0
  while [ -e "/proc/$_p" ]; do
    case "$(sed 's/^.*) //' "/proc/$_p/stat" 2>/dev/null | cut -c1)" in Z|'') break ;; esac
    _n=$((_n + 1))
    if [ "$_n" -gt $((_t * 10)) ]; then kill -9 "$_p" 2>/dev/null; rm -f -- "$_o"; return 124; fi
    sleep 0.1
  done
  wait "$_p"; _rc=$?
  cat -- "$_o"; rm -f -- "$_o"
  return $_rc
}`;

const MOUNT_POINT_SCRIPT = `${LIMIT_FN}
mp=$1 t=$2
mounted=$(awk -v mp="$mp" '$5 == mp { n = 1 } END { print n + 0 }' /proc/self/mountinfo)
kind=$(limit "$t" sh -c 'if [ -d "$1" ]; then echo directory; elif [ -e "$1" ] || [ -L "$1" ]; then echo other; else echo missing; fi' sh "$mp")
rc=$?
if [ "$rc" = 124 ]; then echo "kind timeout"; else echo "kind $kind"; fi
if [ "$mounted" = 1 ]; then
  limit "$t" stat -f -- "$mp" >/dev/null
  rc=$?
  if [ "$rc" = 0 ]; then echo "responding yes"; elif [ "$rc" = 124 ]; then echo "responding no"; else echo "responding error"; fi
elif [ "$kind" = directory ]; then
  echo listing
  limit "$t" sh -c 'find "$1" -mindepth 1 -maxdepth 1 -printf "%y %s %P\\\\0" | head -c 65536 | od -An -v -tx1' sh "$mp"
  echo "listing-exit $?"
fi
exit 0`;

export interface MountPointEntry {
  /** find's %y: f file, d directory, l symlink, ... */
  type: string;
  size: number;
  name: string;
}

export interface MountPointFact {
  kind: "directory" | "other" | "missing" | "timeout";
  /** For a mounted mount point: whether statfs answered in time. null when nothing is mounted there. */
  responding: boolean | null;
  /** What is in the (unmounted) directory: what a mount would hide. null when mounted or not a directory. */
  entries: MountPointEntry[] | null;
  /** The listing did not finish in time or was cut at 64 KiB. */
  listingIncomplete: boolean;
}

function decodeHex(hex: string): Buffer {
  const bytes = hex.split(/\s+/).filter((b) => b !== "").map((b) => parseInt(b, 16));
  return Buffer.from(bytes);
}

export function parseMountPoint(o: ProbeOutput): MountPointFact {
  const lines = o.stdout.split("\n");
  const kindLine = lines.find((l) => l.startsWith("kind ")) ?? "";
  const kindWord = kindLine.slice(5);
  if (!["directory", "other", "missing", "timeout"].includes(kindWord)) {
    throw new Error(`unexpected output ${JSON.stringify(o.stdout.slice(0, 200))}`);
  }
  const kind = kindWord as MountPointFact["kind"];
  const resp = lines.find((l) => l.startsWith("responding "))?.slice(11);
  const responding = resp === undefined ? null : resp === "yes";
  const start = lines.indexOf("listing");
  if (start < 0) return { kind, responding, entries: null, listingIncomplete: false };
  const exitLine = lines.findIndex((l) => l.startsWith("listing-exit "));
  const code = exitLine < 0 ? -1 : Number(lines[exitLine].slice(13));
  const raw = decodeHex(lines.slice(start + 1, exitLine < 0 ? undefined : exitLine).join(" "));
  const records = raw.toString("utf8").split("\0");
  const complete = code === 0 && raw.length < 65536;
  // The last record is empty after a final NUL; when the listing was cut, it is a partial name: drop it.
  records.pop();
  const entries = records.flatMap((r) => {
    const m = /^(\S) (\d+) ([\s\S]*)$/.exec(r);
    return m ? [{ type: m[1], size: Number(m[2]), name: m[3] }] : [];
  });
  return { kind, responding, entries, listingIncomplete: !complete };
}

export const mountPointProbe = (mountPoint: string, timeoutSeconds: number): Probe<MountPointFact> => ({
  script: MOUNT_POINT_SCRIPT,
  args: [mountPoint, String(timeoutSeconds)],
  parse: parseMountPoint,
});

export const mountInfoProbe: Probe<MountInfo[]> = {
  script: "exec cat /proc/self/mountinfo",
  parse: (o) => {
    if (o.code !== 0) throw new Error(`cannot read /proc/self/mountinfo: ${o.stderr.trim()}`);
    return parseMountInfo(o.stdout);
  },
};

export interface MountFacts {
  fstab: string | null;
  mounts: MountInfo[];
  mountPoint: MountPointFact;
}

export function mountProbes(mountPoint: string, probeTimeoutSeconds: number) {
  return {
    fstab: fileProbe(FSTAB_PATH),
    mounts: mountInfoProbe,
    mountPoint: mountPointProbe(mountPoint, probeTimeoutSeconds),
  };
}
