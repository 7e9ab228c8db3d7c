/**
 * `xl`: no daemon; every command reads and updates the host's domain state file under a lock. Messages,
 * stream (stdout/stderr) and exit codes follow the real 4.17 transcripts (xen-samples/outputs).
 * `xl migrate DOM HOST` really runs `ssh HOST xl migrate-receive` and speaks the migration stream over its
 * stdin/stdout; the receiver's stderr reaches the sender's stderr through ssh, as with the real tools.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { DomainRecord } from "./domain-record";
import { DomainSpec, specFromXlConfig } from "./domain-spec";
import { dom0Json, domainJson, formatXlInfo, formatXlList, formatXlListLong, xlListRows } from "./format-xl";
import { adoptIntoOwnCgroup, killGuest, PreparedGarp, PreparedIp, receiveVifs, sendVifs, setVifsUp } from "./guest";
import { checkCreate, createDomain, CreateError, findDomain, HostState, hostInfo, loadState, nicsOf, pruneDead, saveState } from "./host-domains";
import { PATHS, readFaults, readSettings, Settings, sleep } from "./host-env";
import { LineReader, Msg, writeMsg } from "./line-stream";
import { copyMemory } from "./migration-copy";
import { parseXlConfig, XlConfigError } from "./xl-config";

interface Io { out: (s: string) => void; err: (s: string) => void }

const LOCK = "/var/lock/xl-sim";
const BANNER = "xl migration receiver ready, send binary domain data.";

async function lock(): Promise<void> {
  for (;;) {
    try {
      const fd = fs.openSync(LOCK, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") { fs.mkdirSync("/var/lock", { recursive: true }); continue; }
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder = 0;
      try { holder = Number(fs.readFileSync(LOCK, "utf8")); } catch { continue; }
      let alive = false;
      try { process.kill(holder, 0); alive = holder > 0; } catch { alive = false; }
      if (!alive) { fs.rmSync(LOCK, { force: true }); continue; }
      await sleep(3);
    }
  }
}

/** Runs `fn` on the host's state under the lock and saves it. */
async function mutate<T>(s: Settings, fn: (st: HostState) => Promise<T> | T): Promise<T> {
  await lock();
  try {
    const st = loadState(PATHS.xlState);
    pruneDead(st, s.lab);
    const r = await fn(st);
    saveState(PATHS.xlState, st);
    return r;
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

function snapshot(s: Settings): HostState {
  const st = loadState(PATHS.xlState);
  pruneDead(st, s.lab);
  return st;
}

function libxl(file: string, line: number, fn: string, msg: string): string {
  return `libxl: error: ${file}:${line}:${fn}: ${msg}\n`;
}

/** What xl prints when creating a domain fails, per cause (4.17 wording). */
function xlCreateErrors(e: CreateError, domid: number): string {
  const d = e.detail;
  const tail = libxl("libxl_domain.c", 1183, "libxl__destroy_domid", `Domain ${domid}:Non-existant domain`)
    + libxl("libxl_domain.c", 1137, "domain_destroy_callback", `Domain ${domid}:Unable to destroy guest`)
    + libxl("libxl_domain.c", 1064, "domain_destroy_cb", `Domain ${domid}:Destruction of domain failed`);
  switch (e.kind) {
    case "exists":
      return libxl("libxl_domain.c", 81, "libxl__domain_rename", `Domain ${domid}:Domain with name "${d.name}" already exists.`)
        + libxl("libxl_create.c", 1296, "initiate_domain_create", `Domain ${domid}:cannot make domain: -6`) + tail;
    case "memory":
      return `xc: error: panic: xc_dom_boot.c:120: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n`
        + libxl("libxl_dom.c", 592, "libxl__build_dom", "xc_dom_boot_mem_init failed: Cannot allocate memory")
        + libxl("libxl_create.c", 1640, "domcreate_rebuild_done", `Domain ${domid}:cannot (re-)build domain: -3`) + tail;
    case "disk":
      return libxl("libxl_device.c", 346, "libxl__device_disk_set_backend", `Disk vdev=${d.vdev} failed to stat: ${d.path}: No such file or directory`)
        + libxl("libxl_create.c", 1130, "initiate_domain_create", `Domain ${domid}:Unable to set disk defaults for disk 0`) + tail;
    case "bridge":
      return libxl("libxl_exec.c", 117, "libxl_report_child_exitstatus", `/etc/xen/scripts/vif-bridge online [${process.pid}] exited with error status 1`)
        + libxl("libxl_device.c", 1286, "device_hotplug_child_death_cb", `script: Could not find bridge device ${d.bridge}`)
        + libxl("libxl_create.c", 1888, "domcreate_attach_devices", `Domain ${domid}:unable to add vif devices`) + tail;
    default:
      return libxl("libxl_create.c", 1640, "domcreate_rebuild_done", `Domain ${domid}:cannot (re-)build domain: -3 (${e.message})`) + tail;
  }
}

const invalid = (io: Io, ident: string): number => {
  io.err(`${ident} is an invalid domain identifier (rc=-6)\n`);
  return 1;
};

export async function xlMain(argv: string[], io: Io): Promise<number> {
  const [cmd, ...args] = argv;
  const s = readSettings();
  switch (cmd) {
    case "list": {
      const long = args.includes("-l") || args.includes("--long");
      const names = args.filter((a) => !a.startsWith("-"));
      const st = snapshot(s);
      const info = hostInfo(s, st, readFaults());
      const picked: DomainRecord[] = [];
      let dom0 = names.length === 0;
      for (const n of names) {
        if (n === "0" || n === "Domain-0") { dom0 = true; continue; }
        const d = findDomain(st, n);
        if (!d) return invalid(io, n);
        picked.push(d);
      }
      const doms = names.length ? picked : st.domains;
      if (long) io.out(formatXlListLong([...(dom0 ? [dom0Json(info)] : []), ...[...doms].sort((a, b) => a.domid - b.domid).map(domainJson)]));
      else {
        const rows = xlListRows(info, doms).filter((r) => dom0 || r.domid !== 0);
        io.out(formatXlList(rows));
      }
      return 0;
    }
    case "info":
      io.out(formatXlInfo(hostInfo(s, snapshot(s), readFaults())));
      return 0;
    case "create": {
      const file = args.find((a) => !a.startsWith("-") && !a.includes("="));
      if (!file) {
        io.err("'xl create' requires at least 1 argument.\n\n");
        return 2;
      }
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        io.err(`Failed to read config file: ${file}: No such file or directory\n`);
        return 3;
      }
      io.err(`Parsing config from ${file}\n`);
      let spec: DomainSpec;
      try {
        spec = specFromXlConfig(parseXlConfig(text, file));
      } catch (e) {
        io.err(e instanceof XlConfigError ? `${e.message}\nFailed to parse config: Invalid argument\n` : `${(e as Error).message}\n`);
        return 1;
      }
      return mutate(s, async (st) => {
        const tryDomid = st.nextDomid;
        try {
          await createDomain(spec, st, s, readFaults(), fs.realpathSync(file));
          return 0;
        } catch (e) {
          if (!(e instanceof CreateError)) throw e;
          st.nextDomid = Math.max(st.nextDomid, tryDomid + 1); // the failed domain used an id, as in Xen
          io.err(xlCreateErrors(e, tryDomid));
          return 3;
        }
      });
    }
    case "destroy": {
      const ident = args.find((a) => !a.startsWith("-"));
      if (!ident) { io.err("'xl destroy' requires at least 1 argument.\n\n"); return 2; }
      return mutate(s, (st) => {
        const d = findDomain(st, ident);
        if (!d) return invalid(io, ident);
        if (d.ownsGuest !== false) killGuest(d.guestPid);
        st.domains = st.domains.filter((x) => x !== d);
        return 0;
      });
    }
    case "shutdown": {
      const wait = args.includes("-w") || args.includes("--wait");
      const ident = args.find((a) => !a.startsWith("-"));
      if (!ident) { io.err("'xl shutdown' requires at least 1 argument.\n\n"); return 2; }
      const d = await mutate(s, (st) => {
        const x = findDomain(st, ident);
        if (x) x.state = "---s--";
        return x;
      });
      if (!d) return invalid(io, ident);
      io.err(`Shutting down domain ${d.domid}\n`);
      // the guest's own shutdown takes a moment; a detached helper finishes it so that xl can return at once
      const helper = spawn(process.execPath, [process.argv[1], "xl", "--finish-shutdown", String(d.domid), d.uuid], { detached: true, stdio: "ignore" });
      helper.unref();
      if (wait) {
        io.err("Waiting for 1 domains\n");
        while (snapshot(s).domains.some((x) => x.uuid === d.uuid && x.domid === d.domid)) await sleep(50);
        io.err(`Domain ${d.domid} has been shut down, reason code 0\n`);
      }
      return 0;
    }
    case "--finish-shutdown": {
      await sleep(s.shutdownMs);
      await mutate(s, (st) => {
        const d = st.domains.find((x) => x.domid === Number(args[0]) && x.uuid === args[1]);
        if (!d) return;
        if (d.ownsGuest !== false) killGuest(d.guestPid);
        st.domains = st.domains.filter((x) => x !== d);
      });
      return 0;
    }
    case "migrate":
      return migrate(args, s, io);
    case "migrate-receive":
      return migrateReceive(s, io);
    default:
      io.err(`command not implemented\n`);
      return 1;
  }
}

const MIGRATE_USAGE = `Usage: xl [-vf] migrate <Domain> <host>

Migrate a domain to another host.

Options:

-h              Print this help.
-C <config>     Send <config> instead of config file from creation.
-s <sshcommand> Use <sshcommand> instead of ssh.  String will be passed
                to sh. If empty, run <host> instead of ssh <host> xl
                migrate-receive [-d -e]
-e              Do not wait in the background (on <host>) for the death
                of the domain.
--debug         Print huge (!) amount of debug during the migration process.
-p              Do not unpause domain after migrating it.
-D              Preserve the domain id
`;

function exitStatusText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `died due to fatal signal ${signal === "SIGKILL" ? "Killed" : signal === "SIGTERM" ? "Terminated" : signal}` : `exited with error status ${code}`;
}

