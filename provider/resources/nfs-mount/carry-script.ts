/**
 * Carrying a mount point's existing content onto the share (the runbook moved test01.img aside, mounted /data
 * and moved the image back). One constant script, run on the host, so that it finishes (or undoes itself)
 * even if the SSH connection drops halfway: it ignores SIGHUP and SIGPIPE.
 *
 *   1. move every entry of MP into a new folder next to it (same filesystem: renames, nothing is copied);
 *   2. mount SOURCE on MP;
 *   3. look for conflicts: a name that exists on the share with different content (or type) stops everything;
 *      an identical file already there is fine and is not rewritten;
 *   4. copy what the share lacks (cp -p; folders get the original's owner, mode and time);
 *   5. verify every file: same size and same MD5 on both sides (md5sum: every coreutils since RHEL 5 has it);
 *   6. only then remove the aside copy.
 * Any failure in 2-5 undoes what was done (copied files removed, unmounted, content moved back), so the host is
 * as it was. Exit codes name the outcome; stderr explains it.
 *
 * $1 mount point, $2 source, $3 type, $4 options, $5 seconds for mount/umount.
 */
import { LIMIT_FN } from "./facts";

export const CARRY_EXIT = {
  ok: 0,
  /** Could not move the content aside; whatever moved is back. */
  aside: 10,
  /** A name on the share holds something else; nothing copied, unmounted, content back in place. */
  conflict: 11,
  /** The mount failed; content back in place. */
  mount: 12,
  /** Copy or verification failed; copies removed, unmounted, content back in place. */
  copy: 13,
  /** Undo itself failed: stderr says where the content is. */
  undo: 20,
} as const;

