/**
 * xend: `xend start|stop|restart|status` and the daemon itself. The daemon reads xend-config.sxp with xend's
 * rules (a bad file stops it, logged in xend.log), serves xm on a unix socket, keeps the host's domains
 * (persisted, so they survive a restart; the guests are separate processes and keep running), and runs the
 * relocation server when the config turns it on: it listens on the configured address and port, enforces
 * hosts-allow (accept, log "Rejected connection from ...", close), and receives migrations.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { DomainRecord } from "./domain-record";
import { DomainSpec } from "./domain-spec";
import { vbdError } from "./format-xm";
import { adoptIntoOwnCgroup, killGuest, PreparedGarp, PreparedIp, receiveVifs, run, sendVifs, setVifsUp } from "./guest";
import { compileHostsAllow, fqdnFromHosts, HostsAllow, hostAllowed } from "./hosts-allow";
import { checkCreate, createDomain, CreateError, findDomain, HostState, hostInfo, loadState, nicsOf, pruneDead, saveState } from "./host-domains";
import { PATHS, readFaults, readSettings, Settings, sleep, xendLog } from "./host-env";
import { LineReader, Msg, writeMsg } from "./line-stream";
import { copyMemory } from "./migration-copy";
import { pyRepr, SxpParseError } from "./sxp";
import { readXendConfig, XendOptions } from "./xend-config";

/** Errors xm shows as "Error: <message>"; code 3 is xend's "invalid domain" fault. */
export class XendError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** The relocation socket could not be bound: xend does not start (SrvDaemon.run's except clause). */
class BindError extends XendError {}

export interface XendRequest { op: string; [k: string]: unknown }

function xendPid(): number | null {
  try {
    const pid = Number(fs.readFileSync(PATHS.xendPid, "utf8").trim());
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes("xend") && cmd.includes("--daemon") ? pid : null;
  } catch {
    return null;
  }
}

/** `xend start|stop|restart|status` (what /etc/init.d/xend runs). */
export async function xendCommand(args: string[]): Promise<number> {
  const cmd = args[0] ?? "";
  if (cmd === "status") return xendPid() ? 0 : 3;
  if (cmd === "stop") return stopXend();
  if (cmd === "start") return startXend();
  if (cmd === "restart" || cmd === "reload") {
    await stopXend();
    return startXend();
  }
  process.stderr.write("Usage: xend {start|stop|reload|restart|status}\n");
  return 1;
}

async function stopXend(): Promise<number> {
  const pid = xendPid();
  if (!pid) return 0;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    try { process.kill(pid, 0); } catch { return 0; }
    await sleep(10);
  }
  try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  return 0;
}

