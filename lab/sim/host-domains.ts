/**
 * The domains of one host and what creating one checks, shared by xend (xm) and xl. The checks are the real
 * toolstack's, in its order: a name already in use, memory that does not fit, a disk path that does not
 * exist on this host, a bridge that does not exist. Each failure is a CreateError whose kind the xm and xl
 * front ends turn into their own messages.
 */
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import { DomainRecord, HostInfo } from "./domain-record";
import { DomainSpec } from "./domain-spec";
import { bridgeExists, firstBridge, GuestNic, guestAlive, startGuest } from "./guest";
import { Faults, Settings, writeJsonAtomic } from "./host-env";

export interface HostState {
  nextDomid: number;
  /** Epoch seconds the host's "hypervisor" started (Domain-0's Time(s)). */
  bootTime: number;
  domains: DomainRecord[];
}

export function loadState(file: string): HostState {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as HostState;
  } catch {
    return { nextDomid: 1, bootTime: Date.now() / 1000, domains: [] };
  }
}

export function saveState(file: string, st: HostState): void {
  writeJsonAtomic(file, st);
}

/** Drops domains whose guest process is gone (killed, or the host rebooted). Returns true if any was dropped. */
export function pruneDead(st: HostState, lab: string): boolean {
  const before = st.domains.length;
  st.domains = st.domains.filter((d) => d.guestPid === null || guestAlive(d.guestPid, lab, d.uuid));
  return st.domains.length !== before;
}

export function freeMemory(s: Settings, st: HostState, f: Faults): number {
  const used = st.domains.reduce((a, d) => a + d.spec.memory, 0);
  return Math.max(0, s.totalMemoryMiB - s.dom0MemoryMiB - used - (f.reserveMemoryMiB ?? 0));
}

export function hostInfo(s: Settings, st: HostState, f: Faults, now = Date.now() / 1000): HostInfo {
  return {
    hostname: s.hostName, totalMemory: s.totalMemoryMiB, freeMemory: freeMemory(s, st, f), dom0Memory: s.dom0MemoryMiB,
    dom0Vcpus: s.nrCpus, nrCpus: s.nrCpus, dom0CpuTime: Math.max(0, (now - st.bootTime) * 0.05), xenVersion: s.xenVersion,
  };
}

export type CreateErrorKind = "exists" | "memory" | "disk" | "bridge" | "guest";

export class CreateError extends Error {
  constructor(readonly kind: CreateErrorKind, message: string, readonly detail: Record<string, string | number>) {
    super(message);
  }
}

/** Finds a domain by name or numeric id, as both toolstacks accept either. */
export function findDomain(st: HostState, ident: string): DomainRecord | undefined {
  if (/^\d+$/.test(ident)) return st.domains.find((d) => d.domid === Number(ident));
  return st.domains.find((d) => d.name === ident);
}

/** The bridge each vif plugs into: its own, else xl's default xenbr0 or xm's first bridge. */
export function vifBridges(spec: DomainSpec, toolstack: "xm" | "xl"): string[] {
  return spec.vifs.map((v) => v.bridge ?? (toolstack === "xl" ? "xenbr0" : firstBridge() ?? "xenbr0"));
}

export function checkCreate(spec: DomainSpec, st: HostState, s: Settings, f: Faults, name = spec.name): void {
  const dup = st.domains.find((d) => d.name === name);
  if (dup) throw new CreateError("exists", `Domain '${name}' already exists with ID '${dup.domid}'`, { name, domid: dup.domid });
  const free = freeMemory(s, st, f);
  if (spec.memory > free) {
    throw new CreateError("memory", `not enough memory: need ${spec.memory} MiB, ${free} MiB free`, { needKiB: spec.memory * 1024, freeKiB: free * 1024 });
  }
  for (const disk of spec.disks) {
    if (disk.kind === "") continue;
    if (!fs.existsSync(disk.path)) {
      throw new CreateError("disk", `${disk.path} does not exist.`, { path: disk.path, vdev: disk.vdev });
    }
  }
  for (const [n, bridge] of vifBridges(spec, s.toolstack).entries()) {
    if (!bridgeExists(bridge)) throw new CreateError("bridge", `Could not find bridge device ${bridge}`, { bridge, devid: n });
  }
}

export function newMac(): string {
  const b = randomBytes(3);
  return `00:16:3e:${[b[0] & 0x7f, b[1], b[2]].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}

export function nicsOf(d: DomainRecord, toolstack: "xm" | "xl"): GuestNic[] {
  const bridges = vifBridges(d.spec, toolstack);
  return d.spec.vifs.map((v, n) => ({ bridge: bridges[n], ips: v.ip ? v.ip.split(/\s+/).filter(Boolean) : [], mac: d.macs[n] }));
}

/** Checks, then starts the guest and records the domain. The caller persists the state. */
export async function createDomain(spec: DomainSpec, st: HostState, s: Settings, f: Faults, configPath: string | null): Promise<DomainRecord> {
  checkCreate(spec, st, s, f);
  const d: DomainRecord = {
    domid: st.nextDomid++, name: spec.name, spec, uuid: spec.uuid ?? randomUUID(), state: "-b----",
    startTime: Date.now() / 1000, memoryShown: spec.memory, vcpusShown: spec.vcpus, guestPid: null,
    macs: spec.vifs.map((v) => v.mac ?? newMac()), configPath,
  };
  st.domains.push(d); // holds its memory while the guest starts
  try {
    d.guestPid = await startGuest(s.lab, d.uuid, d.domid, nicsOf(d, s.toolstack));
  } catch (e) {
    st.domains = st.domains.filter((x) => x !== d);
    throw new CreateError("guest", (e as Error).message, {});
  }
  return d;
}