export const CARRY_SCRIPT = `${LIMIT_FN}
set -u
trap '' HUP PIPE
PATH=$PATH:/sbin:/usr/sbin
mp=$1 src=$2 type=$3 opts=$4 t=$5
parent=\${mp%/*}
[ -n "$parent" ] || parent=/
base=\${mp##*/}
aside=$(mktemp -d "$parent/.$base.xen-ha-aside.XXXXXX") || { echo "cannot create a folder next to $mp for its content" >&2; exit ${CARRY_EXIT.aside}; }
created=$(mktemp /tmp/.xen-ha-carry.XXXXXX) || { rmdir -- "$aside"; echo "cannot create a temp file" >&2; exit ${CARRY_EXIT.aside}; }
cleanup_tmp() { rm -f -- "$created"; }

if [ "$(stat -c %d -- "$aside")" != "$(stat -c %d -- "$mp")" ]; then
  rmdir -- "$aside"; cleanup_tmp
  echo "$mp and $parent are on different filesystems; cannot move the content aside by renaming" >&2
  exit ${CARRY_EXIT.aside}
fi

move_back() {
  find "$aside" -mindepth 1 -maxdepth 1 -exec mv -- {} "$mp"/ \\;
  if [ -n "$(find "$aside" -mindepth 1 -maxdepth 1 | head -n 1)" ]; then
    echo "UNDO FAILED: some of the original content is still in $aside (move it back into $mp by hand)" >&2
    cleanup_tmp
    exit ${CARRY_EXIT.undo}
  fi
  rmdir -- "$aside"
}

unmount_or_die() {
  if ! limit "$t" umount -- "$mp" >&2; then
    echo "UNDO FAILED: cannot unmount $mp; the original content is safe in $aside (unmount $mp, then move it back)" >&2
    cleanup_tmp
    exit ${CARRY_EXIT.undo}
  fi
}

remove_created() {
  if [ -s "$created" ]; then
    (cd "$mp" && xargs -0 rm -rf -- < "$created") || {
      echo "UNDO FAILED: cannot remove the copies made on the share (listed NUL-separated in $created); the original content is safe in $aside" >&2
      exit ${CARRY_EXIT.undo}
    }
  fi
}

# 1. aside
find "$mp" -mindepth 1 -maxdepth 1 -exec mv -- {} "$aside"/ \\;
if [ -n "$(find "$mp" -mindepth 1 -maxdepth 1 | head -n 1)" ]; then
  echo "could not move everything out of $mp:" >&2
  find "$mp" -mindepth 1 -maxdepth 1 >&2
  move_back; cleanup_tmp
  exit ${CARRY_EXIT.aside}
fi

# 2. mount
if ! out=$(limit "$t" mount -t "$type" -o "$opts" "$src" "$mp"); then
  printf '%s\\n' "mount of $src on $mp failed: $out" >&2
  # A mount that was cut off at the time limit may still have completed: never move the content back under it.
  if awk -v mp="$mp" '$5 == mp { f = 1 } END { exit !f }' /proc/self/mountinfo; then unmount_or_die; fi
  move_back; cleanup_tmp
  exit ${CARRY_EXIT.mount}
fi

# 3. conflicts
conflicts=$(find "$aside" -mindepth 1 -exec sh -c '
  a=$1 m=$2; shift 2
  for p do
    r=\${p#"$a"/} s="$m/\${p#"$a"/}"
    if [ -L "$p" ]; then
      if [ -L "$s" ]; then [ "$(readlink -- "$p")" = "$(readlink -- "$s")" ] || printf "%s\\n" "$r"
      elif [ -e "$s" ]; then printf "%s\\n" "$r"; fi
    elif [ -d "$p" ]; then
      if [ -e "$s" ] || [ -L "$s" ]; then { [ -d "$s" ] && [ ! -L "$s" ]; } || printf "%s\\n" "$r"; fi
    elif [ -e "$s" ] || [ -L "$s" ]; then
      if [ -f "$p" ] && [ -f "$s" ] && [ ! -L "$s" ] && cmp -s -- "$p" "$s"; then :; else printf "%s\\n" "$r"; fi
    fi
  done' sh "$aside" "$mp" {} +)
if [ -n "$conflicts" ]; then
  printf 'conflict: the share already has a different %s\\n' "$conflicts" >&2
  unmount_or_die; move_back; cleanup_tmp
  exit ${CARRY_EXIT.conflict}
fi

# 4. copy what the share lacks, remembering what we created (NUL-separated, relative to the share)
if ! find "$aside" -mindepth 1 -exec sh -c '
  a=$1 m=$2 list=$3; shift 3
  for p do
    r=\${p#"$a"/} s="$m/\${p#"$a"/}"
    if [ -d "$p" ] && [ ! -L "$p" ]; then
      if [ ! -d "$s" ]; then mkdir -- "$s" || exit 1; printf "%s\\0" "$r" >> "$list"; fi
    elif [ ! -e "$s" ] && [ ! -L "$s" ]; then
      printf "%s\\0" "$r" >> "$list"
      cp -p -P -- "$p" "$s" || exit 1
    fi
  done' sh "$aside" "$mp" "$created" {} +; then
  echo "copying onto the share failed" >&2
  remove_created; unmount_or_die; move_back; cleanup_tmp
  exit ${CARRY_EXIT.copy}
fi
# folders we made get the original's owner, mode and time (deepest first, so times stick)
find "$aside" -mindepth 1 -depth -type d -exec sh -c '
  a=$1 m=$2; shift 2
  for p do s="$m/\${p#"$a"/}"; chown --reference="$p" -- "$s" 2>/dev/null; chmod --reference="$p" -- "$s"; touch -r "$p" -- "$s"; done' sh "$aside" "$mp" {} +

# 5. verify sizes and checksums
bad=$(find "$aside" -mindepth 1 -exec sh -c '
  a=$1 m=$2; shift 2
  for p do
    r=\${p#"$a"/} s="$m/\${p#"$a"/}"
    if [ -L "$p" ]; then { [ -L "$s" ] && [ "$(readlink -- "$p")" = "$(readlink -- "$s")" ]; } || printf "%s\\n" "$r"
    elif [ -d "$p" ]; then [ -d "$s" ] || printf "%s\\n" "$r"
    elif [ -f "$p" ]; then
      { [ -f "$s" ] && [ "$(stat -c %s -- "$p")" = "$(stat -c %s -- "$s")" ] &&
        [ "$(md5sum < "$p" | cut -d" " -f1)" = "$(md5sum < "$s" | cut -d" " -f1)" ]; } || printf "%s\\n" "$r"
    fi
  done' sh "$aside" "$mp" {} +)
verified=$(find "$aside" -mindepth 1 -type f | wc -l)
if [ -n "$bad" ]; then
  printf 'verification failed (size or checksum differs) for: %s\\n' "$bad" >&2
  remove_created; unmount_or_die; move_back; cleanup_tmp
  exit ${CARRY_EXIT.copy}
fi

# 6. drop the aside copy
rm -rf -- "$aside"
cleanup_tmp
echo "carried $verified files, sizes and MD5 checksums verified"
exit 0
`;
