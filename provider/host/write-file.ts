/**
 * Atomic file replacement on a remote host.
 *
 * The content goes to a temp file in the same folder (so the final rename is atomic on that filesystem), is
 * checked for its exact size and SHA-256 (a connection cut mid-transfer gives the remote `cat` an early EOF,
 * which must not be mistaken for the whole file), flushed with fsync, given the old file's owner, mode and
 * SELinux label (or the ones asked for), and renamed over the path. A symlink is followed: its target is
 * replaced and the link stays.
 *
 * Backups: before the rename, the previous content is kept as `<path>.xen-ha-<UTC time>.bak` (a hard link to
 * the old file, so owner, mode and times are exactly the old ones; `-1`, `-2`... are appended if that name is
 * taken). One backup per change, never overwritten. They are kept by a policy, not without end: the oldest (the
 * content from before xen-ha first touched the file) always, and the newest `keepBackups` (default 5), by
 * modification time (a backup keeps its content's); the ones in between are removed after a replacement. Callers writing into folders whose every file is read (e.g. /etc/xen/auto, where
 * xendomains starts each file as a domain) must pass `backup: false` there.
 *
 * Identical content is not rewritten (no rename, no backup); a requested mode or owner is still applied.
 */
import { createHash } from "crypto";
import { ExecError, type RemoteHost } from "../ssh/remote-host";
import { checkRemotePath } from "./paths";

export interface WriteFileOptions {
  /** Permission bits, e.g. 0o644. Default: the old file's, or 0644 for a new file. */
  mode?: number;
  /** "user" or "user:group". Default: the old file's owner, or the connection user's for a new file. */
  owner?: string;
  /** Keep the previous content next to the file (default true). */
  backup?: boolean;
  /** How many of the newest backups to keep besides the oldest one (default 5, at least 1). */
  keepBackups?: number;
  /** Default 120 s: large files over slow links. */
  timeoutMs?: number;
}

export interface WriteFileResult {
  /** Where the previous content was kept, or null (new file, unchanged content, or backup: false). */
  backupPath: string | null;
  /** Whether the content changed (false: the file already had exactly this content). */
  changed: boolean;
}

/** Exit codes of the script below, so that messages can say what happened. */
const EXIT_SHORT = 74;
const EXIT_NOT_FILE = 75;
const EXIT_NO_DIR = 76;