async function migrate(args: string[], s: Settings, io: Io): Promise<number> {
  let ssh: string | null = null;
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-s") ssh = args[++i] ?? "";
    else if (a === "-C") i++;
    else if (a === "-e" || a === "-p" || a === "-D" || a === "--debug" || a === "--live") continue;
    else if (a === "-h") { io.out(MIGRATE_USAGE); return 0; }
    else if (/^-[^-]/.test(a)) {
      io.err(`option \`${a[1]}' not supported.\n`);
      return 2;
    } else if (a.startsWith("--")) {
      io.err(`xl: unrecognized option '${a}'\n`);
      return 2;
    } else pos.push(a);
  }
  if (pos.length < 2) {
    io.err("'xl migrate' requires at least 2 arguments.\n\n");
    io.out(MIGRATE_USAGE);
    return 2;
  }
  const [ident, host] = pos;
  const d0 = findDomain(snapshot(s), ident);
  if (!d0) return invalid(io, ident);
  const domid = d0.domid;
  const uuid = d0.uuid;
  const rune = ssh === "" ? `exec ${host}` : `exec ${ssh ?? "ssh"} ${host} xl migrate-receive`;
  const child = spawn("/bin/sh", ["-c", rune], { stdio: ["pipe", "pipe", "inherit"] });
  const childExit = new Promise<string>((resolve) => child.on("exit", (code, sig) => resolve(exitStatusText(code, sig))));
  child.stdin.on("error", () => undefined);
  const reader = new LineReader(child.stdout);
  const report = async (): Promise<void> => {
    const t = await Promise.race([childExit, sleep(s.streamTimeoutMs).then(() => null)]);
    if (t === null) child.kill("SIGKILL");
    io.err(`libxl: info: libxl_exec.c:117:libxl_report_child_exitstatus: migration transport process [${child.pid}] ${t ?? await childExit}\n`);
  };
  const mine = async (fn: (d: DomainRecord, st: HostState) => void): Promise<void> => {
    await mutate(s, (st) => {
      const d = st.domains.find((x) => x.domid === domid && x.uuid === uuid);
      if (d) fn(d, st);
    });
  };

  const banner = await reader.next(s.streamTimeoutMs * 4);
  if (banner !== BANNER) {
    io.err("libxl: error: libxl_utils.c:505:libxl_read_exactly: file/stream truncated reading banner from migration receiver stream\n");
    await report();
    return 1;
  }
  io.err("Saving to migration stream new xl format (info 0x3/0x0/831)\n");
  writeMsg(child.stdin, { t: "config", spec: d0.spec, uuid, macs: d0.macs, guestPid: d0.guestPid, configPath: d0.configPath });
  let vifsSent = false;
  const fail = async (): Promise<number> => {
    io.err(`xc: error: Failed to write page data to migration stream (32 = Broken pipe): Internal error\n`);
    io.err(`libxl: error: libxl_stream_write.c:347:libxl__xc_domain_save_done: Domain ${domid}:saving domain: domain responded to suspend request: Broken pipe\n`);
    io.err("migration sender: libxl_domain_suspend failed (rc=-3)\n");
    child.stdin.end();
    await report();
    io.err("Migration failed, resuming at sender.\n");
    await mine((d) => { d.state = "-b----"; if (vifsSent) d.ownsGuest = false; });
    if (!vifsSent) await setVifsUp(domid, d0.spec.vifs.length, true);
    return 1;
  };
  const ready = await reader.nextMessage(s.streamTimeoutMs);
  if (typeof ready !== "object" || ready === null || ready.t !== "ready") return fail();
  io.err(`xc: info: Saving domain ${domid}, type x86 ${d0.spec.type === "hvm" ? "HVM" : "PV"}\n`);
  const ipPrep = new PreparedIp();
  try {
    await copyMemory(child.stdin, reader, d0.spec.memory, s);
  } catch {
    ipPrep.cancel();
    return fail();
  }
  writeMsg(child.stdin, { t: "suspend" });
  const susp = await reader.nextMessage(s.streamTimeoutMs);
  if (typeof susp !== "object" || susp === null || susp.t !== "suspended") {
    ipPrep.cancel();
    return fail();
  }
  await mine((d) => { d.state = "--ps--"; });
  if (d0.guestPid) await sendVifs(domid, d0.spec.vifs.length, d0.guestPid, Number(ready.pid), ipPrep);
  else ipPrep.cancel();
  vifsSent = true;
  writeMsg(child.stdin, { t: "final" });
  const ack = await reader.nextMessage(s.streamTimeoutMs);
  if (typeof ack !== "object" || ack === null || ack.t !== "ack") return fail();
  io.err("migration sender: Target has acknowledged transfer.\n");
  await mine((d) => { d.name = `${d0.name}--migratedaway`; d.state = "--pss-"; d.ownsGuest = false; });
  io.err("migration sender: Giving target permission to start.\n");
  writeMsg(child.stdin, { t: "go" });
  const started = await reader.nextMessage(s.streamTimeoutMs);
  if (typeof started !== "object" || started === null || started.t !== "started") {
    io.err("libxl: error: libxl_utils.c:505:libxl_read_exactly: file/stream truncated reading success/failure status from migration ack stream\n");
    io.err("** Migration failed during final handshake **\n"
      + "Domain state is now undefined !\n"
      + "Please CHECK AT BOTH ENDS for running instances, before renaming and\n"
      + " resuming at most one instance.  Two simultaneous instances of the domain\n"
      + " would probably result in SEVERE DATA LOSS and it is now your\n"
      + " responsibility to avoid that.  Sorry.\n");
    child.stdin.end();
    await report();
    return 1;
  }
  io.err("migration sender: Target reports successful startup.\n");
  await mine((d, st) => { st.domains = st.domains.filter((x) => x !== d); });
  child.stdin.end();
  await Promise.race([childExit, sleep(2000)]);
  io.out("Migration successful.\n");
  return 0;
}

