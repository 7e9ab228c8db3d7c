/**
 * lab:up / lab:down / lab:status / reboot, for the CLI and for jest's global setup. An instance is running
 * when its supervisor (state.json's pid with the same start time) is alive; otherwise anything of it left on
 * the machine is stale and is removed before a new start.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { sshOpen } from "./ssh-port";
import * as path from "path";
import { cleanup, describe, findLeftovers, isEmpty } from "./cleanup";
import { loadInventory, Inventory, labHosts } from "./inventory";
import { labPaths, repoRoot } from "./paths";
import { allocateIndex, findIndex } from "./registry";
import { sleep } from "./sh";
import { readState, supervisorAlive } from "./state";
import { checkLabName, HOST_NAMES, HostName, ToolstackChoice } from "./topology";

export interface UpResult { started: boolean; inventory: Inventory; message: string }

function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const p = labPaths(name);
  fs.mkdirSync(p.stateDir, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      const fd = fs.openSync(p.lockPath, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(fs.readFileSync(p.lockPath, "utf8") || "0");
      let alive = false;
      try { process.kill(holder, 0); alive = holder > 0; } catch { alive = false; }
      if (!alive) { fs.rmSync(p.lockPath, { force: true }); continue; }
      if (i > 1200) throw new Error(`lab ${name} is locked by pid ${holder} (${p.lockPath})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  return fn().finally(() => fs.rmSync(p.lockPath, { force: true }));
}

export function indexOf(name: string): number {
  const p = labPaths(name);
  return allocateIndex(name, p.stateDir, (e) => cleanup(e.index, e.stateDir));
}

export function isRunning(name: string): boolean {
  return supervisorAlive(readState(labPaths(name).statePath));
}

export async function up(nameIn: string, toolstack: ToolstackChoice): Promise<UpResult> {
  const name = checkLabName(nameIn);
  return withLock(name, async () => {
    const p = labPaths(name);
    const st = readState(p.statePath);
    if (supervisorAlive(st) && st) {
      const inv = loadInventory(name);
      let message = `lab "${name}" is already running (supervisor pid ${st.pid}, since ${st.startedAt}); nothing done`;
      if (st.toolstack !== toolstack) message += `\nnote: it runs toolstack "${st.toolstack}", not "${toolstack}"; run lab:down first to change it`;
      return { started: false, inventory: inv, message };
    }
    const index = indexOf(name);
    const left = findLeftovers(index, p.stateDir);
    let message = "";
    if (!isEmpty(left)) {
      cleanup(index, p.stateDir);
      message += `stale lab "${name}" found (${describe(left)}): cleaned up\n`;
    }
    fs.rmSync(p.inventoryPath, { force: true });
    const t0 = Date.now();
    await startSupervisor(name, index, toolstack);
    const inv = loadInventory(name);
    message += `lab "${name}" up in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    return { started: true, inventory: inv, message };
  });
}

async function startSupervisor(name: string, index: number, toolstack: ToolstackChoice): Promise<void> {
  const p = labPaths(name);
  const logFd = fs.openSync(p.logPath, "w");
  // the compiled supervisor, also when this module runs from source (ts-jest)
  const child = spawn(process.execPath, [path.join(repoRoot(), "build", "lab", "supervisor.js"), name, String(index), toolstack], {
    detached: true, stdio: ["ignore", logFd, logFd, "pipe"], cwd: p.stateDir,
  });
  fs.closeSync(logFd);
  const answer = await new Promise<string>((resolve) => {
    let got = "";
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    const timer = setTimeout(() => resolve("failed: no answer within 120 s"), 120_000);
    pipe.on("data", (d: Buffer) => { got += d.toString(); });
    pipe.on("end", () => { clearTimeout(timer); resolve(got.trim() || "failed: supervisor exited"); });
    child.on("exit", () => setTimeout(() => { clearTimeout(timer); resolve(got.trim() || "failed: supervisor exited"); }, 100));
  });
  (child.stdio[3] as unknown as { destroy(): void }).destroy();
  child.unref();
  if (answer !== "ready") {
    try { process.kill(child.pid ?? 0, "SIGKILL"); } catch { /* gone */ }
    cleanup(index, p.stateDir);
    const tail = fs.readFileSync(p.logPath, "utf8").split("\n").slice(-30).join("\n");
    throw new Error(`lab "${name}" failed to start: ${answer}\n--- ${p.logPath} ---\n${tail}`);
  }
}