async function startXend(): Promise<number> {
  if (xendPid()) return 0;
  const child = spawn(process.execPath, [process.argv[1], "xend", "--daemon"], {
    detached: true, stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  const answer = await new Promise<string>((resolve) => {
    let got = "";
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.on("data", (d: Buffer) => { got += d.toString(); });
    pipe.on("end", () => resolve(got.trim()));
    pipe.on("error", () => resolve(got.trim()));
  });
  child.unref();
  if (answer === "ok") return 0;
  return 1;
}

class Xend {
  private state: HostState;
  private readonly incoming = new Set<number>();
  private relocation: net.Server | null = null;

  constructor(private readonly initial: Settings, private readonly options: XendOptions) {
    this.state = loadState(PATHS.xmState);
    if (pruneDead(this.state, initial.lab)) this.persist();
  }

  /** Lab settings are re-read at every use, so that a test can change the copy speed or timeouts on the fly. */
  private get settings(): Settings {
    try {
      return readSettings();
    } catch {
      return this.initial;
    }
  }

  persist(): void {
    saveState(PATHS.xmState, { ...this.state, domains: this.state.domains.filter((d) => !this.incoming.has(d.domid)) });
  }

  private refresh(): void {
    if (pruneDead(this.state, this.settings.lab)) this.persist();
  }

  private lookup(ident: string): DomainRecord {
    this.refresh();
    const d = findDomain(this.state, ident);
    if (!d) throw new XendError(ident, 3);
    return d;
  }

  async handle(req: XendRequest): Promise<unknown> {
    switch (req.op) {
      case "domains":
        this.refresh();
        return { info: hostInfo(this.settings, this.state, readFaults()), domains: this.state.domains };
      case "create":
        return this.create(req.spec as DomainSpec, req.configPath as string | null);
      case "destroy": {
        const d = this.lookup(String(req.dom));
        if (d.ownsGuest !== false) killGuest(d.guestPid);
        this.state.domains = this.state.domains.filter((x) => x !== d);
        this.incoming.delete(d.domid);
        this.persist();
        xendLog("INFO", "XendDomainInfo:2147", `Domain ${d.name} (${d.domid}) destroyed.`);
        return null;
      }
      case "shutdown": {
        const d = this.lookup(String(req.dom));
        this.shutdown(d);
        return null;
      }
      case "migrate":
        return this.migrate(String(req.dom), String(req.host), Number(req.port ?? 0), Boolean(req.live), Boolean(req.ssl));
      default:
        throw new XendError(`Invalid operation: ${req.op}`);
    }
  }

  private async create(spec: DomainSpec, configPath: string | null): Promise<unknown> {
    this.refresh();
    xendLog("DEBUG", "XendDomainInfo:103", `XendDomainInfo.create(${spec.name})`);
    try {
      const d = await createDomain(spec, this.state, this.settings, readFaults(), configPath);
      this.persist();
      xendLog("INFO", "XendDomainInfo:2370", `Domain ${d.name} (${d.domid}) started.`);
      return { domid: d.domid, name: d.name };
    } catch (e) {
      const msg = e instanceof CreateError ? xmCreateMessage(e, this.options) : (e as Error).message;
      xendLog("ERROR", "XendDomainInfo:108", `Domain construction failed: ${msg}`);
      throw new XendError(msg);
    }
  }

  private shutdown(d: DomainRecord): void {
    if (d.state[3] === "s") return;
    d.state = "---s--";
    setTimeout(() => {
      if (d.ownsGuest !== false) killGuest(d.guestPid);
      this.state.domains = this.state.domains.filter((x) => x !== d);
      this.persist();
      xendLog("INFO", "XendDomainInfo:1789", `Domain has shutdown: name=${d.name} id=${d.domid} reason=poweroff.`);
    }, this.settings.shutdownMs);
  }

  // ---- migration, source side ----------------------------------------------------------------------
  private async migrate(ident: string, host: string, portIn: number, live: boolean, ssl: boolean): Promise<unknown> {
    if (ident === "0" || ident === "Domain-0") throw new XendError(`Cannot migrate privileged domain ${ident}`);
    const d = this.lookup(ident);
    if (d.state[2] === "p" || d.state[3] === "s") throw new XendError("Domain is not running");
    const port = portIn || (ssl ? this.options.relocationSslPort : this.options.relocationPort);
    xendLog("DEBUG", "XendDomain:1324", `migrate ${d.name} to ${host}:${port} live=${live}`);
    const sock = await connectRelocation(host, port, this.settings.xenVersion);
    const reader = new LineReader(sock);
    sock.on("error", () => undefined);
    const origName = d.name;
    const vifCount = d.spec.vifs.length;
    const xcSave = `/usr/lib/xen/bin/xc_save 22 ${d.domid} 0 0 ${live ? 1 : 0} failed`;
    let vifsSent = false;
    let ipPrep: PreparedIp | null = null;
    try {
      sock.write("receive\n");
      const banner = await reader.next(30000);
      // xend's recv(80) after connecting: a timeout is a socket error ("can't connect"), an empty read is not
      if (banner === "timeout") throw new XendError("can't connect: timed out");
      d.name = `migrating-${origName}`;
      if (!live) {
        d.state = "--p---";
        await setVifsUp(d.domid, vifCount, false);
      }
      this.persist();
      if (banner === null) throw new XendError("[Errno 32] Broken pipe");
      writeMsg(sock, { t: "config", spec: d.spec, uuid: d.uuid, macs: d.macs, guestPid: d.guestPid, configPath: d.configPath });
      const resp = await reader.nextMessage(this.settings.streamTimeoutMs);
      if (resp === null) throw new XendError("[Errno 32] Broken pipe");
      if (resp === "timeout") throw new XendError(xcSave);
      if (resp.t === "raw") {
        const m = /^\(err\s\(type\s(.+)\)\s\(value\s'(.+)'\)\)/.exec(String(resp.raw));
        throw new XendError(m ? `${m[2]} (from ${host})` : xcSave);
      }
      if (resp.t !== "ready") throw new XendError(xcSave);
      const targetPid = Number(resp.pid);
      ipPrep = new PreparedIp();
      await copyMemory(sock, reader, d.spec.memory, this.settings).catch(() => { throw new XendError(xcSave); });
      writeMsg(sock, { t: "suspend" });
      const ack = await reader.nextMessage(this.settings.streamTimeoutMs);
      if (typeof ack !== "object" || ack === null || ack.t !== "suspended") throw new XendError(xcSave);
      d.state = "--p---";
      if (d.guestPid) await sendVifs(d.domid, vifCount, d.guestPid, targetPid, ipPrep);
      ipPrep = null;
      vifsSent = true;
      writeMsg(sock, { t: "final" });
      const done = await reader.nextMessage(this.settings.streamTimeoutMs);
      if (typeof done !== "object" || done === null || done.t !== "done") throw new XendError(xcSave);
      this.state.domains = this.state.domains.filter((x) => x !== d);
      this.persist();
      xendLog("INFO", "XendCheckpoint:123", `Migration of ${origName} to ${host} complete.`);
      return null;
    } catch (e) {
      xendLog("ERROR", "XendCheckpoint:161", `Save failed on domain ${origName} (${d.domid}) - resuming.`);
      d.name = origName;
      d.state = "-b----";
      if (vifsSent) {
        d.ownsGuest = false; // its network went to the target with the last round
        xendLog("ERROR", "XendCheckpoint:164", `${origName}: devices were handed to ${host} before the failure`);
      } else {
        await setVifsUp(d.domid, vifCount, true);
      }
      if (this.state.domains.includes(d)) this.persist();
      throw e;
    } finally {
      ipPrep?.cancel();
      sock.destroy();
    }
  }

  // ---- relocation server, target side --------------------------------------------------------------
  async startRelocation(): Promise<void> {
    const o = this.options;
    if (!o.relocationServer) return;
    let allow: HostsAllow;
    try {
      allow = compileHostsAllow(o.relocationHostsAllow);
    } catch (e) {
      throw new XendError(`invalid xend-relocation-hosts-allow: ${(e as Error).message}`);
    }
    const address = await resolveListenAddress(o.relocationAddress);
    const port = o.relocationPort;
    // xend's TCPListener retries an address in use for 30 s, then the error stops xend (SrvDaemon.run)
    const deadline = Date.now() + 30000;
    for (;;) {
      const server = net.createServer((sock) => this.accept(sock, allow));
      const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        server.once("error", (e) => resolve(e));
        server.listen({ port, host: address ?? undefined }, () => resolve(null));
      });
      if (!err) {
        xendLog("INFO", "tcp:94", `listening on ${address ?? ""}:${port}`);
        this.relocation = server;
        return;
      }
      server.close();
      if (err.code === "EADDRINUSE" && Date.now() < deadline) {
        await sleep(500);
        continue;
      }
      const text = pyErrno(err, "4");
      xendLog("ERROR", "tcp:50", `Unable to bind relocation socket on ${address ?? ""}:${port}: ${text}`);
      throw new BindError(text);
    }
  }

  private accept(sock: net.Socket, allow: HostsAllow): void {
    const ip = (sock.remoteAddress ?? "").replace(/^::ffff:/, "");
    let hosts = "";
    try { hosts = fs.readFileSync("/etc/hosts", "utf8"); } catch { /* none */ }
    const fqdn = fqdnFromHosts(hosts, ip);
    sock.on("error", () => undefined);
    if (!hostAllowed(allow, ip, fqdn)) {
      xendLog("WARNING", "connection:98", `Rejected connection from ${ip} (${fqdn}).`);
      sock.destroy();
      return;
    }
    void this.receive(sock).catch((e) => xendLog("ERROR", "XendCheckpoint:357", `/usr/lib/xen/bin/xc_restore failed: ${(e as Error).message}`));
  }

  private async receive(sock: net.Socket): Promise<void> {
    const reader = new LineReader(sock);
    const first = await reader.next(30000);
    if (first !== "receive") {
      sock.destroy();
      return;
    }
    sock.write("(ready receive)\n");
    const cfg = await reader.nextMessage(this.settings.streamTimeoutMs);
    if (typeof cfg !== "object" || cfg === null || cfg.t !== "config") {
      sock.destroy();
      return;
    }
    const spec = cfg.spec as DomainSpec;
    this.refresh();
    try {
      checkCreate(spec, this.state, this.settings, readFaults());
    } catch (e) {
      const msg = e instanceof CreateError ? xmCreateMessage(e, this.options) : (e as Error).message;
      xendLog("ERROR", "XendCheckpoint:357", `Restore of ${spec.name} failed: ${msg}`);
      sock.end(`(err (type <class 'xen.xend.XendError.VmError'>) (value ${pyRepr(msg)}))\n`);
      return;
    }
    const rec: DomainRecord = {
      domid: this.state.nextDomid++, name: spec.name, spec, uuid: String(cfg.uuid), state: "--p---",
      startTime: Date.now() / 1000, memoryShown: 0, vcpusShown: spec.vcpus, guestPid: Number(cfg.guestPid) || null,
      macs: cfg.macs as string[], configPath: (cfg.configPath as string | null) ?? null, ownsGuest: false,
    };
    this.state.domains.push(rec);
    this.incoming.add(rec.domid);
    xendLog("INFO", "XendCheckpoint:288", `restore: receiving ${spec.name} as domain ${rec.domid}`);
    let ipPrep: PreparedIp | null = null;
    let garp: PreparedGarp | null = null;
    const drop = (why: string): void => {
      ipPrep?.cancel();
      garp?.cancel();
      this.state.domains = this.state.domains.filter((x) => x !== rec);
      this.incoming.delete(rec.domid);
      xendLog("ERROR", "XendCheckpoint:357", `Restore of ${spec.name} failed: ${why}`);
      sock.destroy();
    };
    if (rec.guestPid) {
      // ready long before the pause, so that the pause costs only the commands themselves
      ipPrep = new PreparedIp();
      garp = new PreparedGarp(rec.guestPid, nicsOf(rec, "xm"));
    }
    writeMsg(sock, { t: "ready", pid: process.pid, domid: rec.domid });
    for (;;) {
      const m: Msg | null | "timeout" = await reader.nextMessage(this.settings.streamTimeoutMs);
      if (m === null) return drop("migration stream closed by the sender");
      if (m === "timeout") return drop("migration stream timed out");
      if (m.t === "progress") {
        const pct = Number(m.pct);
        rec.memoryShown = Math.min(spec.memory, Math.round((spec.memory * pct) / 100));
        const kill = readFaults().killXendAtPercent;
        if (kill !== undefined && pct >= kill) {
          xendLog("WARNING", "SrvDaemon:175", `sim fault killXendAtPercent=${kill}: xend killed during a migration`);
          process.kill(process.pid, "SIGKILL");
        }
      } else if (m.t === "suspend") {
        writeMsg(sock, { t: "suspended" });
      } else if (m.t === "final") {
        try {
          if (rec.guestPid) {
            await receiveVifs(rec.domid, rec.guestPid, nicsOf(rec, "xm"), ipPrep ?? undefined, garp ?? undefined);
            ipPrep = null;
            garp = null;
            await adoptIntoOwnCgroup(rec.guestPid).catch((e) => xendLog("WARNING", "XendCheckpoint:300", `cgroup: ${(e as Error).message}`));
          }
        } catch (e) {
          return drop((e as Error).message);
        }
        rec.state = "-b----";
        rec.startTime = Date.now() / 1000;
        rec.memoryShown = spec.memory;
        rec.ownsGuest = true;
        this.incoming.delete(rec.domid);
        this.persist();
        xendLog("INFO", "XendDomainInfo:2370", `Domain ${spec.name} (${rec.domid}) restored and unpaused.`);
        writeMsg(sock, { t: "done" });
        sock.end();
        return;
      }
    }
  }

  close(): void {
    this.relocation?.close();
  }
}