export const WRITE_SCRIPT = `
set -u
p=$1 mode=$2 owner=$3 backup=$4 size=$5 sum=$6 keep=$7
if [ -L "$p" ]; then
  t=$(readlink -f -- "$p") && [ -n "$t" ] || { echo "cannot resolve the symlink $p" >&2; exit 1; }
  p=$t
fi
d=\${p%/*}
[ -n "$d" ] || d=/
[ -d "$d" ] || { echo "the folder $d does not exist" >&2; exit ${EXIT_NO_DIR}; }
if [ -e "$p" ] && [ ! -f "$p" ]; then echo "$p exists and is not a regular file" >&2; exit ${EXIT_NOT_FILE}; fi
tmp=$(mktemp "$d/.xen-ha.XXXXXXXX") || exit 1
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM PIPE
cat > "$tmp" || exit 1
n=$(wc -c < "$tmp")
if [ "$n" -ne "$size" ]; then
  echo "received $n of $size bytes (connection cut?); $p left unchanged" >&2; exit ${EXIT_SHORT}
fi
if command -v sha256sum >/dev/null 2>&1; then
  s=$(sha256sum < "$tmp")
  [ "\${s%% *}" = "$sum" ] || { echo "content checksum mismatch; $p left unchanged" >&2; exit ${EXIT_SHORT}; }
fi
if [ -f "$p" ] && cmp -s -- "$tmp" "$p"; then
  if [ -n "$mode" ]; then chmod -- "$mode" "$p" || exit 1; fi
  if [ -n "$owner" ]; then chown -- "$owner" "$p" || exit 1; fi
  echo unchanged
  exit 0
fi
new=1
if [ -f "$p" ]; then
  new=0
  chown --reference="$p" -- "$tmp" 2>/dev/null || chown -- "$(stat -c %u:%g -- "$p")" "$tmp" || exit 1
  chmod --reference="$p" -- "$tmp" || exit 1
  if command -v chcon >/dev/null 2>&1 && [ -e /sys/fs/selinux/enforce -o -e /selinux/enforce ]; then
    chcon --reference="$p" -- "$tmp" 2>/dev/null || true
  fi
else
  chmod 644 "$tmp" || exit 1
fi
if [ -n "$mode" ]; then chmod -- "$mode" "$tmp" || exit 1; fi
if [ -n "$owner" ]; then chown -- "$owner" "$tmp" || exit 1; fi
sync -- "$tmp" 2>/dev/null || sync
b=
if [ "$backup" = 1 ] && [ "$new" = 0 ]; then
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  b="$p.xen-ha-$stamp.bak"
  i=1
  while [ -e "$b" ] || [ -L "$b" ]; do b="$p.xen-ha-$stamp-$i.bak"; i=$((i + 1)); done
  ln -- "$p" "$b" 2>/dev/null || cp -p -- "$p" "$b" || { echo "cannot make the backup $b; $p left unchanged" >&2; exit 1; }
fi
mv -f -- "$tmp" "$p" || exit 1
trap - EXIT
sync -- "$d" 2>/dev/null || sync
if [ "$new" = 1 ] && command -v restorecon >/dev/null 2>&1; then restorecon -- "$p" 2>/dev/null || true; fi
if [ -n "$b" ]; then
  # oldest first by modification time (a backup keeps the time of the content it holds): the first is the
  # content from before xen-ha, the last $keep are the newest; the ones between go
  list=$(LC_ALL=C ls -1tr -- "$p".xen-ha-*.bak 2>/dev/null)
  total=$(printf '%s\n' "$list" | grep -c .)
  if [ "$total" -gt $((keep + 1)) ]; then
    printf '%s\n' "$list" | sed -n "2,$((total - keep))p" | while IFS= read -r f; do rm -f -- "$f"; done
  fi
fi
printf 'changed\\n%s\\n' "$b"
`;

const OWNER = /^[A-Za-z0-9._][A-Za-z0-9._-]*(:[A-Za-z0-9._][A-Za-z0-9._-]*)?$/;

/** Parses the script's stdout ("unchanged", or "changed" and the backup path). Pure. */
export function parseWriteOutput(stdout: string): WriteFileResult {
  const lines = stdout.split("\n");
  if (lines[0] === "unchanged") return { changed: false, backupPath: null };
  if (lines[0] === "changed") return { changed: true, backupPath: lines[1] ? lines[1] : null };
  throw new Error(`unexpected output from the file write: ${JSON.stringify(stdout.slice(0, 200))}`);
}

export async function writeFileAtomic(
  h: RemoteHost,
  path: string,
  content: string | Buffer,
  opts: WriteFileOptions = {},
): Promise<WriteFileResult> {
  checkRemotePath(path);
  if (opts.mode !== undefined && (!Number.isInteger(opts.mode) || opts.mode < 0 || opts.mode > 0o7777)) {
    throw new Error(`mode must be permission bits such as 0o644, got ${opts.mode}`);
  }
  if (opts.owner !== undefined && !OWNER.test(opts.owner)) {
    throw new Error(`owner must be "user" or "user:group", got ${JSON.stringify(opts.owner)}`);
  }
  const keep = opts.keepBackups ?? 5;
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keepBackups must be a whole number of at least 1, got ${keep}`);
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  const args = [
    path,
    opts.mode === undefined ? "" : opts.mode.toString(8).padStart(4, "0"),
    opts.owner ?? "",
    opts.backup === false ? "0" : "1",
    String(data.length),
    createHash("sha256").update(data).digest("hex"),
    String(keep),
  ];
  const argv = ["sh", "-c", WRITE_SCRIPT, "sh", ...args];
  const r = await h.exec(argv, { stdin: data, timeoutMs: opts.timeoutMs ?? 120_000 });
  if (r.code !== 0) throw new ExecError(h.label, argv, r);
  return parseWriteOutput(r.stdout);
}
