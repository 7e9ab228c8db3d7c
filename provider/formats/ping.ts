/**
 * iputils `ping -D` output turned into what a guest felt during a migration. With -D every line starts with
 * the wall-clock time `[seconds.micros]`; replies read `64 bytes from A: icmp_seq=N ttl=T time=R ms`. On
 * SIGINT ping prints its statistics (`N packets transmitted, M received, [+E errors, ][+D duplicates, ]
 * P% packet loss, time Tms` and `rtt min/avg/max/mdev = …`).
 */

export interface PingReply {
  /** wall-clock seconds, from -D */
  at: number;
  seq: number;
  rttMs: number;
}

export interface PingGap {
  /** timestamps (seconds) of the replies on each side of the gap */
  fromAt: number;
  toAt: number;
  fromSeq: number;
  toSeq: number;
  ms: number;
}

export interface PingReport {
  replies: PingReply[];
  /** from the statistics lines; null when ping was killed before printing them */
  transmitted: number | null;
  received: number;
  lost: number | null;
  duplicates: number;
  errors: number;
  maxRttMs: number | null;
  /** the longest gap between two consecutive replies (the guest's downtime as the network saw it) */
  longestGap: PingGap | null;
  /** lines that were not replies: unreachable, no answer yet, … (kept for the report) */
  notes: string[];
}

const REPLY = /^\[(\d+(?:\.\d+)?)\]\s+\d+ bytes from [^:]+: icmp_[sr]eq=(\d+)(?:\s+ttl=\d+)?(?:\s+time[=<]([\d.]+)\s*ms)?(.*)$/;
const STATS =
  /^(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?(?:, \+(\d+) duplicates)?/;
const RTT = /^(?:rtt|round-trip) min\/avg\/max(?:\/mdev|\/stddev)? = [\d.]+\/[\d.]+\/([\d.]+)/;

export function parsePing(text: string): PingReport {
  const replies: PingReply[] = [];
  const notes: string[] = [];
  let transmitted: number | null = null;
  let received: number | null = null;
  let duplicates = 0;
  let errors = 0;
  let statsMax: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const r = REPLY.exec(line);
    if (r) {
      // A duplicate is not a new sign of life; the statistics line counts duplicates.
      if (/\(DUP!\)/.test(r[4])) continue;
      replies.push({ at: Number(r[1]), seq: Number(r[2]), rttMs: r[3] === undefined ? 0 : Number(r[3]) });
      continue;
    }
    const s = STATS.exec(line);
    if (s) {
      transmitted = Number(s[1]);
      received = Number(s[2]);
      duplicates = Number(s[3] ?? s[5] ?? 0);
      errors = Number(s[4] ?? 0);
      continue;
    }
    const t = RTT.exec(line);
    if (t) {
      statsMax = Number(t[1]);
      continue;
    }
    if (/^PING |^--- .* ping statistics ---$/.test(line)) continue;
    notes.push(line);
  }
  let longestGap: PingGap | null = null;
  for (let i = 1; i < replies.length; i++) {
    const a = replies[i - 1];
    const b = replies[i];
    const ms = (b.at - a.at) * 1000;
    if (!longestGap || ms > longestGap.ms) {
      longestGap = { fromAt: a.at, toAt: b.at, fromSeq: a.seq, toSeq: b.seq, ms: Math.round(ms * 1000) / 1000 };
    }
  }
  const rec = received ?? replies.length;
  const maxRtt = statsMax ?? (replies.length ? Math.max(...replies.map((x) => x.rttMs)) : null);
  return {
    replies,
    transmitted,
    received: rec,
    lost: transmitted === null ? null : Math.max(0, transmitted - rec),
    duplicates,
    errors,
    maxRttMs: maxRtt,
    longestGap,
    notes,
  };
}
