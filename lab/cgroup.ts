/**
 * Every process of a lab host lives in the cgroup (v2) <cgroup2>/xen-ha-lab/lab<i>/hosts/<host>, whatever
 * namespaces it later enters (guests, FUSE daemons, daemonized services), so stopping a host, or cleaning a
 * lab whose supervisor was killed, can find and kill all of them (cgroup.kill). Without a writable cgroup2
 * hierarchy the lab falls back to network namespace membership and process trees.
 */
import * as fs from "fs";
import * as path from "path";

export function cgroup2Root(): string | null {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right || !right.startsWith("cgroup2 ")) continue;
    const mp = left.split(" ")[4];
    try {
      fs.accessSync(mp, fs.constants.W_OK);
      return mp;
    } catch {
      continue;
    }
  }
  return null;
}

export function labCgroup(index: number): string | null {
  const root = cgroup2Root();
  return root ? path.join(root, "xen-ha-lab", `lab${index}`) : null;
}

export function hostCgroup(index: number, host: string): string | null {
  const lab = labCgroup(index);
  return lab ? path.join(lab, "hosts", host) : null;
}

export function harnessCgroup(index: number): string | null {
  const lab = labCgroup(index);
  return lab ? path.join(lab, "harness") : null;
}

export function ensureCgroup(dir: string | null): void {
  if (dir) fs.mkdirSync(dir, { recursive: true });
}

export function joinCgroup(dir: string | null, pid: number): void {
  if (dir) fs.writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
}

/** Pids in `dir` and every cgroup below it. */
export function cgroupPids(dir: string | null): number[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const out: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const p of fs.readFileSync(path.join(d, "cgroup.procs"), "utf8").split("\n")) if (p) out.push(Number(p));
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    } catch {
      // removed while we walked
    }
  };
  walk(dir);
  return out;
}

/** Kills every process in `dir` and below (cgroup.kill), then removes the cgroups, leaves first. */
export function killAndRemoveCgroup(dir: string | null): void {
  if (!dir || !fs.existsSync(dir)) return;
  try {
    fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
  } catch {
    for (const pid of cgroupPids(dir)) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
  }
  removeCgroupTree(dir);
}

export function removeCgroupTree(dir: string): void {
  const deadline = Date.now() + 5000;
  const rm = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(path.join(d, e.name));
    for (;;) {
      try {
        fs.rmdirSync(d);
        return;
      } catch (e) {
        // EBUSY while killed processes are still exiting
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        if (Date.now() > deadline) throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  };
  if (fs.existsSync(dir)) rm(dir);
}