function pyErrno(e: NodeJS.ErrnoException, version: string): string {
  const table: Record<string, [number, string]> = {
    ECONNREFUSED: [111, "Connection refused"], EHOSTUNREACH: [113, "No route to host"], ENETUNREACH: [101, "Network is unreachable"],
    ECONNRESET: [104, "Connection reset by peer"], ENOTFOUND: [-2, "Name or service not known"], EAI_AGAIN: [-3, "Temporary failure in name resolution"],
    EADDRNOTAVAIL: [99, "Cannot assign requested address"], EADDRINUSE: [98, "Address already in use"], EACCES: [13, "Permission denied"],
  };
  const [n, text] = table[e.code ?? ""] ?? [5, e.message];
  const old = /^3\.[01]\./.test(version) || /^3\.2/.test(version);
  return old ? text : `(${n}, '${text}')`;
}

function connectRelocation(host: string, port: number, version: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); reject(new XendError("can't connect: timed out")); }, 30000);
    sock.once("connect", () => { clearTimeout(timer); resolve(sock); });
    sock.once("error", (e: NodeJS.ErrnoException) => { clearTimeout(timer); reject(new XendError(`can't connect: ${pyErrno(e, version)}`)); });
  });
}

/** '' = all addresses; an IP or host name as given; from 4.1 also an interface name (its first IPv4 address). */
async function resolveListenAddress(a: string): Promise<string | null> {
  if (a === "") return null;
  if (fs.existsSync(`/sys/class/net/${a}`)) {
    const r = await run("ip", ["-o", "-4", "addr", "show", "dev", a]);
    const m = /inet (\S+)\//.exec(r.stdout);
    if (m) return m[1];
  }
  return a;
}

