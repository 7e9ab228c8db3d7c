/**
 * A per-host lock, held while a resource changes a host, so that two runs (two Pulumi stacks, or a Pulumi
 * run and an operator's script using flock) never interleave their edits.
 *
 * The lock is flock(1) on /run/lock/xen-ha-NAME.lock (or /var/lock), taken by a remote shell that then waits
 * on its stdin: closing our end releases it, and so does a dropped connection (sshd closes the shell's
 * stdin), so a crashed run cannot leave a stale lock behind. The holder writes who it is into the lock file,
 * and a waiter that gives up names it.
 *
 * Within one process, callers for the same host and lock name queue locally first, so that waiters do not
 * each hold one of the connection's few session channels. Nested calls for a lock already held by the same
 * async call chain run directly (the lock is reentrant along a call chain).
 */
import { AsyncLocalStorage } from "async_hooks";
import { hostname, userInfo } from "os";
import type { RemoteHost, RemoteProcess } from "../ssh/remote-host";

export interface HostLockOptions {
  /** How long to wait for another holder, default 120 s. */
  timeoutMs?: number;
  /** Who we are, shown to waiters (e.g. the resource's name). */
  description?: string;
}

const EXIT_BUSY = 75;
const EXIT_NO_FLOCK = 69;

// Runs as the connection user (never through sudo): /run/lock is world-writable on Debian; on hosts where
// neither lock folder is writable by that user, /tmp is used. The file is created world-writable so that
// root and a sudo user share one lock; it is opened read-only for flock (no O_CREAT, which
// fs.protected_regular refuses on other users' files in sticky folders), and the holder note is best effort.
const LOCK_SCRIPT = `PATH=$PATH:/sbin:/usr/sbin:/usr/bin:/bin
command -v flock >/dev/null 2>&1 || { echo "flock(1) is not installed (util-linux)" >&2; exit ${EXIT_NO_FLOCK}; }
for dir in /run/lock /var/lock /tmp; do [ -d "$dir" ] && [ -w "$dir" ] && break; done
f="$dir/xen-ha-$1.lock"
[ -e "$f" ] || (umask 0; : >> "$f") 2>/dev/null
exec 9<"$f" || exit 1
if ! flock -w "$2" 9; then
  echo "held by: $(cat -- "$f" 2>/dev/null)" >&2
  exit ${EXIT_BUSY}
fi
printf '%s\\n' "$3" 2>/dev/null > "$f"
echo "locked $f"
cat >/dev/null
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
    const proc = await acquire(h, name, opts);
    try {
      return await held.run(new Set([...mine, key]), fn);
    } finally {
      proc.kill();
      await proc.done.catch(() => undefined);
    }
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

async function acquire(h: RemoteHost, name: string, opts: HostLockOptions): Promise<RemoteProcess> {
  if (!h.spawn) throw new Error(`host ${h.label} cannot hold a lock (its RemoteHost has no spawn)`);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const who = `${opts.description ? `${opts.description} ` : ""}(pulumi-xen-ha on ${hostname()}, pid ${process.pid}, ` +
    `user ${safeUser()}, since ${new Date().toISOString()})`.replace(/[\r\n]+/g, " ");
  const proc = await h.spawn(["sh", "-c", LOCK_SCRIPT, "sh", name, String(timeoutMs / 1000), who]);
  let stdout = "";
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise<RemoteProcess>((resolve, reject) => {
    const onData = (d: Buffer) => {
      stdout += d.toString("utf8");
      if (stdout.includes("\n")) {
        proc.stdout.off("data", onData);
        if (stdout.startsWith("locked ")) resolve(proc);
        else {
          proc.kill();
          reject(new HostLockError(`unexpected answer while locking ${name} on ${h.label}: ${stdout.trim()}`));
        }
      }
    };
    proc.stdout.on("data", onData);
    proc.done.then((r) => {
      if (stdout.startsWith("locked ")) return;
      const said = stderr.trim();
      if (r.code === EXIT_BUSY) {
        const holder = said.replace(/^held by:\s*/, "");
        reject(new HostLockError(`could not take the lock "${name}" on ${h.label} within ${timeoutMs / 1000} s: it is ` +
          `held by ${holder || "a process that did not say who it is"}`));
      } else {
        reject(new HostLockError(`could not take the lock "${name}" on ${h.label} (exit code ${r.code}): ${said}`));
      }
    }, reject);
  });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "?");
  }
}