export async function down(nameIn: string): Promise<string> {
  const name = checkLabName(nameIn);
  return withLock(name, async () => {
    const p = labPaths(name);
    const st = readState(p.statePath);
    const index = findIndex(name, p.stateDir);
    const t0 = Date.now();
    let message = "";
    if (supervisorAlive(st) && st) {
      process.kill(st.pid, "SIGTERM");
      const deadline = Date.now() + 30_000;
      while (supervisorAlive(st) && Date.now() < deadline) await sleep(20);
      if (supervisorAlive(st)) {
        process.kill(st.pid, "SIGKILL");
        message += "supervisor did not stop within 30 s: killed\n";
      }
    } else {
      message += `lab "${name}" was not running\n`;
    }
    if (index !== null) {
      const left = findLeftovers(index, p.stateDir);
      cleanup(index, p.stateDir);
      if (!isEmpty(left)) message += `removed leftovers: ${describe(left)}\n`;
      const after = findLeftovers(index, p.stateDir);
      if (!isEmpty(after)) throw new Error(`lab "${name}": could not remove ${describe(after)}`);
    }
    fs.rmSync(p.inventoryPath, { force: true });
    message += `lab "${name}" down in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    return message;
  });
}

export async function status(nameIn: string): Promise<string> {
  const name = checkLabName(nameIn);
  const p = labPaths(name);
  const st = readState(p.statePath);
  const index = findIndex(name, p.stateDir);
  if (!supervisorAlive(st) || !st) {
    if (index !== null) {
      const left = findLeftovers(index, p.stateDir);
      if (!isEmpty(left)) return `lab "${name}" (index ${index}): STALE, supervisor gone but ${describe(left)} left; lab:up or lab:down cleans it`;
    }
    return `lab "${name}"${index !== null ? ` (index ${index})` : ""}: not running`;
  }
  const inv = loadInventory(name);
  const lines = [`lab "${name}" (index ${st.index}): ${st.status}, supervisor pid ${st.pid}, since ${st.startedAt}, toolstack ${st.toolstack}`,
    `inventory ${p.inventoryPath}`,
    ["host", "role", "address", "lan1", "toolstack", "state", "ssh"].map((c, i) => c.padEnd([10, 10, 16, 16, 10, 10, 4][i])).join("")];
  for (const h of labHosts(inv)) {
    let hs = "?";
    try { hs = (JSON.parse(fs.readFileSync(path.join(h.hostDir, "status.json"), "utf8")) as { state: string }).state; } catch { /* booting */ }
    const ssh = (await sshOpen(h.address, 500)) ? "open" : "closed";
    lines.push([h.name, h.role, h.address, h.address2, h.toolstack ?? "-", hs, ssh].map((c, i) => c.padEnd([10, 10, 16, 16, 10, 10, 4][i])).join(""));
  }
  return lines.join("\n");
}

/** Reboots one host: its init runs the stop links, kills its processes, clears /run and /tmp, boots again. */
export async function reboot(nameIn: string, host: string): Promise<string> {
  const name = checkLabName(nameIn);
  if (!HOST_NAMES.includes(host as HostName)) throw new Error(`no host "${host}" (hosts: ${HOST_NAMES.join(", ")})`);
  const st = readState(labPaths(name).statePath);
  if (!supervisorAlive(st) || !st) throw new Error(`lab "${name}" is not running`);
  const pid = st.hosts[host];
  const statusFile = path.join(labPaths(name).hostDir(host), "status.json");
  const before = fs.statSync(statusFile).mtimeMs;
  process.kill(pid, "SIGHUP");
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(50);
    try {
      const s = JSON.parse(fs.readFileSync(statusFile, "utf8")) as { state: string };
      if (s.state === "running" && fs.statSync(statusFile).mtimeMs > before) return `${host} rebooted`;
    } catch { /* being rewritten */ }
  }
  throw new Error(`${host} did not come back within 120 s`);
}
