/**
 * npm run lab:up [-- --toolstack xm|xl|mixed] | lab:down | lab:status | node build/lab/cli.js reboot HOST
 * The instance is XENHA_LAB (default "default").
 */
import { down, reboot, status, up } from "./control";
import { labName } from "./paths";
import { parseToolstackChoice } from "./topology";

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const name = labName();
  switch (cmd) {
    case "up": {
      let ts: string | undefined = process.env.XENHA_LAB_TOOLSTACK;
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--toolstack") ts = rest[++i];
        else if (rest[i].startsWith("--toolstack=")) ts = rest[i].slice("--toolstack=".length);
        else throw new Error(`unknown argument ${rest[i]}`);
      }
      const r = await up(name, parseToolstackChoice(ts));
      console.log(r.message);
      console.log(await status(name));
      return 0;
    }
    case "down":
      console.log(await down(name));
      return 0;
    case "status":
      console.log(await status(name));
      return 0;
    case "reboot":
      if (!rest[0]) throw new Error("usage: reboot HOST");
      console.log(await reboot(name, rest[0]));
      return 0;
    default:
      console.error("usage: cli.js up [--toolstack xm|xl|mixed] | down | status | reboot HOST   (instance: XENHA_LAB)");
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => {
  console.error(e.message);
  process.exit(1);
});
