/**
 * One lab instance's harness process: builds the network and the hosts, starts each host's init (hostinit.py)
 * as its child, writes the inventory, tells `lab:up` it is ready (fd 3), then waits. SIGTERM stops the hosts,
 * waits for them and removes everything (cleanup.ts). Started detached by control.ts; argv: NAME INDEX TOOLSTACK.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ensureCgroup, harnessCgroup, hostCgroup, joinCgroup } from "./cgroup";
import { cleanup } from "./cleanup";
import { writeJsonAtomic } from "./files";
import { Inventory, inventorySchema } from "./inventory";
import { setupNetwork } from "./net";
import { hostRootDir, LabPaths, labPaths, repoRoot } from "./paths";
import { provisionHost } from "./provision";
import { run, runAsync } from "./sh";
import { installToolstack, SimHostContext, teardownToolstack } from "./sim/install";
import { LabState, processStart, writeState } from "./state";
import { GUEST_OCTETS, HostPlan, linkPrefix, netnsPrefix, parseToolstackChoice, planHosts, segments, ToolstackChoice } from "./topology";

function log(msg: string): void {
  process.stdout.write(`[supervisor ${new Date().toISOString()}] ${msg}\n`);
}

export function ensureKey(p: string, comment: string): void {
  if (fs.existsSync(p) && fs.existsSync(p + ".pub")) return;
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.rmSync(p + ".pub", { force: true });
  run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", p]);
}

class Supervisor {
  private readonly paths: LabPaths;
  private readonly plans: HostPlan[];
  private readonly children = new Map<string, ChildProcess>();
  private state: LabState;
  private stopping = false;

  constructor(private readonly name: string, private readonly index: number, private readonly toolstack: ToolstackChoice) {
    this.paths = labPaths(name);
    this.plans = planHosts(index, toolstack);
    this.state = {
      name, index, pid: process.pid, pidStart: processStart(process.pid) ?? "", status: "starting", toolstack,
      startedAt: new Date().toISOString(), hosts: {},
    };
  }

  async start(): Promise<void> {
    const cg = harnessCgroup(this.index);
    ensureCgroup(cg);
    joinCgroup(cg, process.pid);
    writeState(this.paths.statePath, this.state);
    ensureKey(this.paths.keyPath, `xen-ha-lab-${this.name}`);
    for (const h of this.plans) ensureKey(this.paths.hostKeyPath(h.name), `root@${h.name}`);

    await setupNetwork(segments(this.index), this.plans);
    for (const h of this.plans) await this.mountRoot(h);
    const publicKey = fs.readFileSync(this.paths.keyPath + ".pub", "utf8").trim();
    for (const h of this.plans) {
      provisionHost({
        plan: h, all: this.plans, paths: this.paths, root: hostRootDir(this.index, h.name), publicKey,
        hostPrivateKey: fs.readFileSync(this.paths.hostKeyPath(h.name), "utf8"),
        hostPublicKey: fs.readFileSync(this.paths.hostKeyPath(h.name) + ".pub", "utf8"),
      });
    }
    this.writeInventory();
    for (const h of this.plans) {
      if (h.role !== "xen" || !h.toolstack) continue;
      await installToolstack(this.simContext(h));
    }
    await Promise.all(this.plans.map((h) => this.bootHost(h)));
    this.state.status = "running";
    writeState(this.paths.statePath, this.state);
    log(`lab ${this.name} running`);
  }

  private simContext(h: HostPlan): SimHostContext {
    return {
      lab: this.name, hostName: h.name, root: hostRootDir(this.index, h.name), toolstack: h.toolstack ?? "xm",
      address: h.address, inventoryPath: this.paths.inventoryPath, stateDir: this.paths.stateDir,
    };
  }

  private async mountRoot(h: HostPlan): Promise<void> {
    const dir = this.paths.hostDir(h.name);
    for (const d of ["upper", "work"]) fs.rmSync(path.join(dir, d), { recursive: true, force: true });
    for (const d of ["upper", "work"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.mkdirSync(hostRootDir(this.index, h.name), { recursive: true });
    for (const f of [this.paths.hostStatus(h.name), this.paths.hostConsole(h.name)]) fs.rmSync(f, { force: true });
    await runAsync(["mount", "-t", "overlay", `xenha-${h.name}`, "-o",
      `lowerdir=/,upperdir=${this.paths.hostUpper(h.name)},workdir=${this.paths.hostWork(h.name)}`,
      hostRootDir(this.index, h.name)]);
    if (h.role === "nfs") {
      // The export lives on a volume of its own, as on a real server: ganesha's VFS backend needs file
      // handles, which an overlay without nfs_export does not give.
      const data = path.join(dir, "data");
      fs.rmSync(data, { recursive: true, force: true });
      fs.mkdirSync(data, { mode: 0o755 });
      const mp = path.join(hostRootDir(this.index, h.name), "data");
      fs.mkdirSync(mp, { recursive: true });
      await runAsync(["mount", "--bind", data, mp]);
    }
  }

  private writeInventory(): void {
    const privateKey = fs.readFileSync(this.paths.keyPath, "utf8");
    const hosts = Object.fromEntries(this.plans.map((h) => [h.name, {
      name: h.name, role: h.role, address: h.address, address2: h.interfaces[1].address, port: 22, user: "root",
      privateKeyPath: this.paths.keyPath, privateKey,
      hostKey: fs.readFileSync(this.paths.hostKeyPath(h.name) + ".pub", "utf8").trim(),
      toolstack: h.toolstack, bridges: h.bridges, interfaces: h.interfaces, netns: h.netns,
      root: hostRootDir(this.index, h.name), hostDir: this.paths.hostDir(h.name),
    }]));
    const inv: Inventory = inventorySchema.parse({
      lab: this.name, index: this.index, stateDir: this.paths.stateDir, createdAt: new Date().toISOString(),
      toolstack: this.toolstack,
      network: { segments: segments(this.index), guestOctets: { ...GUEST_OCTETS }, netnsPrefix: netnsPrefix(this.index), linkPrefix: linkPrefix(this.index) },
      privateKeyPath: this.paths.keyPath,
      publicKey: fs.readFileSync(this.paths.keyPath + ".pub", "utf8").trim(),
      hosts,
    });
    writeJsonAtomic(this.paths.inventoryPath, inv);
  }

  private bootHost(h: HostPlan): Promise<void> {
    const cg = hostCgroup(this.index, h.name);
    ensureCgroup(cg);
    const cfg = {
      name: h.name, root: hostRootDir(this.index, h.name), address: h.address, cgroup: cg,
      statusFile: this.paths.hostStatus(h.name), expose: [repoRoot()],
      hosts: this.plans.map((o) => ({ name: o.name, addresses: o.interfaces.map((i) => i.address).concat(`${o.name}-lan1`), root: hostRootDir(this.index, o.name) })),
    };
    fs.writeFileSync(this.paths.hostConfig(h.name), JSON.stringify(cfg, null, 2));
    const consoleFd = fs.openSync(this.paths.hostConsole(h.name), "a");
    const child = spawn("nsenter", [`--net=/run/netns/${h.netns}`, "--", "unshare", "--mount", "--uts", "--propagation", "private", "--",
      "/usr/bin/python3", path.join(this.paths.hostTools, "hostinit.py"), this.paths.hostConfig(h.name), "3"],
    { stdio: ["ignore", consoleFd, consoleFd, "pipe"] });
    fs.closeSync(consoleFd);
    this.children.set(h.name, child);
    if (child.pid) this.state.hosts[h.name] = child.pid;
    child.on("exit", (code, sig) => {
      this.children.delete(h.name);
      if (!this.stopping) log(`host ${h.name}: init exited (${sig ?? code})`);
    });
    return new Promise((resolve, reject) => {
      const ready = child.stdio[3] as NodeJS.ReadableStream;
      let got = "";
      const timer = setTimeout(() => reject(new Error(`host ${h.name} did not boot within 90 s (see ${this.paths.hostConsole(h.name)})`)), 90_000);
      ready.on("data", (d: Buffer) => {
        got += d.toString();
        if (got.includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      ready.on("end", () => {
        clearTimeout(timer);
        if (!got.includes("ready")) {
          const tail = fs.existsSync(this.paths.hostConsole(h.name)) ? fs.readFileSync(this.paths.hostConsole(h.name), "utf8").split("\n").slice(-15).join("\n") : "";
          reject(new Error(`host ${h.name} failed to boot:\n${tail}`));
        }
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.state.status = "stopping";
    writeState(this.paths.statePath, this.state);
    log("stopping");
    const exits = [...this.children.values()].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => { c.kill("SIGKILL"); }, 10_000).unref();
    }));
    await Promise.all(exits);
    for (const h of this.plans) {
      if (h.role !== "xen" || !h.toolstack) continue;
      // the simulator's own sweep of its guests, should one have left its host's cgroup
      await teardownToolstack(this.simContext(h)).catch((e: Error) => log(`simulator teardown on ${h.name}: ${e.message}`));
    }
    cleanup(this.index, this.paths.stateDir, [process.pid]);
    this.state.status = "stopped";
    writeState(this.paths.statePath, this.state);
    log("stopped");
  }
}

async function main(): Promise<void> {
  const [name, indexText, toolstackText] = process.argv.slice(2);
  const sup = new Supervisor(name, Number(indexText), parseToolstackChoice(toolstackText));
  let readyFd: number | null = 3;
  const tell = (msg: string): void => {
    if (readyFd === null) return;
    try { fs.writeSync(readyFd, msg + "\n"); fs.closeSync(readyFd); } catch { /* lab:up gave up waiting */ }
    readyFd = null;
  };
  const shutdown = (): void => { void sup.stop().then(() => process.exit(0)); };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.on("SIGHUP", () => { /* the terminal that ran lab:up went away: keep running */ });
  try {
    await sup.start();
  } catch (e) {
    log(`start failed: ${(e as Error).stack ?? e}`);
    tell(`failed: ${(e as Error).message}`);
    await sup.stop();
    process.exit(1);
  }
  tell("ready");
  setInterval(() => undefined, 1 << 30);
}

void main();
