/**
 * /etc/init.d/xendomains: `start` creates every domain of /etc/xen/auto that is not running yet (matched by
 * name, as the real script does); `stop` shuts every running domain down and waits; `status` lists them.
 */
import * as fs from "fs";
import * as path from "path";
import { PATHS, readSettings } from "./host-env";
import { execPyConfig, xmConfigVars } from "./python-config";
import { parseXlConfig } from "./xl-config";
import { xlMain } from "./xl";
import { xmMain } from "./xm";

interface Io { out: (s: string) => void; err: (s: string) => void }

export async function xendomainsMain(args: string[], io: Io): Promise<number> {
  const s = readSettings();
  const tool = s.toolstack === "xl" ? xlMain : xmMain;
  const quiet: Io = { out: () => undefined, err: () => undefined };
  const running = async (): Promise<string[]> => {
    let text = "";
    const code = await tool(["list"], { out: (t) => { text += t; }, err: () => undefined });
    if (code !== 0) return [];
    return text.split("\n").slice(1).map((l) => l.split(/\s+/)[0]).filter((n) => n && n !== "Domain-0");
  };
  switch (args[0]) {
    case "start": {
      let files: string[] = [];
      try { files = fs.readdirSync(PATHS.autoDir).sort().map((f) => path.join(PATHS.autoDir, f)); } catch { /* no auto dir */ }
      const up = await running();
      let rc = 0;
      for (const f of files) {
        let name: string | undefined;
        try {
          const text = fs.readFileSync(f, "utf8");
          const v = s.toolstack === "xl" ? parseXlConfig(text, f).name : xmConfigVars(execPyConfig(text)).name;
          name = typeof v === "string" ? v : undefined;
        } catch {
          name = undefined;
        }
        if (name && up.includes(name)) continue;
        io.out(`Starting auto Xen domain ${name ?? f} (from ${f})`);
        let errText = "";
        const code = await tool(["create", f], { out: () => undefined, err: (t) => { errText += t; } });
        io.out(code === 0 ? " ... done.\n" : ` ... failed: ${errText.trim()}\n`);
        if (code !== 0) rc = 1;
      }
      return rc;
    }
    case "stop": {
      for (const name of await running()) {
        io.out(`Shutting down Xen domain ${name} ...\n`);
        await tool(["shutdown", "-w", name], quiet);
      }
      return 0;
    }
    case "status": {
      const up = await running();
      io.out(up.length ? `Running Xen domains: ${up.join(" ")}\n` : "No Xen domains running.\n");
      return 0;
    }
    case "restart":
    case "reload":
    case "force-reload":
      await xendomainsMain(["stop"], io);
      return xendomainsMain(["start"], io);
    default:
      io.err("Usage: /etc/init.d/xendomains {start|stop|restart|reload|force-reload|status}\n");
      return 2;
  }
}
