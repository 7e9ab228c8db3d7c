/**
 * lab:up / lab:down / stale cleanup of a lab instance of its own (`<XENHA_LAB>-lc`), through the real CLI.
 * Processes started inside hosts (daemonized services, FUSE mounts, plain orphans) must all be gone after
 * lab:down, and after a killed supervisor the next lab:up must find the stale lab, clean it and start afresh.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Inventory, loadInventory } from "../../lab/inventory";
import { labPaths, labRootsDir, repoRoot } from "../../lab/paths";
import { LabSsh } from "./lab-ssh";

const name = `${process.env.XENHA_LAB ?? "default"}-lc`.slice(0, 32);
const cli = path.join(repoRoot(), "build", "lab", "cli.js");
const lab = (...args: string[]): string =>
  execFileSync(process.execPath, [cli, ...args], { env: { ...process.env, XENHA_LAB: name }, encoding: "utf8" });
const marker = String(86400 + Math.floor(Math.random() * 100000));

function supervisorPid(): number {
  return (JSON.parse(fs.readFileSync(labPaths(name).statePath, "utf8")) as { pid: number }).pid;
}

/** Starts, inside the lab, what must not survive it: a daemon (ganesha), a FUSE mount, an orphan. */
async function populate(inv: Inventory): Promise<void> {
  const nfs = await LabSsh.connect(inv.hosts.nfs);
  const node1 = await LabSsh.connect(inv.hosts.node1);
  try {
    const r = await nfs.sh('printf "/data %s(rw)\\n" "$1" > /etc/exports && service nfs-kernel-server start', [inv.hosts.node1.address2]);
    expect(r.code).toBe(0);
    const m = await node1.sh('mount -t nfs "$1:/data" /data && (setsid sleep "$2" >/dev/null 2>&1 < /dev/null &)', [inv.hosts.nfs.address2, marker]);
    expect(m).toMatchObject({ code: 0, stderr: "" });
  } finally {
    nfs.close();
    node1.close();
  }
  for (let i = 0; i < 100 && markerPids().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(markerPids().length).toBe(1);
}

function markerPids(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, "utf8") === `sleep\0${marker}\0`) out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

/** Everything of lab index `i` that may exist on the machine. */
function traces(i: number): string[] {
  const found: string[] = [];
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const l of netns.split("\n")) if (l.startsWith(`xenha${i}-`)) found.push(`netns ${l}`);
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  for (const l of links.split("\n")) if (new RegExp(`^\\d+: xh${i}-`).test(l)) found.push(`link ${l.split(":")[1].trim()}`);
  const roots = labRootsDir(i) + "/";
  const state = labPaths(name).stateDir + "/";
  for (const l of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mp = l.split(" ")[4];
    if (mp && (mp.startsWith(roots) || mp.startsWith(state))) found.push(`mount ${mp}`);
  }
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/root`).startsWith(roots)) found.push(`process ${d} in a host root`);
    } catch { /* exited or not ours to read */ }
  }
  for (const p of markerPids()) found.push(`marker process ${p}`);
  if (fs.existsSync(`/sys/fs/cgroup/unified/xen-ha-lab/lab${i}`)) found.push(`cgroup lab${i}`);
  return found;
}

afterAll(() => {
  lab("down");
});

test("up, a second up that does nothing, down that leaves nothing", async () => {
  expect(lab("up")).toContain(`lab "${name}" up in`);
  const inv = loadInventory(name);
  const pid = supervisorPid();
  const again = lab("up");
  expect(again).toContain("already running");
  expect(supervisorPid()).toBe(pid);
  await populate(inv);
  expect(traces(inv.index).length).toBeGreaterThan(0);
  expect(lab("down")).toContain(`lab "${name}" down in`);
  expect(traces(inv.index)).toEqual([]);
  expect(fs.existsSync(labPaths(name).inventoryPath)).toBe(false);
  expect(lab("status")).toContain("not running");
});

test("a lab whose supervisor was killed is reported stale, cleaned and restarted by the next up", async () => {
  lab("up");
  const inv = loadInventory(name);
  await populate(inv);
  process.kill(supervisorPid(), "SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  expect(lab("status")).toContain("STALE");
  const out = lab("up");
  expect(out).toMatch(/stale lab ".*" found \(.*\): cleaned up/);
  expect(out).toContain(`lab "${name}" up in`);
  expect(markerPids()).toEqual([]);
  const inv2 = loadInventory(name);
  const s = await LabSsh.connect(inv2.hosts.node1);
  try {
    expect((await s.sh("hostname")).stdout).toBe("node1\n");
    expect((await s.sh("grep ' /data ' /proc/self/mountinfo")).stdout).toBe("");
  } finally {
    s.close();
  }
  lab("down");
  expect(traces(inv2.index)).toEqual([]);
});

test("reboot: enabled services start, /run is emptied, files on disk stay, NFS mounts are gone", async () => {
  lab("up");
  const inv = loadInventory(name);
  let nfs = await LabSsh.connect(inv.hosts.nfs);
  let node1 = await LabSsh.connect(inv.hosts.node1);
  try {
    const prep = await nfs.sh(
      'printf "/data %s(rw)\\n" "$1" > /etc/exports && update-rc.d nfs-kernel-server defaults && touch /etc/kept /run/gone && service nfs-kernel-server status',
      [inv.hosts.node1.address2]);
    expect(prep.stdout).toContain("nfsd not running");
    expect((await node1.sh('mount -t nfs "$1:/data" /data', [inv.hosts.nfs.address2])).stderr).toContain("Connection refused");
    nfs.close();
    expect(lab("reboot", "nfs")).toContain("nfs rebooted");
    nfs = await LabSsh.connect(inv.hosts.nfs);
    const after = await nfs.sh("ls /etc/kept /run/gone; service nfs-kernel-server status");
    expect(after.stdout).toContain("/etc/kept");
    expect(after.stderr).toContain("/run/gone");
    expect(after.stdout).toContain("nfsd running");
    expect((await node1.sh('mount -t nfs "$1:/data" /data && findmnt -n -o FSTYPE /data', [inv.hosts.nfs.address2])).stdout).toBe("fuse.nfs\n");
    node1.close();
    expect(lab("reboot", "node1")).toContain("node1 rebooted");
    node1 = await LabSsh.connect(inv.hosts.node1);
    expect((await node1.sh("grep ' /data ' /proc/self/mountinfo")).stdout).toBe("");
    // `reboot` typed inside a host does the same
    expect((await node1.sh("touch /run/gone-too && reboot")).code).toBe(0);
    node1.close();
    // the old sshd may still answer while the stop links run: wait for a booted host whose /run is new
    let rebooted = false;
    for (let i = 0; i < 150 && !rebooted; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const s = await LabSsh.connect(inv.hosts.node1).catch(() => null);
      if (!s) continue;
      rebooted = await s.sh("test ! -e /run/gone-too").then((r) => r.code === 0, () => false);
      s.close();
    }
    expect(rebooted).toBe(true);
  } finally {
    nfs.close();
    node1.close();
  }
  lab("down");
  expect(traces(inv.index)).toEqual([]);
});
