/**
 * Removing everything an instance may have left: host processes (via the lab's cgroup, then via network
 * namespace membership), mounts under its state dir, network namespaces, veths and bridges. Idempotent; used
 * by the supervisor when it stops, by `lab:down` after it, and by `lab:up` when it finds a stale lab.
 */
import * as fs from "fs";
import { cgroupPids, harnessCgroup, killAndRemoveCgroup, labCgroup, removeCgroupTree } from "./cgroup";
import { labLinks, labNetns, netnsPids, teardownNetwork } from "./net";
import { run } from "./sh";
import { labRootsDir } from "./paths";
import * as path from "path";

export interface Leftovers { processes: number[]; mounts: string[]; netns: string[]; links: string[] }

export function findLeftovers(index: number, stateDir: string, exceptPids: number[] = []): Leftovers {
  const lab = labCgroup(index);
  const harness = harnessCgroup(index);
  const hostPids = lab ? cgroupPids(path.join(lab, "hosts")) : [];
  const harnessPids = harness ? cgroupPids(harness) : [];
  const nsPids = labNetns(index).flatMap(netnsPids);
  const processes = [...new Set([...hostPids, ...harnessPids, ...nsPids])].filter((p) => !exceptPids.includes(p));
  return { processes, mounts: labMounts(index, stateDir), netns: labNetns(index), links: labLinks(index) };
}

export function isEmpty(l: Leftovers): boolean {
  return l.processes.length + l.mounts.length + l.netns.length + l.links.length === 0;
}

export function describe(l: Leftovers): string {
  const parts: string[] = [];
  if (l.processes.length) parts.push(`${l.processes.length} processes`);
  if (l.mounts.length) parts.push(`${l.mounts.length} mounts`);
  if (l.netns.length) parts.push(`${l.netns.length} network namespaces`);
  if (l.links.length) parts.push(`${l.links.length} links`);
  return parts.join(", ") || "nothing";
}

export function labMounts(index: number, stateDir: string): string[] {
  return [...mountsUnder(stateDir), ...mountsUnder(labRootsDir(index))];
}

/** Mount points under `dir` in the root mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const text = fs.readFileSync("/proc/self/mountinfo", "utf8");
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\040/g, " ");
    if (mp.startsWith(prefix)) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Kills the hosts' processes (not the harness's `keepPids`), unmounts, removes network and cgroups. */
export function cleanup(index: number, stateDir: string, keepPids: number[] = []): void {
  const lab = labCgroup(index);
  if (lab) killAndRemoveCgroup(path.join(lab, "hosts"));
  for (let round = 0; round < 50; round++) {
    const pids = labNetns(index).flatMap(netnsPids).filter((p) => !keepPids.includes(p));
    if (pids.length === 0) break;
    for (const p of pids) {
      try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  const harness = harnessCgroup(index);
  if (harness) {
    for (const p of cgroupPids(harness)) {
      if (keepPids.includes(p)) continue;
      try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
    }
  }
  for (const mp of labMounts(index, stateDir)) run(["umount", "-l", mp], { allowFail: true });
  removeEmptyRoots(labRootsDir(index));
  teardownNetwork(index);
  if (lab && harness && cgroupPids(harness).length === 0) {
    try {
      removeCgroupTree(lab);
      fs.rmdirSync(path.dirname(lab)); // xen-ha-lab/, when no other instance uses it
    } catch { /* another instance, or a process still exiting: the next cleanup removes it */ }
  }
}

/**
 * Removes the (now unmounted) root mount points with rmdir only: never a recursive delete, which through a
 * root still mounted would walk into the machine's own file system.
 */
function removeEmptyRoots(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const h of fs.readdirSync(dir)) {
    try { fs.rmdirSync(path.join(dir, h)); } catch { /* still mounted or not empty: leave it */ }
  }
  try { fs.rmdirSync(dir); } catch { /* idem */ }
}
