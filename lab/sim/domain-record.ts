/** A domain as one simulated host keeps it (persisted in the host's state file). */
import { DomainSpec } from "./domain-spec";

export interface DomainRecord {
  domid: number;
  /** The name the toolstack shows now: NAME, migrating-NAME, NAME--incoming, NAME--migratedaway. */
  name: string;
  spec: DomainSpec;
  uuid: string;
  /** Six state letters, r b p s c d, e.g. "-b----". */
  state: string;
  /** Epoch seconds when it started on this host (Time(s) restarts after a migration). */
  startTime: number;
  /** MiB shown in list (grows on the target while a migration copies memory). */
  memoryShown: number;
  vcpusShown: number;
  /** The guest: a process whose network namespace is the domain's. */
  guestPid: number | null;
  /** MAC of each vif (from the spec or generated at creation, kept across migrations). */
  macs: string[];
  /** Config file it was created from, if any. */
  configPath: string | null;
  /** False while the guest belongs to the other end of a migration (incoming, or migrated away): destroying
   * this record must not kill the guest. Absent means true. */
  ownsGuest?: boolean;
}

export interface HostInfo {
  hostname: string;
  totalMemory: number;
  freeMemory: number;
  dom0Memory: number;
  dom0Vcpus: number;
  nrCpus: number;
  dom0CpuTime: number;
  /** e.g. "4.1.6.1", "3.4.2", "3.0.3", "4.17.7". */
  xenVersion: string;
}

/** Seconds of CPU a simulated idle guest has used: a small share of its wall-clock life. */
export function cpuTime(d: DomainRecord, now = Date.now() / 1000): number {
  return Math.max(0, (now - d.startTime) * 0.01);
}

export function xenVersionParts(v: string): { major: number; minor: number; extra: string } {
  const m = /^(\d+)\.(\d+)(.*)$/.exec(v);
  if (!m) return { major: 4, minor: 1, extra: "" };
  return { major: Number(m[1]), minor: Number(m[2]), extra: m[3] };
}
