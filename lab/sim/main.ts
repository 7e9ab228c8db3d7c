/**
 * Entry point of every simulator command inside a lab host: `main.js xm|xl|xend|xendomains ARGS...` (the host's
 * /usr/sbin/xm etc. are one-line wrappers). Each run is recorded in /var/log/xen/sim-commands.log, at start and
 * at exit, so a test can prove from the simulator's own log which toolstack commands ran.
 */
import { logCommand } from "./host-env";
import { xendCommand, xendDaemon } from "./xend";
import { xendomainsMain } from "./xendomains";
import { xlMain } from "./xl";
import { xmMain } from "./xm";

const io = {
  out: (s: string): void => { process.stdout.write(s); },
  err: (s: string): void => { process.stderr.write(s); },
};

async function main(): Promise<void> {
  const [tool, ...args] = process.argv.slice(2);
  if (tool === "xend" && args[0] === "--daemon") {
    logCommand({ event: "daemon", tool, argv: args });
    await xendDaemon();
    return;
  }
  const t0 = Date.now();
  logCommand({ event: "start", tool, argv: args, cwd: process.cwd() });
  let code: number;
  try {
    switch (tool) {
      case "xm": code = await xmMain(args, io); break;
      case "xl": code = await xlMain(args, io); break;
      case "xend": code = await xendCommand(args); break;
      case "xendomains": code = await xendomainsMain(args, io); break;
      default:
        io.err(`unknown simulator tool ${tool}\n`);
        code = 2;
    }
  } catch (e) {
    io.err(`Error: ${(e as Error).message}\n`);
    code = 1;
  }
  logCommand({ event: "exit", tool, argv: args, code, ms: Date.now() - t0 });
  process.exit(code);
}

void main();