/** log.exception's traceback after "Exception starting xend" when the relocation socket cannot be bound. */
const BIND_TRACEBACK = [
  "Traceback (most recent call last):",
  '  File "/usr/lib64/python2.4/site-packages/xen/xend/server/SrvDaemon.py", line 335, in run',
  "    relocate.listenRelocation()",
  '  File "/usr/lib64/python2.4/site-packages/xen/xend/server/relocate.py", line 159, in listenRelocation',
  "    hosts_allow = hosts_allow)",
  '  File "/usr/lib64/python2.4/site-packages/xen/web/tcp.py", line 36, in __init__',
  "    connection.SocketListener.__init__(self, protocol_class)",
  '  File "/usr/lib64/python2.4/site-packages/xen/web/connection.py", line 65, in __init__',
  "    self.sock = self.createSocket()",
  '  File "/usr/lib64/python2.4/site-packages/xen/web/tcp.py", line 50, in createSocket',
  "    sock.bind((self.interface, self.port))",
  '  File "<string>", line 1, in bind',
  "",
].join("\n");

export function xmCreateMessage(e: CreateError, o: XendOptions): string {
  const d = e.detail;
  switch (e.kind) {
    case "exists": return `Domain '${d.name}' already exists with ID '${d.domid}'`;
    case "memory": {
      const min = o.dom0MinMem * 1024;
      return `I need ${d.needKiB} KiB, but dom0_min_mem is ${min} and shrinking to ${min} KiB would leave only ${d.freeKiB} KiB free.`;
    }
    case "disk": return vbdError(String(d.vdev), `${d.path} does not exist.`);
    case "bridge": return `Device ${d.devid} (vif) could not be connected. Could not find bridge device ${d.bridge}`;
    default: return e.message;
  }
}

