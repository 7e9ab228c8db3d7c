/**
 * What a lock holder writes into its lock file, and how a waiter reads it back.
 *
 * The first word makes a lease recognisable: "lease PID EXPIRES WHO", where PID is the holding shell on the
 * host and EXPIRES the host's own clock (seconds since the epoch), so that holder and waiter compare times
 * taken from one clock. Anything else (an older xen-ha, an operator's script) is a holder without a lease:
 * it is waited for, never taken over.
 */
export interface LockNote {
  /** The holding shell's pid on the host, when the holder keeps a lease. */
  pid?: number;
  /** When the lease ends unless renewed, host clock, seconds since the epoch. */
  expires?: number;
  /** Who holds it, as the holder described itself. */
  who: string;
}

const LEASE = /^lease (\d+) (\d+) ?(.*)$/;

export function parseLockNote(text: string): LockNote {
  const first = text.split("\n")[0].trim();
  const m = LEASE.exec(first);
  if (!m) return { who: first };
  return { pid: Number(m[1]), expires: Number(m[2]), who: m[3].trim() };
}

/** "NfsMount /data (pulumi-xen-ha on ci, pid 4242, …), lease until 2026-12-07T17:42:10Z (host clock)" */
export function describeHolder(note: LockNote): string {
  const who = note.who || "a process that did not say who it is";
  if (note.expires === undefined) return who;
  return `${who}, lease until ${new Date(note.expires * 1000).toISOString().replace(/\.000Z$/, "Z")} (host clock)`;
}
