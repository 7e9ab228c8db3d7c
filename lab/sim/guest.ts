/**
 * Guests you can ping. A running domain is a process in its own network namespace (`unshare --net`, then a
 * `sleep` whose argv[0] tags it as `xen-sim-guest:<lab>:<uuid>`), with one eth<n> per vif whose veth peer is
 * Xen's backend name vif<domid>.<n>, enslaved to the vif's bridge in the host's namespace. The guest takes the
 * vif's `ip=` addresses and MAC.
 *
 * Migration keeps the guest process and its namespace (PIDs are global: there is no PID namespace) and moves
 * only the host-side ends: the source renames each vif to a name unique to the guest and moves it into the
 * target host's namespace through the PID of the target's receiving process; the target renames it to its own
 * vif<newdomid>.<n>, enslaves it to its bridge, brings it up and sends a gratuitous ARP from the guest, as Xen
 * does after a migration. The receiver also moves the guest process into its own host's cgroup, so that the
 * lab's per-host teardown and reboot treat the guest as the target's.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PATHS } from "./host-env";

export interface Run { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    p.on("error", (e) => resolve({ code: 127, stdout, stderr: stderr + String(e) }));
    p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.on("error", () => undefined);
    p.stdin.end(input ?? "");
  });
}

async function ipBatch(lines: string[], netnsPid?: number): Promise<void> {
  const args = netnsPid ? [`--net=/proc/${netnsPid}/ns/net`, "ip", "-batch", "-"] : ["-batch", "-"];
  const r = await run(netnsPid ? "nsenter" : "ip", args, lines.join("\n") + "\n");
  if (r.code !== 0) throw new Error(`ip -batch failed (${r.code}): ${r.stderr.trim()}`);
}

export function guestTag(lab: string, uuid: string): string {
  return `xen-sim-guest:${lab}:${uuid}`;
}

export function guestAlive(pid: number | null, lab: string, uuid: string): boolean {
  if (!pid) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === guestTag(lab, uuid);
  } catch {
    return false;
  }
}

/** Every guest process of a lab, wherever it runs (for teardown). */
export function labGuestPids(lab: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, "utf8").startsWith(`xen-sim-guest:${lab}:`)) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export interface GuestNic { bridge: string; ips: string[]; mac: string }

export function vifName(domid: number, n: number): string {
  return `vif${domid}.${n}`;
}

/** Starts the guest process and plugs its vifs; returns its PID. */
export async function startGuest(lab: string, uuid: string, domid: number, nics: GuestNic[]): Promise<number> {
  const script = "for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do "
    + "echo 1 > $f 2>/dev/null; done; exec -a \"$0\" sleep infinity";
  const child = spawn("unshare", ["--net", "--", "bash", "-c", script, guestTag(lab, uuid)], { detached: true, stdio: "ignore" });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error("could not start the guest process");
  const deadline = Date.now() + 5000;
  while (!guestAlive(pid, lab, uuid)) {
    if (Date.now() > deadline) throw new Error("the guest process did not start");
    await new Promise((r) => setTimeout(r, 2));
  }
  try {
    await plugNewVifs(pid, domid, nics);
  } catch (e) {
    killGuest(pid);
    throw e;
  }
  return pid;
}

async function plugNewVifs(pid: number, domid: number, nics: GuestNic[]): Promise<void> {
  if (!nics.length) return;
  const host: string[] = [];
  const guest = ["link set lo up"];
  for (const [n, nic] of nics.entries()) {
    const vif = vifName(domid, n);
    host.push(`link add ${vif} type veth peer name eth${n} netns ${pid}`, `link set ${vif} master ${nic.bridge}`, `link set ${vif} up`);
    guest.push(`link set eth${n} address ${nic.mac}`);
    for (const ip of nic.ips) guest.push(`addr add ${ip.includes("/") ? ip : `${ip}/${await bridgePrefix(nic.bridge)}`} dev eth${n}`);
    guest.push(`link set eth${n} up`);
  }
  await ipBatch(host);
  await ipBatch(guest, pid);
  // a booting guest makes itself known on the network; without it, bridges that saw its MAC elsewhere (an
  // earlier life on another host) would keep sending its traffic there until their entries age out
  new PreparedGarp(pid, nics).fire();
}