/** Kills the sshd processes serving this session (not the listening daemon): the "sshd killed" fault. */
function killOwnSshdSession(): void {
  const chain: { pid: number; comm: string }[] = [];
  let pid = process.ppid;
  while (pid > 1) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      chain.push({ pid, comm });
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  const sshd = chain.filter((c) => c.comm === "sshd");
  for (const c of sshd.slice(0, -1)) {
    try { process.kill(c.pid, "SIGKILL"); } catch { /* gone */ }
  }
}

async function migrateReceive(s: Settings, io: Io): Promise<number> {
  process.stdout.on("error", () => undefined);
  io.err("migration target: Ready to receive domain.\n");
  process.stdout.write(BANNER + "\n");
  const reader = new LineReader(process.stdin);
  const cfg = await reader.nextMessage(s.streamTimeoutMs);
  if (typeof cfg !== "object" || cfg === null || cfg.t !== "config") return 1;
  io.err("Loading new save file <incoming migration stream> (new xl fmt info 0x3/0x0/831)\n Savefile contains xl domain config in JSON format\nParsing config from <saved>\n");
  const spec = cfg.spec as DomainSpec;
  const incomingName = `${spec.name}--incoming`;
  let domid = -1;
  const failed = await mutate(s, (st) => {
    try {
      checkCreate(spec, st, s, readFaults());
    } catch (e) {
      if (!(e instanceof CreateError)) throw e;
      io.err(xlCreateErrors(e, st.nextDomid));
      st.nextDomid++;
      return true;
    }
    domid = st.nextDomid++;
    st.domains.push({
      domid, name: incomingName, spec, uuid: String(cfg.uuid), state: "--p---", startTime: Date.now() / 1000, memoryShown: 0,
      vcpusShown: 0, guestPid: Number(cfg.guestPid) || null, macs: cfg.macs as string[], configPath: (cfg.configPath as string | null) ?? null,
      ownsGuest: false,
    });
    return false;
  });
  if (failed) {
    io.err("migration target: Domain creation failed (code -3).\n");
    return 1;
  }
  const update = (fn: (d: DomainRecord, st: HostState) => void): Promise<void> => mutate(s, (st) => {
    const d = st.domains.find((x) => x.domid === domid && x.uuid === String(cfg.uuid));
    if (d) fn(d, st);
  });
  const abandon = async (): Promise<number> => {
    ipPrep?.cancel();
    garp?.cancel();
    await update((d, st) => { st.domains = st.domains.filter((x) => x !== d); });
    io.err("migration target: Domain creation failed (code -3).\n");
    return 1;
  };
  const guestPid = Number(cfg.guestPid) || 0;
  const nics = nicsOf({ domid, name: spec.name, spec, macs: cfg.macs as string[] } as DomainRecord, "xl");
  // ready long before the pause, so that the pause costs only the commands themselves
  let ipPrep: PreparedIp | null = guestPid ? new PreparedIp() : null;
  let garp: PreparedGarp | null = guestPid ? new PreparedGarp(guestPid, nics) : null;
  writeMsg(process.stdout, { t: "ready", pid: process.pid, domid });
  let lastPct = -1;
  for (;;) {
    const m: Msg | null | "timeout" = await reader.nextMessage(s.streamTimeoutMs);
    if (m === null || m === "timeout") return abandon();
    if (m.t === "progress") {
      const pct = Number(m.pct);
      const f = readFaults();
      if (f.killSshdAtPercent !== undefined && pct >= f.killSshdAtPercent) {
        killOwnSshdSession();
        return abandon();
      }
      if (pct - lastPct >= 10 || pct === 100) {
        lastPct = pct;
        await update((d) => { d.memoryShown = Math.min(spec.memory, Math.round((spec.memory * pct) / 100)); });
      }
    } else if (m.t === "suspend") {
      io.err("xc: info: Restore successful\n");
      writeMsg(process.stdout, { t: "suspended" });
    } else if (m.t === "final") {
      await update((d) => { d.memoryShown = spec.memory; });
      io.err("migration target: Transfer complete, requesting permission to start domain.\n");
      writeMsg(process.stdout, { t: "ack" });
    } else if (m.t === "go") {
      io.err("migration target: Got permission, starting domain.\n");
      if (guestPid) {
        await receiveVifs(domid, guestPid, nics, ipPrep ?? undefined, garp ?? undefined);
        ipPrep = null;
        garp = null;
        await adoptIntoOwnCgroup(guestPid).catch(() => undefined);
      }
      await update((d) => {
        d.name = spec.name; d.state = "-b----"; d.startTime = Date.now() / 1000; d.memoryShown = spec.memory;
        d.vcpusShown = spec.vcpus; d.ownsGuest = true;
      });
      io.err("migration target: Domain started successsfully.\n");
      if (readFaults().killSshdAtFinalHandshake) {
        killOwnSshdSession();
        return 0;
      }
      writeMsg(process.stdout, { t: "started" });
      return 0;
    }
  }
}

