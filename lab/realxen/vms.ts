/**
 * The real-Xen tier: node1 and node2 become QEMU VMs (TCG, no KVM) booting Debian's Xen 4.17 with a Debian
 * dom0, in place of the fast lab's simulated hosts. The fast lab (toolstack xl) stays up around them: its nfs
 * server and observer, its bridges and its keys. Each VM takes over its node's lab addresses, MACs and SSH host
 * key (so the inventory stays true), through tap devices on the lab's bridges; the node's namespace is cut off
 * from the bridges while the VM runs. State: `.lab/<name>/realxen.json`; files: `.lab/<name>/realxen/<host>/`.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { sshOpen } from "../ssh-port";
import * as path from "path";
import { writeJsonAtomic } from "../files";
import { Inventory, LabHost, loadInventory } from "../inventory";
import { labPaths, repoRoot } from "../paths";
import { run, sleep } from "../sh";
import { processStart } from "../state";
import { cpioGz } from "./cpio";

export const REALXEN_HOSTS = ["node1", "node2"] as const;
export type RealXenHost = (typeof REALXEN_HOSTS)[number];

/** The hypervisor build known to migrate PV guests (the bookworm-security one lacks shadow paging). */
export const PINNED_XEN = "4.17.5+72-g01140da4e8-1";

export interface RealXenVm {
  host: RealXenHost;
  pid: number;
  pidStart: string;
  serialLog: string;
  taps: string[];
  /** seconds from QEMU's start to dom0's "ready" line, and to its sshd answering */
  bootSeconds: number;
  sshSeconds: number;
  xenVersion: string;
  virtCaps: string[];
}

export interface RealXenState {
  lab: string;
  images: string;
  startedAt: string;
  vms: RealXenVm[];
  /** null when the hypervisor can live-migrate PV guests; otherwise why it cannot */
  migrationBlocker: string | null;
}

const MEMORY_MB = Number(process.env.XENHA_REALXEN_MEMORY_MB || 2048);
const DOM0_MB = Number(process.env.XENHA_REALXEN_DOM0_MB || 768);
const VCPUS = Number(process.env.XENHA_REALXEN_VCPUS || 1);
const BOOT_TIMEOUT_MS = Number(process.env.XENHA_REALXEN_BOOT_TIMEOUT_S || 900) * 1000;

function statePath(name: string): string {
  return path.join(labPaths(name).stateDir, "realxen.json");
}

function vmDir(name: string, host: string): string {
  return path.join(labPaths(name).stateDir, "realxen", host);
}

export function readRealXen(name: string): RealXenState | null {
  try {
    return JSON.parse(fs.readFileSync(statePath(name), "utf8")) as RealXenState;
  } catch {
    return null;
  }
}

/** Why this hypervisor cannot live-migrate a PV guest, from `xl info`'s version and virt_caps; null if it can. */
export function migrationBlocker(xenVersion: string, virtCaps: readonly string[]): string | null {
  if (!virtCaps.includes("shadow")) {
    return `Xen ${xenVersion || "(unknown version)"} has no shadow paging (xl info virt_caps: ${virtCaps.join(" ") || "none"}), ` +
      `so PV live migration fails ("Failed to enable logdirty"); the bookworm-security build is like that. ` +
      `Use xen-hypervisor-4.17-amd64=${PINNED_XEN} (XENHA_REALXEN_XEN_VERSION).`;
  }
  return null;
}

export function qemuBinary(): string {
  const r = run(["sh", "-c", "command -v qemu-system-x86_64"], { allowFail: true });
  const bin = r.stdout.trim();
  if (r.code !== 0 || !bin) {
    throw new Error("real-Xen lab: qemu-system-x86_64 is not installed. Run `bash lab/install-packages.sh --real-xen` (Debian package qemu-system-x86).");
  }
  return bin;
}

export function buildImages(): string {
  const r = run(["bash", path.join(repoRoot(), "lab", "realxen", "build-images.sh")], { allowFail: true });
  if (r.code !== 0) throw new Error(`real-Xen lab: building the images failed (exit ${r.code}):\n${r.stderr.trim().split("\n").slice(-20).join("\n")}`);
  const dir = r.stdout.trim().split("\n").pop() ?? "";
  if (!fs.existsSync(path.join(dir, "dom0.cpio.gz"))) throw new Error(`real-Xen lab: the image builder printed no image folder:\n${r.stdout}${r.stderr}`);
  return dir;
}

/** The shared, empty ext4 base of every host's state disk; each host gets a qcow2 overlay of its own. */
function baseDisk(images: string): string {
  const base = path.join(path.dirname(images), "state-base.ext4");
  if (!fs.existsSync(base)) {
    const tmp = `${base}.${process.pid}`;
    run(["truncate", "-s", "1G", tmp]);
    run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "xenha-state", tmp]);
    fs.renameSync(tmp, base);
  }
  return base;
}

