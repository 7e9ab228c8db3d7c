/**
 * npm run lab:up [-- --toolstack xm|xl|mixed] [-- --real-xen] | lab:down | lab:status | node build/lab/cli.js reboot HOST
 * The instance is XENHA_LAB (default "default"). --real-xen (implies xl) replaces node1/node2 by QEMU VMs
 * running real Xen (lab/realxen/).
 */
import { down, isRunning, reboot, status, up } from "./control";
import { labName } from "./paths";
import { readRealXen, realXenDown, realXenUp } from "./realxen/vms";
import { parseToolstackChoice } from "./topology";

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const name = labName();
  switch (cmd) {
    case "up": {
      let ts: string | undefined = process.env.XENHA_LAB_TOOLSTACK;
      let realXen = false;
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--real-xen") { realXen = true; ts = "xl"; }
        else if (rest[i] === "--toolstack") ts = rest[++i];
        else if (rest[i].startsWith("--toolstack=")) ts = rest[i].slice("--toolstack=".length);
        else throw new Error(`unknown argument ${rest[i]}`);
      }
      // VMs left by a killed run lost their taps when the lab was rebuilt: stop them before anything starts
      if (readRealXen(name) && !isRunning(name)) console.log(await realXenDown(name));
      const r = await up(name, parseToolstackChoice(ts));
      console.log(r.message);
      if (realXen) console.log((await realXenUp(name)).message);
      console.log(await status(name));
      return 0;
    }
    case "down":
      if (readRealXen(name)) console.log(await realXenDown(name));
      console.log(await down(name));
      return 0;
    case "status": {
      console.log(await status(name));
      const rx = readRealXen(name);
      if (rx) console.log(`real-Xen hosts: ${rx.vms.map((v) => `${v.host} (QEMU pid ${v.pid}, Xen ${v.xenVersion})`).join(", ")}${rx.migrationBlocker ? `; cannot migrate: ${rx.migrationBlocker}` : ""}`);
      return 0;
    }
    case "reboot":
      if (!rest[0]) throw new Error("usage: reboot HOST");
      console.log(await reboot(name, rest[0]));
      return 0;
    default:
      console.error("usage: cli.js up [--toolstack xm|xl|mixed] [--real-xen] | down | status | reboot HOST   (instance: XENHA_LAB)");
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => {
  console.error(e.message);
  process.exit(1);
});
