/**
 * What XendRelocationConfig needs to know about a Xen host, in ONE round trip: which toolstack it runs, the
 * config file, whether xend answers, and the TCP listeners. Scripts are constants; user values are positional
 * arguments. Parsers are pure. The listener probe is shared with the other Xen resources; the toolstack probe lives in host/toolstack.ts.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { fileProbe } from "../../host/file-probe";
import { toolstackProbe, type InstalledToolstack } from "../../host/toolstack";

export type Toolstack = InstalledToolstack;

/** Whether xend answers: `xm list` works (it fails with "Unable to connect to xend" when xend is down). */
export const xendAnswersProbe: Probe<boolean> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
command -v xm >/dev/null 2>&1 || exit 127
xm list >/dev/null 2>&1`,
  parse: (o: ProbeOutput) => o.code === 0,
};

/** Local addresses of listening TCP sockets (`ss -ltn`, or `netstat -ltn` on old hosts), e.g. `0.0.0.0:8002`. */
export function parseListeners(o: ProbeOutput): string[] {
  const out: string[] = [];
  for (const line of o.stdout.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // ss: State Recv-Q Send-Q Local Peer; netstat: Proto Recv-Q Send-Q Local Foreign State
    const local = cols[0] === "LISTEN" ? cols[3] : cols[0]?.startsWith("tcp") ? cols[3] : undefined;
    if (local && /:\d+$/.test(local)) out.push(local);
  }
  return [...new Set(out)].sort();
}

export const listenersProbe: Probe<string[]> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
if command -v ss >/dev/null 2>&1; then exec ss -ltn; fi
exec netstat -ltn`,
  parse: parseListeners,
};

/** Whether `listeners` has one on `port` that serves `address` ('' = all addresses). */
export function listensOn(listeners: readonly string[], port: number, address: string): boolean {
  return listeners.some((l) => {
    const i = l.lastIndexOf(":");
    if (Number(l.slice(i + 1)) !== port) return false;
    const host = l.slice(0, i).replace(/^\[|\]$/g, "").replace(/%.*$/, "");
    const any = host === "0.0.0.0" || host === "*" || host === "::" || host === "";
    if (address === "") return any;
    // an interface name (Xen 4.1) binds that interface's address: accept any listener on the port
    if (!/^[\d.:a-fA-F]+$/.test(address)) return true;
    return host === address || host === `::ffff:${address}`;
  });
}

/**
 * Written (with xend's pid) just before the provider writes a file that needs a restart, removed once xend
 * runs with it. Found later with the same xend still running, it means the restart was lost (the connection
 * dropped between the write and the restart, or the restart failed and the old xend kept running): the file
 * alone cannot tell, because xend keeps what it read at its start. Under /var/run, so a reboot clears it.
 */
export const RESTART_MARKER = "/var/run/xen-ha/xend-restart-pending";

export interface PendingRestart {
  /** xend's pid now (/var/run/xend.pid), or null. */
  xendPid: string | null;
  /** Whether the marker exists. */
  marked: boolean;
  /** The pid of the xend that ran when the marker was written, or null when unknown. */
  markedPid: string | null;
}

export function parsePendingRestart(o: ProbeOutput): PendingRestart {
  const lines = o.stdout.split("\n");
  const value = (prefix: string) => {
    const v = lines.find((l) => l.startsWith(prefix))?.slice(prefix.length).trim();
    return v ? v : null;
  };
  return { xendPid: value("pid="), marked: lines.includes("marked"), markedPid: value("xend-pid=") };
}

export const pendingRestartProbe: Probe<PendingRestart> = {
  script: `echo "pid=$(cat /var/run/xend.pid 2>/dev/null)"
if [ -e "$1" ]; then echo marked; cat -- "$1"; fi
exit 0`,
  args: [RESTART_MARKER],
  parse: parsePendingRestart,
};

/** Whether a restart the provider owed xend is still owed: the marker is there and the same xend runs. */
export const restartLost = (p: PendingRestart): boolean => p.marked && (p.markedPid === null || p.markedPid === p.xendPid);

export interface RelocationFacts {
  toolstack: Toolstack;
  config: string | null;
  xendRunning: boolean;
  listening: string[];
  pending: PendingRestart;
}

export function relocationProbes(configPath: string) {
  return {
    toolstack: toolstackProbe,
    config: fileProbe(configPath),
    xendRunning: xendAnswersProbe,
    listening: listenersProbe,
    pending: pendingRestartProbe,
  };
}

/** The end of xend's log, for the error when xend does not come up. */
export const XEND_LOG_TAIL_SCRIPT = `f=/var/log/xen/xend.log
[ -r "$f" ] || { echo "($f is missing)"; exit 0; }
tail -n 30 -- "$f"`;
