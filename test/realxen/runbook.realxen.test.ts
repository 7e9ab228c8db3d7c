/**
 * The runbook on two real Xen 4.17 hosts (QEMU VMs, lab/realxen/), through the same example stack and offline
 * runner as the fast lab's e2e test: a real kernel NFS mount, real `xl`, a real PV guest live-migrated over SSH
 * while observer pings it, and a real failure (the target's sshd stopped). Host facts are read over the lab's
 * own SSH client (test/lab/lab-ssh.ts), not through the library.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadInventory, type Inventory } from "../../lab/inventory";
import { readRealXen } from "../../lab/realxen/vms";
import { LabSsh } from "../lab/lab-ssh";

const REPO = path.resolve(__dirname, "../..");
const NODES = ["node1", "node2"] as const;
type Node = (typeof NODES)[number];
const STEP_MS = 1_200_000; // TCG emulation: a domain create takes 30-40 s, a migration several more

let inv: Inventory;
let ssh: Record<"nfs" | Node | "observer", LabSsh>;
let work: string;
let stateFile: string;
let guest: string;

interface RunResult { ok: boolean; errors: string[]; steps: { name: string; type: string; op: string }[]; outputs: Record<string, unknown> }
interface Migration { from: string; to: string; kind: string; wallMs: number; downtimeMs: number | null; packetsSent: number | null; packetsLost: number | null }

function runner(op: "up" | "destroy", test01Host?: string): RunResult & { log: string } {
  const json = path.join(work, `result-${Date.now()}.json`);
  const args = ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), op, "--cwd", path.join(REPO, "examples", "runbook"), "--stack", "lab",
    "--state", stateFile, "--json", json];
  if (test01Host) args.push("--config", `test01Host=${test01Host}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: "utf8", env: { ...process.env }, timeout: STEP_MS });
  const log = `${r.stdout}\n${r.stderr}`;
  if (!fs.existsSync(json)) throw new Error(`the runner gave no result (exit ${r.status}):\n${log}`);
  return { ...(JSON.parse(fs.readFileSync(json, "utf8")) as RunResult), log };
}

async function sh(host: keyof typeof ssh, script: string, args: string[] = []): Promise<string> {
  const r = await ssh[host].sh(script, args);
  if (r.code !== 0) throw new Error(`${host}: ${script} → exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

const running = async (n: Node) => (await ssh[n].sh("xl list test01 >/dev/null 2>&1 && echo yes || echo no")).stdout.trim() === "yes";
/** /data's type in the kernel's own mount table */
const dataType = (n: Node) => sh(n, "awk '$2 == \"/data\" { print $3 }' /proc/mounts");

function report(what: string, m: Migration): void {
  process.stdout.write(`real-Xen ${what}: ${m.from} → ${m.to} (${m.kind}) in ${m.wallMs} ms; downtime ${m.downtimeMs ?? "n/a"} ms, ` +
    `${m.packetsLost ?? "?"} of ${m.packetsSent ?? "?"} pings lost\n`);
}

beforeAll(async () => {
  inv = loadInventory();
  const rx = readRealXen(inv.lab);
  if (!rx) throw new Error(`lab "${inv.lab}" has no real-Xen hosts (XENHA_LAB=${inv.lab} npm run lab:up -- --real-xen)`);
  if (rx.migrationBlocker) throw new Error(`these Xen hosts cannot live-migrate: ${rx.migrationBlocker}`);
  ssh = {
    nfs: await LabSsh.connect(inv.hosts.nfs), node1: await LabSsh.connect(inv.hosts.node1),
    node2: await LabSsh.connect(inv.hosts.node2), observer: await LabSsh.connect(inv.hosts.observer),
  };
  work = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-realxen-"));
  stateFile = path.join(work, "state", "lab.json");
  guest = `${inv.network.segments[0]!.subnet.replace(/\.0$/, "")}.${inv.network.guestOctets.first}`;
  // the runbook's starting point: nothing shared, no guest, test01's disk on node1's local /data
  for (const n of NODES) await sh(n, "xl destroy test01 >/dev/null 2>&1; grep -q ' /data ' /proc/mounts && umount /data; rm -f /data/test01.img; true");
  await sh("nfs", "rm -f /data/test01.img");
  await sh("node1", "mkdir -p /data && head -c 1048576 /dev/urandom > /data/test01.img && truncate -s 32M /data/test01.img");
}, 120_000);

