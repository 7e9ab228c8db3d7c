/**
 * The runbook stack through the offline runner on a lab of its own (`<XENHA_LAB>-bench`): a converge from the
 * runbook's starting point, no-op converges (what every later `up` costs), and live migrations back and forth
 * with the ping probe (toolstack wall time, downtime, lost pings). Figures go to docs/benchmarks.md by hand.
 *
 *   npm run bench [-- noops=3 migrations=6]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunResult } from "../provider/runner/engine";
import { seedTest01Image } from "../scripts/lab-seed";
import { spread } from "./timing";

const repo = path.resolve(__dirname, "..");
const name = `${process.env.XENHA_LAB ?? "default"}-bench`.slice(0, 32);
const env = { ...process.env, XENHA_LAB: name };
const arg = (k: string, d: number) => Number(process.argv.find((a) => a.startsWith(`${k}=`))?.split("=")[1] ?? d);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-bench-"));
const stateFile = path.join(work, "state.json");
const log = path.join(work, "runner.log");

function lab(cmd: string): void {
  const r = spawnSync(process.execPath, [path.join(repo, "build/lab/cli.js"), cmd], { env, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`lab ${cmd} failed`);
}

function runner(op: string, test01Host?: string): RunResult {
  const json = path.join(work, "result.json");
  const args = [path.join(repo, "dist/runner/cli.js"), op, "--cwd", path.join(repo, "examples", "runbook"), "--stack", "lab", "--state", stateFile, "--json", json, "--no-outputs"];
  if (test01Host) args.push("--config", `test01Host=${test01Host}`);
  const r = spawnSync(process.execPath, args, { cwd: repo, env, encoding: "utf8" });
  fs.appendFileSync(log, r.stdout + r.stderr);
  const result = JSON.parse(fs.readFileSync(json, "utf8")) as RunResult;
  if (!result.ok && op !== "destroy") throw new Error(`runner ${op} failed: ${result.errors.join("; ")} (log: ${log})`);
  return result;
}

const stats = (xs: number[]) => {
  if (xs.length === 0) return "-";
  const { min, median, max } = spread(xs);
  return `min ${min.toFixed(0)}  median ${median.toFixed(0)}  max ${max.toFixed(0)}  (n=${xs.length})`;
};

async function main(): Promise<void> {
  lab("up");
  try {
    await seedTest01Image(name);
    const fresh = runner("up", "node1");
    const noops = Array.from({ length: arg("noops", 3) }, () => runner("up", "node1"));
    if (noops.some((r) => r.steps.some((s) => s.op !== "same"))) throw new Error("a no-op converge changed something");
    const moves: { wall: number; downtime: number | null; lost: number | null; sent: number | null; run: number }[] = [];
    for (let i = 0; i < arg("migrations", 6); i++) {
      const r = runner("up", i % 2 === 0 ? "node2" : "node1");
      const m = JSON.parse(fs.readFileSync(stateFile, "utf8")).resources.find((x: { name: string }) => x.name === "runbook-test01-placement")
        .outputs.lastMigration as { wallMs: number; downtimeMs: number | null; packetsLost: number | null; packetsSent: number | null };
      moves.push({ wall: m.wallMs, downtime: m.downtimeMs, lost: m.packetsLost, sent: m.packetsSent, run: r.wallMs });
    }
    const perStep = new Map<string, number[]>();
    for (const r of noops) for (const s of r.steps) if (!s.type.startsWith("pulumi:")) perStep.set(s.name, [...(perStep.get(s.name) ?? []), s.ms]);
    const lines = [
      `runbook stack through the runner, lab "${name}" (xm), ${os.cpus().length} CPUs, ${new Date().toISOString()}`,
      `fresh converge (8 resources, test01 carried and started)   ${fresh.wallMs} ms`,
      `no-op converge, whole run (ms)                              ${stats(noops.map((r) => r.wallMs))}`,
      ...[...perStep].map(([n, ms]) => `  check+diff ${n.padEnd(40)} ${stats(ms)}`),
      `migration run, whole converge (ms)                          ${stats(moves.map((m) => m.run))}`,
      `xm migrate wall time (ms)                                   ${stats(moves.map((m) => m.wall))}`,
      `downtime: longest ping gap at 10 ms (ms)                    ${stats(moves.map((m) => m.downtime ?? NaN))}`,
      `pings lost per migration                                    ${stats(moves.map((m) => m.lost ?? NaN))} of ~${Math.round(moves.reduce((a, m) => a + (m.sent ?? 0), 0) / moves.length)} sent`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
    fs.rmSync(work, { recursive: true, force: true }); // kept after a failure, for its runner.log
  } finally {
    lab("down");
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
