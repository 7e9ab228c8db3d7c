/**
 * What every simulator process reads inside a lab host: fixed paths, the lab settings (/etc/xen/sim.json),
 * the injected faults (/etc/xen/sim-faults.json, re-read at every decision point so a test can change it
 * between or during commands), xend.log in xend's line format, and the command log.
 */
import * as fs from "fs";
import * as path from "path";

export const PATHS = {
  xenDir: "/etc/xen",
  xendConfig: "/etc/xen/xend-config.sxp",
  settings: "/etc/xen/sim.json",
  faults: "/etc/xen/sim-faults.json",
  autoDir: "/etc/xen/auto",
  logDir: "/var/log/xen",
  xendLog: "/var/log/xen/xend.log",
  xendDebugLog: "/var/log/xen/xend-debug.log",
  commandLog: "/var/log/xen/sim-commands.log",
  /** xm talks to xend here, like xm's XML-RPC unix socket. /var/run is the host's own tmpfs. */
  xendSocket: "/var/run/xend/xmlrpc.sock",
  xendPid: "/var/run/xend.pid",
  /** Domain state survives xend restarts (and host reboots keep the file, but not the guests). */
  xmState: "/var/lib/xend/sim-state.json",
  xlState: "/var/lib/xen/sim-state.json",
  lockDir: "/var/lock",
  cgroupMount: "/run/xen-sim/cgroup",
} as const;

export interface Settings {
  lab: string;
  hostName: string;
  toolstack: "xm" | "xl";
  address: string;
  totalMemoryMiB: number;
  dom0MemoryMiB: number;
  nrCpus: number;
  /** "4.1.6.1" by default on xm hosts (the 4.1 xend-config the hosts start with), "4.17.7" on xl hosts. */
  xenVersion: string;
  /** Migration copy time per MiB of domain memory. */
  copyMsPerMiB: number;
  /** Minimum copy time, so that a poller can see the intermediate names even for tiny domains. */
  copyMinMs: number;
  /** How long a guest takes to shut down after `shutdown`. */
  shutdownMs: number;
  /** A migration stream that carries nothing for this long fails (real TCP would take minutes). */
  streamTimeoutMs: number;
}

export const DEFAULT_SETTINGS: Omit<Settings, "lab" | "hostName" | "toolstack" | "address" | "xenVersion"> = {
  totalMemoryMiB: 4096,
  dom0MemoryMiB: 1024,
  nrCpus: 2,
  copyMsPerMiB: 2,
  copyMinMs: 400,
  shutdownMs: 300,
  streamTimeoutMs: 15000,
};

export function readSettings(): Settings {
  const raw = JSON.parse(fs.readFileSync(PATHS.settings, "utf8")) as Partial<Settings>;
  const toolstack = raw.toolstack === "xl" ? "xl" : "xm";
  return {
    lab: "default", hostName: "localhost", address: "127.0.0.1", ...DEFAULT_SETTINGS,
    xenVersion: toolstack === "xl" ? "4.17.7" : "4.1.6.1", ...raw, toolstack,
  };
}

/** Faults a test injects; see lab/sim/README.md for each one's effect and final state. */
export interface Faults {
  /** MiB taken away from free memory on this host (as if something else used it). */
  reserveMemoryMiB?: number;
  /** On this host as migration TARGET: xend (xm) kills itself with SIGKILL at this percentage of the copy. */
  killXendAtPercent?: number;
  /** On this host as migration TARGET (xl): the receiver's sshd session process is killed at this percentage. */
  killSshdAtPercent?: number;
  /** On this host as migration TARGET (xl): the sshd session dies after the target started the domain but before
   * the sender heard it did (xl's "Migration failed during final handshake": both ends need checking). */
  killSshdAtFinalHandshake?: boolean;
  /** On this host as migration SOURCE: its network interfaces go down at this percentage of the copy. */
  networkDownAtPercent?: number;
}

export function readFaults(): Faults {
  try {
    return JSON.parse(fs.readFileSync(PATHS.faults, "utf8")) as Faults;
  } catch {
    return {};
  }
}

function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One line of xend.log: `[2026-11-25 23:01:02 1234] INFO (XendDomain:1207) message`. */
export function xendLog(level: "DEBUG" | "INFO" | "WARNING" | "ERROR", where: string, msg: string, file: string = PATHS.xendLog): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `[${stamp()} ${process.pid}] ${level} (${where}) ${msg}\n`);
  } catch {
    // a log that cannot be written must not take the toolstack down
  }
}

/** The simulator's own record of every toolstack command (tests prove from it what was, or was not, run). */
export function logCommand(entry: Record<string, unknown>): void {
  try {
    fs.mkdirSync(PATHS.logDir, { recursive: true });
    fs.appendFileSync(PATHS.commandLog, JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...entry }) + "\n");
  } catch {
    // as above
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
