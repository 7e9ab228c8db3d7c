/**
 * What driving a provider through the real dynamic-provider server costs: starting a server (with dist/ and
 * with sources transpiled into its folder), serializing a provider, and each RPC of an engine-like
 * create → same → refresh → update → delete, with the test-only Echo kind (no hosts involved). Also the
 * server process's resident memory afterwards.
 *
 *   npx tsx bench/provider-harness.ts [cycles=20]
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { makeProvider } from "../provider/core/provider";
import { ProviderServer } from "../test/support/provider-harness";
import { staleDistFiles } from "../test/support/provider-package";
import { summary, timed } from "./timing";

const cycles = Number(process.argv[2] ?? 20);

function serverRssKb(): number {
  const pids = execFileSync("pgrep", ["-P", String(process.pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  return pids.reduce((sum, pid) => {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return sum + (m ? Number(m[1]) : 0);
  }, 0);
}

async function main(): Promise<void> {
  const sources = staleDistFiles().length === 0 ? (["dist", "transpiled"] as const) : (["transpiled"] as const);
  for (const source of sources) {
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      let s: ProviderServer | undefined;
      starts.push(await timed(async () => (s = await ProviderServer.start({ source }))));
      await s!.stop();
    }
    console.log(summary(`start server (${source})`, starts));
  }

  const server = await ProviderServer.start();
  const echo = makeProvider("echo", "xenha-test-probes/echo");
  console.log(summary("serialize provider (first)", [await timed(() => server.serialize(echo))]));
  const steps: Record<string, number[]> = { "create (check+create)": [], "same (check+diff)": [], refresh: [], "update (check+diff+update)": [], delete: [] };
  for (let i = 0; i < cycles; i++) {
    const res = server.resource(echo);
    const inputs = { name: `b${i}`, path: "/srv/b" };
    steps["create (check+create)"].push(await timed(() => res.up(inputs)));
    steps["same (check+diff)"].push(await timed(() => res.up(inputs)));
    steps.refresh.push(await timed(() => res.refresh()));
    steps["update (check+diff+update)"].push(await timed(() => res.up({ ...inputs, size: 2 })));
    steps.delete.push(await timed(() => res.destroy()));
  }
  for (const [label, ms] of Object.entries(steps)) console.log(summary(label, ms));
  console.log(`server process RSS after ${cycles} cycles: ${(serverRssKb() / 1024).toFixed(0)} MiB`);
  await server.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
