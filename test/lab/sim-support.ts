/**
 * The simulator's lab tests run on lab instances of their own (they restart xend, break configs, inject faults
 * and take a host's network down, which other suites must not see). Commands go through plain ssh2
 * (test/lab/lab-ssh.ts), never the library; a host whose network is down is reached from the harness side
 * with nsenter into its sshd's namespaces.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { type Inventory, type LabHost, loadInventory } from "../../lab/inventory";
import { LabSsh, type Result } from "./lab-ssh";

export type HostName = "nfs" | "node1" | "node2" | "observer";

interface Control {
  up(name: string, toolstack: string): Promise<{ message: string }>;
  down(name: string): Promise<string>;
  reboot(name: string, host: string): Promise<string>;
}

function control(): Control {
  const js = path.join(__dirname, "..", "..", "build", "lab", "control.js");
  if (!fs.existsSync(js)) throw new Error(`${js} missing: run "npm run build" first`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(js) as Control;
}

export interface SimCommand { event: string; tool: string; argv: string[]; code?: number }

export class SimLab {
  private constructor(readonly name: string, readonly inv: Inventory, private readonly ssh: Map<HostName, LabSsh>) {}

  static async up(name: string, toolstack: "xm" | "xl"): Promise<SimLab> {
    await control().up(name, toolstack);
    const inv = loadInventory(name);
    const ssh = new Map<HostName, LabSsh>();
    for (const h of ["node1", "node2", "observer"] as HostName[]) ssh.set(h, await LabSsh.connect(inv.hosts[h]));
    return new SimLab(name, inv, ssh);
  }

  async down(): Promise<void> {
    for (const c of this.ssh.values()) c.close();
    await control().down(this.name);
  }

  /** Reboots a host (its K links, then every process killed, then a fresh boot) and reconnects to it. */
  async reboot(h: HostName): Promise<void> {
    this.ssh.get(h)?.close();
    await control().reboot(this.name, h);
    this.ssh.set(h, await LabSsh.connect(this.inv.hosts[h]));
  }

  host(h: HostName): LabHost {
    return this.inv.hosts[h];
  }

  /** Guest address n on segment 0 (xenbr0) or 1 (xenbr1), from the inventory's guest range. */
  guestIp(n: number, segment = 0): string {
    return `${this.inv.network.segments[segment].subnet.split(".").slice(0, 3).join(".")}.${this.inv.network.guestOctets.first + n}`;
  }

  run(h: HostName, script: string, args: string[] = []): Promise<Result> {
    return (this.ssh.get(h) as LabSsh).sh(script, args);
  }

  async must(h: HostName, script: string, args: string[] = []): Promise<Result> {
    const r = await this.run(h, script, args);
    if (r.code !== 0) throw new Error(`${h}: exit ${r.code}: ${script}\n${r.stdout}${r.stderr}`);
    return r;
  }

  async writeFile(h: HostName, file: string, content: string): Promise<void> {
    const r = await (this.ssh.get(h) as LabSsh).sh('mkdir -p "$(dirname "$1")" && cat > "$1"', [file], content);
    if (r.code !== 0) throw new Error(`${h}: cannot write ${file}: ${r.stderr}`);
  }

  async readFile(h: HostName, file: string): Promise<string> {
    return (await this.must(h, 'cat "$1"', [file])).stdout;
  }

  /** Merges lab settings into the host's /etc/xen/sim.json. */
  async settings(h: HostName, patch: Record<string, unknown>): Promise<void> {
    const cur = JSON.parse(await this.readFile(h, "/etc/xen/sim.json")) as Record<string, unknown>;
    await this.writeFile(h, "/etc/xen/sim.json", JSON.stringify({ ...cur, ...patch }, null, 2) + "\n");
  }

  /** Replaces the host's injected faults ({} clears them). */
  async faults(h: HostName, f: Record<string, unknown>): Promise<void> {
    await this.writeFile(h, "/etc/xen/sim-faults.json", JSON.stringify(f) + "\n");
  }

  async commandLog(h: HostName): Promise<SimCommand[]> {
    const r = await this.run(h, "cat /var/log/xen/sim-commands.log 2>/dev/null");
    return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as SimCommand);
  }

  /** The PID of the host's listening sshd, found from the harness through the host's network namespace. */
  private sshdPid(h: HostName): number {
    const pids = execFileSync("ip", ["netns", "pids", this.host(h).netns], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const p of pids) {
      try {
        // sshd retitles itself: "sshd: /usr/sbin/sshd -D -E /var/log/auth.log [listener] 0 of 10-100 startups"
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
        if (/^(sshd: )?\/usr\/sbin\/sshd\b/.test(cmd) && cmd.includes("-D")) return Number(p);
      } catch { /* exited */ }
    }
    throw new Error(`no sshd in ${h}`);
  }

  /** Runs a script inside a host without using its network (nsenter into its sshd's namespaces and root). */
  inHost(h: HostName, script: string, timeoutMs = 60000): Result {
    const r = spawnSync("nsenter", ["-t", String(this.sshdPid(h)), "-m", "-n", "-u", "-r", "-w", "--",
      "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "sh", "-c", script],
    { encoding: "utf8", timeout: timeoutMs });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Brings a host's uplinks back after the "source host gone" fault (from the harness side). */
  netUp(h: HostName): void {
    for (const i of this.host(h).interfaces) execFileSync("ip", ["-n", this.host(h).netns, "link", "set", i.device, "up"]);
  }
}

export async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20000, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await f();
  while (!ok(v)) {
    if (Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, every));
    v = await f();
  }
  return v;
}

