/** Where an instance keeps its files: `<repo>/.lab/<name>/`. */
import * as fs from "fs";
import * as path from "path";

/** The repository root: the nearest folder above this file (source or build/lab) holding package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
}

export function labName(): string {
  return process.env.XENHA_LAB || "default";
}

export interface LabPaths {
  stateDir: string;
  statePath: string;
  inventoryPath: string;
  logPath: string;
  lockPath: string;
  keyPath: string;
  hostDir(host: string): string;
  hostUpper(host: string): string;
  hostWork(host: string): string;
  hostConfig(host: string): string;
  hostConsole(host: string): string;
  hostStatus(host: string): string;
  hostKeyPath(host: string): string;
  /** the lab's in-host programs (hostinit.py, the NFS stand-ins) */
  hostTools: string;
}

export function labPaths(name: string): LabPaths {
  const stateDir = path.join(repoRoot(), ".lab", name);
  const hostDir = (h: string): string => path.join(stateDir, "hosts", h);
  return {
    stateDir,
    statePath: path.join(stateDir, "state.json"),
    inventoryPath: path.join(stateDir, "inventory.json"),
    logPath: path.join(stateDir, "supervisor.log"),
    lockPath: path.join(stateDir, "lock"),
    keyPath: path.join(stateDir, "id_ed25519"),
    hostDir,
    hostUpper: (h) => path.join(hostDir(h), "upper"),
    hostWork: (h) => path.join(hostDir(h), "work"),
    hostConfig: (h) => path.join(hostDir(h), "hostinit.json"),
    hostConsole: (h) => path.join(hostDir(h), "console.log"),
    hostStatus: (h) => path.join(hostDir(h), "status.json"),
    hostKeyPath: (h) => path.join(stateDir, "keys", `${h}_ssh_host_ed25519_key`),
    hostTools: path.join(repoRoot(), "lab", "host"),
  };
}

/**
 * Where a host's merged root is mounted in the root mount namespace: outside the work tree, so that tools
 * crawling the repository (jest, grep, git) never walk four copies of the machine's file system.
 */
export const ROOTS_DIR = process.env.XENHA_LAB_ROOTS || "/run/xen-ha-lab/roots";

export function hostRootDir(index: number, host: string): string {
  return path.join(ROOTS_DIR, `lab${index}`, host);
}

export function labRootsDir(index: number): string {
  return path.join(ROOTS_DIR, `lab${index}`);
}