/** The prefix length of the bridge's own IPv4 address (a guest on that bridge shares its subnet), else 24. */
async function bridgePrefix(bridge: string): Promise<number> {
  const r = await run("ip", ["-o", "-4", "addr", "show", "dev", bridge]);
  const m = /inet \S+\/(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : 24;
}

export function killGuest(pid: number | null): void {
  if (!pid) return;
  try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
}

/** Pause/unpause as far as the network can tell: the guest's backend links go down or up. */
export async function setVifsUp(domid: number, count: number, up: boolean): Promise<void> {
  if (!count) return;
  await ipBatch(Array.from({ length: count }, (_, n) => `link set ${vifName(domid, n)} ${up ? "up" : "down"}`)).catch(() => undefined);
}

export function movingName(guestPid: number, n: number): string {
  return `xs${guestPid}n${n}`;
}

/**
 * An `ip -batch -` started ahead of the pause, so that the pause costs only the commands themselves (spawning
 * processes on a loaded machine is what would otherwise stretch the window).
 */
export class PreparedIp {
  private readonly child;
  private readonly done: Promise<Run>;

  constructor() {
    this.child = spawn("ip", ["-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    this.child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    this.child.stdin.on("error", () => undefined);
    this.done = new Promise((resolve) => {
      this.child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: String(e) }));
      this.child.on("close", (code) => resolve({ code: code ?? 1, stdout: "", stderr }));
    });
  }

  async run(lines: string[]): Promise<void> {
    this.child.stdin.end(lines.join("\n") + "\n");
    const r = await this.done;
    if (r.code !== 0) throw new Error(`ip -batch failed (${r.code}): ${r.stderr.trim()}`);
  }

  cancel(): void {
    this.child.stdin.end();
  }
}

/** A gratuitous ARP sender waiting inside the guest's namespace; fire() sends one per address at once. */
export class PreparedGarp {
  private readonly child;

  constructor(guestPid: number, nics: GuestNic[]) {
    const specs = nics.map((n, i) => ({ dev: `eth${i}`, mac: n.mac, ips: n.ips }));
    const script = [
      "import json, socket, sys",
      "specs = json.loads(sys.argv[1])",
      "if sys.stdin.readline().strip() != 'go': sys.exit(0)",
      "for s in specs:",
      "    mac = bytes.fromhex(s['mac'].replace(':', ''))",
      "    for ip in s['ips']:",
      "        a = socket.inet_aton(ip.split('/')[0])",
      "        k = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
      "        k.bind((s['dev'], 0))",
      "        k.send(b'\\xff' * 6 + mac + b'\\x08\\x06' + b'\\x00\\x01\\x08\\x00\\x06\\x04\\x00\\x01' + mac + a + b'\\x00' * 6 + a)",
    ].join("\n");
    this.child = spawn("nsenter", [`--net=/proc/${guestPid}/ns/net`, "python3", "-c", script, JSON.stringify(specs)], { stdio: ["pipe", "ignore", "ignore"] });
    this.child.on("error", () => undefined);
    this.child.stdin.on("error", () => undefined);
  }

  fire(): void {
    this.child.stdin.end("go\n");
  }

  cancel(): void {
    this.child.stdin.end();
  }
}

export function sendVifLines(domid: number, count: number, guestPid: number, targetPid: number): string[] {
  const lines: string[] = [];
  for (let n = 0; n < count; n++) {
    const tmp = movingName(guestPid, n);
    lines.push(`link set dev ${vifName(domid, n)} down`, `link set dev ${vifName(domid, n)} name ${tmp}`, `link set dev ${tmp} netns ${targetPid}`);
  }
  return lines;
}

export function receiveVifLines(domid: number, guestPid: number, nics: GuestNic[]): string[] {
  const lines: string[] = [];
  for (const [n, nic] of nics.entries()) {
    const vif = vifName(domid, n);
    lines.push(`link set dev ${movingName(guestPid, n)} name ${vif}`, `link set dev ${vif} master ${nic.bridge}`, `link set dev ${vif} up`);
  }
  return lines;
}

/** Source side, at the end of the copy: takes the vifs down and hands them to the target's namespace. */
export async function sendVifs(domid: number, count: number, guestPid: number, targetPid: number, ip = new PreparedIp()): Promise<void> {
  await ip.run(sendVifLines(domid, count, guestPid, targetPid));
}

/** Target side: names the moved vifs after the new domid, plugs them into its bridges, then the gratuitous ARP. */
export async function receiveVifs(domid: number, guestPid: number, nics: GuestNic[], ip = new PreparedIp(),
  garp = new PreparedGarp(guestPid, nics)): Promise<void> {
  await ip.run(receiveVifLines(domid, guestPid, nics));
  garp.fire();
}

/** Moves a process into this process's own cgroup (v2), mounting the hierarchy privately if needed. */
export async function adoptIntoOwnCgroup(pid: number): Promise<void> {
  const line = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"));
  if (!line) return;
  const rel = line.slice(3).trim();
  const mp = PATHS.cgroupMount;
  if (!fs.existsSync(path.join(mp, "cgroup.procs"))) {
    fs.mkdirSync(mp, { recursive: true });
    const r = await run("mount", ["-t", "cgroup2", "none", mp]);
    if (r.code !== 0) throw new Error(`mount cgroup2: ${r.stderr.trim()}`);
  }
  fs.writeFileSync(path.join(mp, rel, "cgroup.procs"), String(pid));
}

export function bridgeExists(bridge: string): boolean {
  return fs.existsSync(`/sys/class/net/${bridge}/bridge`);
}

/** The first bridge of the host, which is what vif-bridge uses when a vif names none (xm); xl uses xenbr0. */
export function firstBridge(): string | null {
  try {
    const all = fs.readdirSync("/sys/class/net").filter((n) => fs.existsSync(`/sys/class/net/${n}/bridge`)).sort();
    return all[0] ?? null;
  } catch {
    return null;
  }
}