function logStarted(s: Settings): void {
  xendLog("INFO", "SrvDaemon:332", "Xend Daemon started");
  xendLog("INFO", "SrvDaemon:336", "Xend changeset: unavailable.");
  xendLog("INFO", "SrvDaemon:343", `Xend version: ${s.xenVersion}`);
}

/** The daemon (started detached by `xend start`, which waits on fd 3 for "ok" or a failure). */
export async function xendDaemon(): Promise<void> {
  let readyFd: number | null = 3;
  const tell = (msg: string): void => {
    if (readyFd === null) return;
    try { fs.writeSync(readyFd, msg + "\n"); fs.closeSync(readyFd); } catch { /* starter gone */ }
    readyFd = null;
  };
  const settings = readSettings();
  let options: XendOptions;
  const text = fs.existsSync(PATHS.xendConfig) ? fs.readFileSync(PATHS.xendConfig, "utf8") : null;
  if (text === null) xendLog("ERROR", "XendOptions:448", `Config file does not exist: ${PATHS.xendConfig}`);
  try {
    options = readXendConfig(text);
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof SxpParseError) {
      // xend reads its options before its logger is set up: the message goes to stderr (xend-debug.log)
      const line = `Reading config file ${PATHS.xendConfig}: ${msg}`;
      fs.mkdirSync(PATHS.logDir, { recursive: true });
      fs.appendFileSync(PATHS.xendDebugLog, `xend [ERROR] ${line}\n`);
      xendLog("ERROR", "XendOptions:439", line);
    } else {
      // a bad value surfaces when xend reads it, after it has logged its start
      logStarted(settings);
      xendLog("ERROR", "SrvDaemon:349", `Exception starting xend (${msg})`);
    }
    tell(`fail: ${msg}`);
    process.exit(1);
  }
  const xend = new Xend(settings, options);
  fs.mkdirSync(path.dirname(PATHS.xendSocket), { recursive: true });
  fs.rmSync(PATHS.xendSocket, { force: true });
  const server = net.createServer((c) => serveXm(xend, c));
  await new Promise<void>((resolve) => server.listen(PATHS.xendSocket, resolve));
  logStarted(settings);
  try {
    await xend.startRelocation();
  } catch (e) {
    const msg = (e as Error).message;
    xendLog("ERROR", "SrvDaemon:349", `Exception starting xend (${msg})`);
    if (e instanceof BindError) fs.appendFileSync(PATHS.xendLog, BIND_TRACEBACK + `error: ${msg}\n`);
    server.close();
    fs.rmSync(PATHS.xendSocket, { force: true });
    tell(`fail: ${(e as Error).message}`);
    process.exit(1);
  }
  fs.writeFileSync(PATHS.xendPid, String(process.pid));
  const stop = (): void => {
    xendLog("INFO", "SrvDaemon:190", "Xend stopped due to signal 15.");
    server.close();
    xend.close();
    fs.rmSync(PATHS.xendSocket, { force: true });
    fs.rmSync(PATHS.xendPid, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", () => undefined);
  tell("ok");
}

function serveXm(xend: Xend, c: net.Socket): void {
  const reader = new LineReader(c);
  c.on("error", () => undefined);
  void (async () => {
    const line = await reader.next(60000);
    if (typeof line !== "string" || line === "timeout") { c.destroy(); return; }
    let reply: unknown;
    try {
      reply = { ok: true, result: await xend.handle(JSON.parse(line) as XendRequest) };
    } catch (e) {
      reply = { ok: false, error: (e as Error).message, code: e instanceof XendError ? e.code : 1 };
    }
    c.end(JSON.stringify(reply) + "\n");
  })();
}