function alive(pid: number, start: string): boolean {
  return processStart(pid) === start;
}

function tapName(index: number, host: RealXenHost, seg: number): string {
  return `xh${index}-q${host === "node1" ? 1 : 2}${seg}`;
}

function hostInitrd(name: string, inv: Inventory, h: LabHost, images: string): string {
  const paths = labPaths(name);
  const key = fs.readFileSync(paths.hostKeyPath(h.name), "utf8");
  const pub = fs.readFileSync(paths.hostKeyPath(h.name) + ".pub", "utf8");
  const [i0, i1] = h.interfaces;
  const conf = [
    `XENHA_HOSTNAME=${h.name}`,
    `XENHA_ADDRESS=${i0.address}/${i0.prefix}`,
    i1 ? `XENHA_ADDRESS2=${i1.address}/${i1.prefix}` : "XENHA_ADDRESS2=",
  ].join("\n") + "\n";
  const extra = cpioGz([
    { path: "etc", mode: 0o40755 },
    { path: "etc/xenha-host.conf", mode: 0o100644, content: conf },
    { path: "etc/hostname", mode: 0o100644, content: h.name + "\n" },
    { path: "etc/ssh", mode: 0o40755 },
    { path: "etc/ssh/ssh_host_ed25519_key", mode: 0o100600, content: key },
    { path: "etc/ssh/ssh_host_ed25519_key.pub", mode: 0o100644, content: pub },
    { path: "root", mode: 0o40700 },
    { path: "root/.ssh", mode: 0o40700 },
    { path: "root/.ssh/authorized_keys", mode: 0o100600, content: inv.publicKey.trim() + "\n" },
  ]);
  const out = path.join(vmDir(name, h.name), "initrd.gz");
  fs.copyFileSync(path.join(images, "dom0.cpio.gz"), out);
  fs.appendFileSync(out, extra);
  return out;
}

