/**
 * A per-host lock, held while a resource changes a host, so that two runs (two Pulumi stacks, or a Pulumi
 * run and an operator's script using flock) never interleave their edits.
 *
 * The lock is flock(1) on /run/lock/xen-ha-NAME.lock (or /var/lock), taken by a remote shell that then waits
 * on its stdin: closing our end releases it, and so does a connection drop that sshd notices. sshd does not
 * always notice: a link cut or a partitioned client leaves the shell waiting for hours (TCP keepalive), and
 * the lock held by nobody. So the lock is also a lease: the holder writes "lease PID EXPIRES WHO" into the
 * lock file and renews it over stdin while it works; a waiter that finds the lease run out ends that shell
 * (after checking that it really holds the lock file) and takes the lock, saying whose lease it ended.
 * Holders that keep no lease (an older xen-ha, an operator's `flock` script) are waited for, never ended.
 *
 * A holder that loses its lock while it works (its shell ended by a waiter, or its connection gone) finds out
 * when its work returns: withHostLock then fails, because another run may have changed the host meanwhile.
 *
 * Within one process, callers for the same host and lock name queue locally first, so that waiters do not
 * each hold one of the connection's few session channels. Nested calls for a lock already held by the same
 * async call chain run directly (the lock is reentrant along a call chain).
 */
import { AsyncLocalStorage } from "async_hooks";
import { hostname, userInfo } from "os";
import type { RemoteHost } from "../ssh/remote-host";
import { describeHolder, parseLockNote } from "./lock-note";

export interface HostLockOptions {
  /** How long to wait for another holder, default 120 s. */
  timeoutMs?: number;
  /** Who we are, shown to waiters (e.g. the resource's name). */
  description?: string;
  /** How long our hold lasts without a renewal, default 30 s; renewed every third of it. At least 3 s. */
  leaseMs?: number;
  /** Told when we ended another holder whose lease had run out (with who it was). */
  notice?: (message: string) => void;
}

const DEFAULT_LEASE_MS = 30_000;
const EXIT_BUSY = 75;
const EXIT_NO_FLOCK = 69;

// Runs as the connection user (never through sudo): /run/lock is world-writable on Debian; on hosts where
// neither lock folder is writable by that user, /tmp is used. The file is created world-writable so that
// root and a sudo user share one lock; it is opened read-only for flock (no O_CREAT, which
// fs.protected_regular refuses on other users' files in sticky folders), and the holder note is best effort.
// The note is rewritten in place, never replaced: flock belongs to the inode.
// A run-out lease is ended only when its pid really has the lock file open as fd 9 (`-ef`): a note left by a
// holder that died is not a licence to kill whatever process has that pid now.
const LOCK_SCRIPT = `PATH=$PATH:/sbin:/usr/sbin:/usr/bin:/bin
command -v flock >/dev/null 2>&1 || { echo "flock(1) is not installed (util-linux)" >&2; exit ${EXIT_NO_FLOCK}; }
for dir in /run/lock /var/lock /tmp; do [ -d "$dir" ] && [ -w "$dir" ] && break; done
f="$dir/xen-ha-$1.lock" who=$3 lease=$4
[ -e "$f" ] || (umask 0; : >> "$f") 2>/dev/null
exec 9<"$f" || exit 1
end=$(( $(date +%s) + $2 )) unended=
while ! flock -w 1 9; do
  note=$(head -n 1 -- "$f" 2>/dev/null) now=$(date +%s)
  case $note in
  "lease "*)
    set -f; set -- $note; set +f
    case "$2$3" in ''|*[!0-9]*) ;; *)
      if [ "$3" -lt "$now" ]; then
        if ! [ "/proc/$2/fd/9" -ef "$f" ]; then unended="its lease ran out, but pid $2 does not hold the lock file (or $(id -un) cannot see that it does)"
        elif kill "$2" 2>/dev/null; then echo "took-over $note"; unended=; continue
        else unended="its lease ran out, but $(id -un) cannot end pid $2"; fi
      fi ;;
    esac ;;
  esac
  if [ "$now" -ge "$end" ]; then
    echo "held by: $note" >&2
    [ -z "$unended" ] || echo "not ended: $unended" >&2
    exit ${EXIT_BUSY}
  fi
done
renew() { printf 'lease %s %s %s\\n' "$$" "$(( $(date +%s) + lease ))" "$who" > "$f"; }
renew 2>/dev/null
echo "locked $f"
while read -r line; do
  [ "$line" = bye ] && { : 2>/dev/null > "$f"; echo released; exit 0; }
  renew 2>/dev/null
done
: 2>/dev/null > "$f"
`;

const NAME = /^[A-Za-z0-9_.-]+$/;

const localQueues = new Map<string, Promise<void>>();
const held = new AsyncLocalStorage<ReadonlySet<string>>();

export class HostLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostLockError";
  }
}

