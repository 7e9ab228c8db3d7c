/**
 * `xm`: a client of xend over its unix socket, like the real one (so every command fails the real way when
 * xend is not running). Errors from xend print `Error: <msg>` on stderr and the command's usage on stdout,
 * exit 1; an unknown domain prints `Error: Domain 'x' does not exist.` and exits 3 (4.x) or 1 (3.x).
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { DomainRecord, HostInfo, xenVersionParts } from "./domain-record";
import { specFromXmVars } from "./domain-spec";
import { dom0Sxp, domainSxp, formatXmInfo, formatXmList, formatXmListLong, xmListRows, xmUsage } from "./format-xm";
import { PATHS, readSettings, sleep } from "./host-env";
import { execPyConfig, PyConfigError, xmConfigVars } from "./python-config";
import { XendRequest } from "./xend";

class XmExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface Io { out: (s: string) => void; err: (s: string) => void }

function call(req: XendRequest): Promise<{ ok: boolean; result?: unknown; error?: string; code?: number }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(PATHS.xendSocket);
    let buf = "";
    c.on("connect", () => c.write(JSON.stringify(req) + "\n"));
    c.on("data", (d: Buffer) => { buf += d.toString(); });
    c.on("end", () => {
      try { resolve(JSON.parse(buf)); } catch { reject(Object.assign(new Error("Connection reset by peer"), { code: "ECONNRESET" })); }
    });
    c.on("error", reject);
  });
}

export async function xmMain(argv: string[], io: Io): Promise<number> {
  try {
    return await xm(argv, io);
  } catch (e) {
    if (e instanceof XmExit) return e.code;
    throw e;
  }
}

async function xm(argv: string[], io: Io): Promise<number> {
  const [cmd, ...args] = argv;
  const version = readSettings().xenVersion;
  const invalidDomainCode = xenVersionParts(version).major >= 4 ? 3 : 1;
  const rpc = async (req: XendRequest): Promise<unknown> => {
    let r;
    try {
      r = await call(req);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const text = code === "ENOENT" ? "No such file or directory" : code === "ECONNREFUSED" ? "Connection refused" : (e as Error).message;
      io.err(`Error: Unable to connect to xend: ${text}. Is xend running?\n`);
      throw new XmExit(1);
    }
    if (r.ok) return r.result;
    if (r.code === 3) {
      io.err(`Error: Domain '${r.error}' does not exist.\n`);
      throw new XmExit(invalidDomainCode);
    }
    io.err(`Error: ${r.error}\n`);
    io.out(xmUsage(cmd));
    throw new XmExit(1);
  };
  const domains = async (): Promise<{ info: HostInfo; domains: DomainRecord[] }> => (await rpc({ op: "domains" })) as { info: HostInfo; domains: DomainRecord[] };
  const needArgs = (n: number, got: string[]): void => {
    if (got.length < n) {
      io.err(`Error: 'xm ${cmd}' requires ${n} argument${n > 1 ? "s" : ""}.\n\n`);
      io.out(xmUsage(cmd));
      throw new XmExit(1);
    }
  };
  switch (cmd) {
    case "list": {
      const long = args.includes("-l") || args.includes("--long");
      const names = args.filter((a) => !a.startsWith("-"));
      const { info, domains: doms } = await domains();
      const pick: DomainRecord[] = [];
      let wantDom0 = names.length === 0;
      for (const n of names) {
        if (n === "Domain-0" || n === "0") { wantDom0 = true; continue; }
        const d = doms.find((x) => x.name === n || String(x.domid) === n);
        if (!d) {
          io.err(`Error: Domain '${n}' does not exist.\n`);
          return invalidDomainCode;
        }
        pick.push(d);
      }
      const shown = names.length ? pick : doms;
      if (long) {
        const sx = [...(wantDom0 ? [dom0Sxp(info)] : []), ...[...shown].sort((a, b) => a.domid - b.domid).map((d) => domainSxp(d))];
        io.out(formatXmListLong(sx));
      } else {
        const rows = xmListRows(info, shown).filter((r) => wantDom0 || r.domid !== 0);
        io.out(formatXmList(info.xenVersion, rows));
      }
      return 0;
    }
    case "info": {
      const { info } = await domains();
      io.out(formatXmInfo(info));
      return 0;
    }
    case "create": {
      const file = args.find((a) => !a.startsWith("-") && !a.includes("="));
      if (!file) {
        io.err("Error: No domain config file specified.\n");
        return 1;
      }
      const candidates = file.startsWith("/") ? [file] : [`./${file}`, path.join("/etc/xen", file)];
      const found = candidates.find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
      if (!found) {
        io.err(`Error: Cannot open config file "${file}"\n`);
        return 1;
      }
      io.out(`Using config file "${found}".\n`);
      let spec;
      try {
        spec = specFromXmVars(xmConfigVars(execPyConfig(fs.readFileSync(found, "utf8"))));
      } catch (e) {
        if (e instanceof PyConfigError) io.err(`Error: Errors in configuration file ${found} at line ${e.line}:\n\t${e.text}\n${e.message}\n`);
        else io.err(`Error: ${(e as Error).message}\n`);
        return 1;
      }
      const r = (await rpc({ op: "create", spec, configPath: path.resolve(found) })) as { domid: number; name: string };
      const v = xenVersionParts(version);
      io.out(v.major > 3 || (v.major === 3 && v.minor >= 4) ? `Started domain ${r.name} (id=${r.domid})\n` : `Started domain ${r.name}\n`);
      return 0;
    }
    case "destroy": {
      needArgs(1, args);
      await rpc({ op: "destroy", dom: args[0] });
      return 0;
    }
    case "shutdown": {
      const wait = args.includes("-w") || args.includes("--wait");
      const all = args.includes("-a") || args.includes("--all");
      const names = args.filter((a) => !a.startsWith("-"));
      let targets = names;
      if (all) targets = (await domains()).domains.map((d) => d.name);
      else needArgs(1, names);
      for (const n of targets) await rpc({ op: "shutdown", dom: n });
      if (wait) {
        const pending = new Set(targets);
        while (pending.size) {
          const { domains: doms } = await domains();
          for (const n of [...pending]) {
            if (!doms.some((d) => d.name === n || String(d.domid) === n)) {
              io.out(`Domain ${n} terminated\n`);
              pending.delete(n);
            }
          }
          if (pending.size) await sleep(50);
        }
        io.out("All domains terminated\n");
      }
      return 0;
    }
    case "migrate": {
      let live = false;
      let ssl = false;
      let port = 0;
      const pos: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a === "-l" || a === "--live") live = true;
        else if (a === "-s" || a === "--ssl") ssl = true;
        else if (a === "-c" || a === "--change_home_server") continue;
        else if (a === "-p" || a === "--port" || a === "-n" || a === "--node") {
          const v = args[++i];
          if (a === "-p" || a === "--port") port = Number(v);
        } else if (/^(-p=?|--port=)\d+$/.test(a)) port = Number(a.replace(/^(-p=?|--port=)/, ""));
        else if (/^(-n=?|--node=)\d+$/.test(a)) continue;
        else if (a === "-r" || a.startsWith("--resource")) {
          if (!a.includes("=")) i++;
        } else if (a.startsWith("-")) {
          io.err(`Error: option ${a} not recognized\n`);
          io.out(xmUsage("migrate"));
          return 1;
        } else pos.push(a);
      }
      if (pos.length !== 2) {
        io.err("Error: 'xm migrate' requires 2 arguments.\n\n");
        io.out(xmUsage("migrate"));
        return 1;
      }
      await rpc({ op: "migrate", dom: pos[0], host: pos[1], port, live, ssl });
      return 0;
    }
    default:
      io.err(`Error: Subcommand ${cmd ?? ""} not found!\n`);
      return 1;
  }
}
