/** `.lab/<name>/state.json`: the supervisor's pid (with its start time, so a reused pid is not mistaken for it). */
import * as fs from "fs";
import { writeJsonAtomic } from "./files";
import { ToolstackChoice } from "./topology";

export type LabStatus = "starting" | "running" | "stopping" | "stopped" | "failed";

export interface LabState {
  name: string;
  index: number;
  pid: number;
  pidStart: string;
  status: LabStatus;
  toolstack: ToolstackChoice;
  startedAt: string;
  hosts: Record<string, number>;
}

export function readState(p: string): LabState | null {
  try {
    return JSON.parse(fs.readFileSync(p, "utf8")) as LabState;
  } catch {
    return null;
  }
}

export function writeState(p: string, s: LabState): void {
  writeJsonAtomic(p, s);
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (an exited detached supervisor waits for the machine's init to reap it). */
export function supervisorAlive(s: LabState | null): boolean {
  if (!s || processStart(s.pid) !== s.pidStart) return false;
  try {
    const stat = fs.readFileSync(`/proc/${s.pid}/stat`, "utf8");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
}