/** Runs fn while holding the host's lock NAME. */
export async function withHostLock<T>(
  h: RemoteHost,
  name: string,
  fn: () => Promise<T>,
  opts: HostLockOptions = {},
): Promise<T> {
  if (!NAME.test(name)) throw new Error(`lock name ${JSON.stringify(name)} must be letters, digits, "_", "." or "-"`);
  const key = `${h.label}/${name}`;
  const mine = held.getStore() ?? new Set<string>();
  if (mine.has(key)) return fn();

  // Local queue: wait for earlier callers in this process.
  const before = localQueues.get(key) ?? Promise.resolve();
  let releaseLocal!: () => void;
  const turn = new Promise<void>((r) => (releaseLocal = r));
  const chained = before.then(() => turn);
  localQueues.set(key, chained);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  try {
    await waitLocal(before, timeoutMs, () => new HostLockError(`could not take the lock "${name}" on ${h.label} ` +
      `within ${timeoutMs / 1000} s: it is held by another caller in this process`));
  } catch (e) {
    releaseLocal();
    throw e;
  }
  try {
    const release = await acquire(h, name, opts);
    let result: T;
    try {
      result = await held.run(new Set([...mine, key]), fn);
    } catch (e) {
      await release();
      throw e;
    }
    const lost = await release();
    if (lost) {
      throw new HostLockError(`the lock "${name}" on ${h.label} was lost while this run held it (${lost}); ` +
        "another run may have changed the host meanwhile, so this step's outcome is not known: run it again");
    }
    return result;
  } finally {
    releaseLocal();
    if (localQueues.get(key) === chained) localQueues.delete(key);
  }
}

function waitLocal(before: Promise<void>, timeoutMs: number, error: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), timeoutMs);
    before.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Ends our hold and says whether we still had it: "" when the holding shell confirmed that it released the
 * lock, else why not (its shell ended by a waiter after a missed renewal, the connection lost, no answer).
 */
type Release = () => Promise<string>;

async function acquire(h: RemoteHost, name: string, opts: HostLockOptions): Promise<Release> {
  if (!h.spawn) throw new Error(`host ${h.label} cannot hold a lock (its RemoteHost has no spawn)`);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const leaseMs = Math.max(3000, opts.leaseMs ?? DEFAULT_LEASE_MS);
  const who = `${opts.description ? `${opts.description} ` : ""}(pulumi-xen-ha on ${hostname()}, pid ${process.pid}, ` +
    `user ${safeUser()}, since ${new Date().toISOString()})`.replace(/[\r\n]+/g, " ");
  const proc = await h.spawn(["sh", "-c", LOCK_SCRIPT, "sh", name, String(Math.ceil(timeoutMs / 1000)), who,
    String(Math.ceil(leaseMs / 1000))]);
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  // One reader for the shell's whole life: "took-over …" lines, then "locked …", and at the end "released",
  // which the shell answers to "bye" only while it still holds the lock (an ended holder cannot answer).
  let locked!: () => void;
  let confirmed = false;
  let failLock!: (e: Error) => void;
  let pending = "";
  proc.stdout.on("data", (d: Buffer) => {
    pending += d.toString("utf8");
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith("took-over ")) {
        opts.notice?.(`took over the lock "${name}" on ${h.label}: the lease of ` +
          `${describeHolder(parseLockNote(line.slice("took-over ".length)))} had run out, so its holder was ended`);
      } else if (line.startsWith("locked ")) {
        locked();
      } else if (line === "released") {
        confirmed = true;
      } else {
        proc.kill();
        failLock(new HostLockError(`unexpected answer while locking ${name} on ${h.label}: ${line.trim()}`));
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    locked = resolve;
    failLock = reject;
    proc.done.then((r) => {
      const said = stderr.trim();
      if (r.code === EXIT_BUSY) {
        const holder = describeHolder(parseLockNote(/^held by:\s*(.*)$/m.exec(said)?.[1] ?? ""));
        const unended = /^not ended:\s*(.*)$/m.exec(said)?.[1];
        reject(new HostLockError(`could not take the lock "${name}" on ${h.label} within ${timeoutMs / 1000} s: it is ` +
          `held by ${holder}${unended ? `; ${unended}` : ""}`));
      } else {
        reject(new HostLockError(`could not take the lock "${name}" on ${h.label} (exit code ${r.code}): ${said}`));
      }
    }, reject);
  });

  let ended = "";
  const settled = proc.done.then(
    (r) => void (ended = `its holding shell ended with exit code ${r.code}, e.g. ended by a waiter after a missed renewal`),
    (e: Error) => void (ended = `the connection was lost: ${e.message}`),
  );
  const renew = setInterval(() => {
    if (!proc.stdin.writableEnded) proc.stdin.write("\n");
  }, Math.floor(leaseMs / 3));
  return async () => {
    clearInterval(renew);
    if (!proc.stdin.writableEnded) proc.stdin.end("bye\n");
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      settled.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), leaseMs))),
    ]);
    clearTimeout(timer);
    proc.kill();
    if (confirmed) return "";
    if (!answered) return `its holding shell did not confirm the release within ${leaseMs / 1000} s`;
    return ended;
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "?");
  }
}