/** Names listed by `xm list`/`xl list` output (first column, without Domain-0). */
export function listedNames(out: string): string[] {
  return out.split("\n").slice(1).map((l) => l.split(/\s+/)[0]).filter((n) => n && n !== "Domain-0");
}

export interface ListedRow { name: string; id: number; mem: number; vcpus: number; state: string; time: number }

export function listedRows(out: string): ListedRow[] {
  return out.split("\n").slice(1).filter(Boolean).map((l) => {
    const f = l.trim().split(/\s+/);
    return { name: f[0], id: Number(f[1]), mem: Number(f[2]), vcpus: Number(f[3]), state: f[4], time: Number(f[5]) };
  });
}

/** Gaps between consecutive replies of `ping -D` output, in ms, and the replies' sequence numbers. */
export function pingReplies(out: string): { t: number; seq: number }[] {
  return [...out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)/gm)].map((m) => ({ t: Number(m[1]) * 1000, seq: Number(m[2]) }));
}

export interface PingDuringMigration {
  /** The migrate command's exit code. */
  code: number;
  replies: { t: number; seq: number }[];
  /** When the migrate command started and ended (the same clock as ping -D's stamps). */
  t0: number;
  t1: number;
  /** The most consecutive replies missing. */
  lost: number;
}

/**
 * Pings `ip` from observer every 10 ms while `migrate` runs on node1 (pinging from 2 s before it to 12 s in),
 * prints the longest gap (after `label`) and returns what the test asserts on.
 */
export async function pingDuringMigration(lab: SimLab, ip: string, migrate: string, label: string): Promise<PingDuringMigration> {
  // the ping lasts as long as the migration does, however slow the machine, plus 2 s of answers after it: a fixed
  // -w window once ended before a slow migration did, and the "answers after" check failed on a loaded machine
  const ping = lab.run("observer", `ping -D -i 0.01 -w 300 ${ip}`);
  const pause = () => new Promise((r) => setTimeout(r, 2000));
  await pause();
  const t0 = Date.now();
  const m = await lab.run("node1", migrate);
  const t1 = Date.now();
  await pause();
  await lab.run("observer", "pkill -INT -x ping || true");
  const replies = pingReplies((await ping).stdout);
  let gap = 0;
  let lost = 0;
  for (let i = 1; i < replies.length; i++) {
    gap = Math.max(gap, replies[i].t - replies[i - 1].t);
    lost = Math.max(lost, replies[i].seq - replies[i - 1].seq - 1);
  }
  process.stdout.write(`${label}: longest gap between replies ${gap.toFixed(1)} ms, ${lost} consecutive replies missing, ${replies.length} replies\n`);
  return { code: m.code, replies, t0, t1, lost };
}