async function startVm(name: string, inv: Inventory, host: RealXenHost, images: string, qemu: string): Promise<RealXenVm> {
  const h = inv.hosts[host];
  const dir = vmDir(name, host);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const initrd = hostInitrd(name, inv, h, images);
  const disk = path.join(dir, "state.qcow2");
  run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", baseDisk(images), disk]);
  const serialLog = path.join(dir, "serial.log");
  const taps: string[] = [];
  const nics: string[] = [];
  h.interfaces.forEach((itf, n) => {
    const seg = inv.network.segments.find((s) => s.name === itf.segment);
    if (!seg) throw new Error(`no segment ${itf.segment}`);
    const tap = tapName(inv.index, host, n);
    run(["ip", "link", "del", tap], { allowFail: true });
    // the simulated node's own link leaves the bridge: the VM takes its addresses and MAC
    run(["ip", "link", "set", itf.peer, "nomaster"], { allowFail: true });
    run(["ip", "link", "set", itf.peer, "down"], { allowFail: true });
    run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"]);
    run(["ip", "link", "set", tap, "master", seg.bridge, "up"]);
    taps.push(tap);
    // virtio-net, not e1000: under TCG every e1000 register access is emulated, which capped TCP at about
    // 3.5 MB/s and made a 256 MiB migration take minutes
    nics.push("-netdev", `tap,id=n${n},ifname=${tap},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=n${n},mac=${itf.mac}`);
  });
  const argv = [
    "-machine", "pc,accel=tcg", "-smp", String(VCPUS), "-m", String(MEMORY_MB),
    "-display", "none", "-monitor", "none", "-serial", `file:${serialLog}`, "-no-reboot",
    "-kernel", path.join(images, "xen"),
    "-append", `console=com1 console_timestamps=boot dom0_mem=${DOM0_MB}M,max:${DOM0_MB}M loglvl=all noreboot`,
    "-initrd", `${path.join(images, "vmlinuz")} console=hvc0 earlyprintk=xen rdinit=/usr/bin/init,${initrd}`,
    "-drive", `file=${disk},if=virtio,format=qcow2`,
    ...nics,
    "-pidfile", path.join(dir, "qemu.pid"),
  ];
  const t0 = Date.now();
  const errFd = fs.openSync(path.join(dir, "qemu.stderr"), "w");
  const child = spawn(qemu, argv, { detached: true, stdio: ["ignore", errFd, errFd] });
  fs.closeSync(errFd);
  child.unref();
  const pid = child.pid ?? 0;
  await sleep(200);
  const pidStart = processStart(pid) ?? "";
  const vm: RealXenVm = { host, pid, pidStart, serialLog, taps, bootSeconds: 0, sshSeconds: 0, xenVersion: "", virtCaps: [] };
  const deadline = t0 + BOOT_TIMEOUT_MS;
  for (;;) {
    const log = fs.existsSync(serialLog) ? fs.readFileSync(serialLog, "latin1") : "";
    const m = /XENHA-DOM0-READY host=\S+ xen=(\S*) virt_caps=([^\r\n]*?) uptime=/.exec(log);
    if (m) {
      vm.bootSeconds = (Date.now() - t0) / 1000;
      vm.xenVersion = m[1];
      vm.virtCaps = m[2].trim().split(/\s+/).filter(Boolean);
      break;
    }
    if (!alive(pid, pidStart)) {
      const err = fs.readFileSync(path.join(dir, "qemu.stderr"), "utf8");
      throw new Error(`real-Xen lab: QEMU for ${host} exited during boot.\n${err.trim()}\n--- ${serialLog} (tail) ---\n${log.split("\n").slice(-25).join("\n")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`real-Xen lab: ${host} did not boot to a ready dom0 within ${BOOT_TIMEOUT_MS / 1000} s\n--- ${serialLog} (tail) ---\n${log.split("\n").slice(-25).join("\n")}`);
    }
    await sleep(1000);
  }
  while (!(await sshOpen(h.address, 1000))) {
    if (Date.now() > deadline) throw new Error(`real-Xen lab: ${host}'s sshd on ${h.address}:22 does not answer (see ${serialLog})`);
    await sleep(500);
  }
  vm.sshSeconds = (Date.now() - t0) / 1000;
  return vm;
}

/** Boots both VMs (the fast lab `name` must be up with toolstack xl). Fails loudly when QEMU is missing. */
export async function realXenUp(name: string): Promise<{ state: RealXenState; message: string }> {
  const existing = readRealXen(name);
  if (existing && existing.vms.every((v) => alive(v.pid, v.pidStart))) {
    return { state: existing, message: `real-Xen hosts of lab "${name}" already running (${existing.vms.map((v) => `${v.host} pid ${v.pid}`).join(", ")}); nothing done` };
  }
  if (existing) await realXenDown(name);
  const qemu = qemuBinary();
  const inv = loadInventory(name);
  if (inv.toolstack !== "xl") throw new Error(`real-Xen lab: lab "${name}" runs toolstack ${inv.toolstack}; it needs xl (lab:down, then lab:up -- --real-xen)`);
  const t0 = Date.now();
  const images = buildImages();
  const buildSeconds = (Date.now() - t0) / 1000;
  const state: RealXenState = { lab: name, images, startedAt: new Date().toISOString(), vms: [], migrationBlocker: null };
  try {
    // one after the other: two TCG boots at once on two shared cores take longer than in turn
    for (const host of REALXEN_HOSTS) {
      state.vms.push(await startVm(name, inv, host, images, qemu));
      writeJsonAtomic(statePath(name), state);
    }
  } catch (e) {
    writeJsonAtomic(statePath(name), state);
    await realXenDown(name);
    throw e;
  }
  const blockers = state.vms.map((v) => migrationBlocker(v.xenVersion, v.virtCaps)).filter((b): b is string => b !== null);
  state.migrationBlocker = blockers[0] ?? null;
  writeJsonAtomic(statePath(name), state);
  const lines = [`real-Xen hosts up in ${((Date.now() - t0) / 1000).toFixed(1)} s (images ${buildSeconds.toFixed(1)} s: ${images})`];
  for (const v of state.vms) {
    lines.push(`  ${v.host}: Xen ${v.xenVersion}, virt_caps ${v.virtCaps.join(" ")}; dom0 ready ${v.bootSeconds.toFixed(1)} s, sshd ${v.sshSeconds.toFixed(1)} s after QEMU started; serial ${v.serialLog}`);
  }
  if (state.migrationBlocker) lines.push(`WARNING: live migration cannot work on these hosts: ${state.migrationBlocker}`);
  return { state, message: lines.join("\n") };
}

/** Stops the VMs, removes their taps and puts the simulated nodes' links back on the bridges. */
export async function realXenDown(name: string): Promise<string> {
  const st = readRealXen(name);
  if (!st) return `lab "${name}" has no real-Xen hosts`;
  for (const v of st.vms) if (alive(v.pid, v.pidStart)) process.kill(v.pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (st.vms.some((v) => alive(v.pid, v.pidStart)) && Date.now() < deadline) await sleep(100);
  for (const v of st.vms) if (alive(v.pid, v.pidStart)) process.kill(v.pid, "SIGKILL");
  for (const v of st.vms) for (const t of v.taps) run(["ip", "link", "del", t], { allowFail: true });
  try {
    const inv = loadInventory(name);
    for (const host of REALXEN_HOSTS) {
      for (const itf of inv.hosts[host].interfaces) {
        const seg = inv.network.segments.find((s) => s.name === itf.segment);
        if (seg) run(["ip", "link", "set", itf.peer, "master", seg.bridge, "up"], { allowFail: true });
      }
    }
  } catch {
    // the fast lab is gone too: nothing to give back
  }
  fs.rmSync(statePath(name), { force: true });
  return `real-Xen hosts of lab "${name}" stopped (${st.vms.map((v) => `${v.host} pid ${v.pid}`).join(", ") || "none were running"})`;
}
