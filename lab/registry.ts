/**
 * Machine-wide allocation of instance indexes (each index owns a subnet pair, bridge and namespace names).
 * Lab instances of different work trees (e.g. a CI clone beside /work/main) share the machine's network, so
 * the registry lives outside any work tree, in /run/xen-ha-lab/index/<n>.json = { name, stateDir }.
 * Creating the file with O_EXCL is the lock; an entry stays with its (name, stateDir) so an instance keeps its
 * addresses across restarts. Entries whose state dir is gone are reclaimed (the caller cleans them first).
 */
import * as fs from "fs";
import * as path from "path";
import { MAX_INDEX } from "./topology";

export const REGISTRY_DIR = process.env.XENHA_LAB_REGISTRY || "/run/xen-ha-lab/index";

export interface RegistryEntry { index: number; name: string; stateDir: string }

export function listEntries(): RegistryEntry[] {
  if (!fs.existsSync(REGISTRY_DIR)) return [];
  const out: RegistryEntry[] = [];
  for (const f of fs.readdirSync(REGISTRY_DIR)) {
    const m = /^(\d+)\.json$/.exec(f);
    if (!m) continue;
    try {
      const e = JSON.parse(fs.readFileSync(path.join(REGISTRY_DIR, f), "utf8")) as { name: string; stateDir: string };
      out.push({ index: Number(m[1]), name: e.name, stateDir: e.stateDir });
    } catch {
      // a half-written entry of a concurrent allocation: not ours to judge
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

export function findIndex(name: string, stateDir: string): number | null {
  const e = listEntries().find((x) => x.name === name && x.stateDir === stateDir);
  return e ? e.index : null;
}

/**
 * The index of (name, stateDir), allocating the lowest free one. `reclaim(entry)` is called for an entry whose
 * state dir no longer exists, before its index is reused (it must clean whatever that instance left).
 */
export function allocateIndex(name: string, stateDir: string, reclaim: (e: RegistryEntry) => void): number {
  const existing = findIndex(name, stateDir);
  if (existing !== null) return existing;
  fs.mkdirSync(REGISTRY_DIR, { recursive: true });
  const taken = new Set(listEntries().map((e) => e.index));
  for (let i = 0; i <= MAX_INDEX; i++) {
    if (taken.has(i)) continue;
    if (tryClaim(i, name, stateDir)) return i;
  }
  for (const e of listEntries()) {
    if (fs.existsSync(e.stateDir)) continue;
    reclaim(e);
    fs.rmSync(entryPath(e.index), { force: true });
    if (tryClaim(e.index, name, stateDir)) return e.index;
  }
  throw new Error(`all ${MAX_INDEX + 1} lab indexes are taken (see ${REGISTRY_DIR})`);
}

function tryClaim(i: number, name: string, stateDir: string): boolean {
  try {
    const fd = fs.openSync(entryPath(i), "wx");
    fs.writeSync(fd, JSON.stringify({ name, stateDir }) + "\n");
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

function entryPath(i: number): string {
  return path.join(REGISTRY_DIR, `${i}.json`);
}