afterAll(async () => {
  for (const n of NODES) await ssh?.[n]?.sh("/etc/init.d/ssh start >/dev/null 2>&1; xl destroy test01 >/dev/null 2>&1; true");
  if (stateFile && fs.existsSync(stateFile)) runner("destroy");
  for (const n of NODES) await ssh?.[n]?.sh("grep -q ' /data ' /proc/mounts && umount /data; rm -f /data/test01.img; true");
  await ssh?.nfs?.sh("rm -f /data/test01.img; true");
  for (const c of Object.values(ssh ?? {})) c.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
}, STEP_MS);

test("the hosts run a real Xen hypervisor that can migrate PV guests, and the toolstack is xl", async () => {
  for (const n of NODES) {
    const info = await sh(n, "xl info");
    expect(info).toMatch(/^xen_version\s+: 4\.17\./m);
    expect(info).toMatch(/^virt_caps\s+: .*\bshadow\b/m);
    expect(await sh(n, "cat /sys/hypervisor/type")).toBe("xen");
    expect(inv.hosts[n].toolstack).toBe("xl");
  }
}, 60_000);

test("the stack converges: a kernel NFS mount of /data on both hosts, the same config, test01 running on node1", async () => {
  const r = runner("up", "node1");
  expect(r.errors).toEqual([]);
  expect(r.ok).toBe(true);
  for (const n of NODES) {
    expect(["nfs", "nfs4"]).toContain(await dataType(n));
    expect(await sh(n, "cmp /data/test01.img /data/test01.img && ls -l /data/test01.img | awk '{print $5}'")).toBe(String(32 * 1024 * 1024));
  }
  expect(await sh("node1", "cat /etc/xen/test01.cfg 2>/dev/null || cat /etc/xen/test01")).toBe(await sh("node2", "cat /etc/xen/test01.cfg 2>/dev/null || cat /etc/xen/test01"));
  expect(await running("node1")).toBe(true);
  expect(await running("node2")).toBe(false);
  expect(r.outputs.test01Host).toBe("node1");
}, STEP_MS);

test("test01 live-migrates to node2 over SSH while observer pings it, and back", async () => {
  const there = runner("up", "node2");
  expect(there.errors).toEqual([]);
  expect(await running("node2")).toBe(true);
  expect(await running("node1")).toBe(false);
  const m = there.outputs.lastMigration as Migration;
  expect(m).toMatchObject({ from: "node1", to: "node2", kind: "migrate" });
  expect(m.packetsSent).toBeGreaterThan(0);
  report("migration", m);
  expect((await ssh.observer.sh('ping -c 3 -i 0.5 -W 2 "$1"', [guest])).code).toBe(0);

  const back = runner("up", "node1");
  expect(back.errors).toEqual([]);
  expect(await running("node1")).toBe(true);
  expect(await running("node2")).toBe(false);
  const b = back.outputs.lastMigration as Migration;
  expect(b).toMatchObject({ from: "node2", to: "node1", kind: "migrate" });
  report("migration back", b);
}, 2 * STEP_MS);

test("with node2's sshd stopped, the migration fails with an error naming node2, and test01 keeps running on node1", async () => {
  // the lab's own connection to node2 stays open (sshd's running sessions survive the listener)
  await sh("node2", "/etc/init.d/ssh stop");
  try {
    const r = runner("up", "node2");
    expect(r.ok).toBe(false);
    const errors = r.errors.join("\n");
    process.stdout.write(`real-Xen failure run errors:\n${errors}\n`);
    expect(errors).toMatch(new RegExp(`node2|${inv.hosts.node2.address.replace(/\./g, "\\.")}`));
    expect(errors).toMatch(/ssh|connect|refused|ECONNREFUSED/i);
    expect(await running("node1")).toBe(true);
    expect(await running("node2")).toBe(false);
  } finally {
    await sh("node2", "/etc/init.d/ssh start");
  }
  // node2 answers new connections again
  const again = await LabSsh.connect(inv.hosts.node2).catch(async () => { await new Promise((r) => setTimeout(r, 5000)); return LabSsh.connect(inv.hosts.node2); });
  expect((await again.sh("hostname")).stdout.trim()).toBe("node2");
  again.close();
}, STEP_MS);
