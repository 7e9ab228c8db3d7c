/**
 * `npm run demo`: the runbook on the lab, end to end.
 *   1. brings the lab up (instance XENHA_LAB, default "default");
 *   2. puts test01.img on node1's local /data, as the runbook found it;
 *   3. converges the runbook stack with test01 on node1 (export, mounts carrying the image onto the share,
 *      relocation, configs, test01 started);
 *   4. converges again with test01Host=node2: a live migration while observer pings the guest;
 *   5. prints what changed on which host, where test01 runs, and the migration's figures.
 * With a `pulumi` CLI on PATH it uses `pulumi up` with the local file backend (XENHA_DEMO_RUNNER=1 forces the
 * runner); without one, the offline runner (docs/runner.md).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadInventory } from "../lab/inventory";
import type { RunResult } from "../provider/runner/engine";
import { migrationLine, runSection, type LastMigrationOut } from "./demo-summary";
import { seedTest01Image } from "./lab-seed";

const repo = path.resolve(__dirname, "..");
// The example is a Pulumi project of its own: the engine (and the runner) run it and its providers from there.
const project = path.join(repo, "examples", "runbook");
const lab = process.env.XENHA_LAB ?? "default";
const env: NodeJS.ProcessEnv = { ...process.env, XENHA_LAB: lab };
const hosts = ["nfs", "node1", "node2", "observer"];
const say = (s: string) => process.stdout.write(`\n== ${s}\n`);

function run(cmd: string, args: string[], opts: { capture?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { cwd: project, env, stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
  return r.stdout ?? "";
}

const hasPulumiCli = () => process.env.XENHA_DEMO_RUNNER !== "1" && spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;

/** The runner's state belongs to one lab instance: a state left by an earlier lab describes hosts that are gone. */
function stateFor(createdAt: string): string {
  const file = path.join(project, ".pulumi-state", "xenha-runner", "xen-ha-runbook", `lab-${lab}.json`);
  const stamp = `${file}.lab-created`;
  if (fs.existsSync(file) && (!fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== createdAt)) {
    const aside = `${file}.stale-${Date.now()}`;
    fs.renameSync(file, aside);
    process.stdout.write(`(state from an earlier lab moved to ${path.relative(repo, aside)})\n`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(stamp, createdAt);
  return file;
}

function runnerUp(stateFile: string, test01Host: string): RunResult {
  const json = path.join(os.tmpdir(), `xenha-demo-${process.pid}-${test01Host}.json`);
  const cli = path.join(repo, "dist", "runner", "cli.js");
  spawnSync(process.execPath, [cli, "up", "--cwd", project, "--stack", "lab", "--state", stateFile, "--config", `test01Host=${test01Host}`, "--json", json, "--no-outputs"], {
    cwd: project, env, stdio: "inherit",
  });
  if (!fs.existsSync(json)) throw new Error("the runner ended without a result");
  const result = JSON.parse(fs.readFileSync(json, "utf8")) as RunResult;
  fs.rmSync(json);
  return result;
}

function pulumiUp(test01Host: string): Pick<RunResult, "steps" | "wallMs" | "ok" | "errors" | "outputs"> {
  const started = Date.now();
  run("pulumi", ["config", "set", "--stack", "lab", "test01Host", test01Host]);
  const ok = spawnSync("pulumi", ["up", "--yes", "--skip-preview", "--stack", "lab"], { cwd: project, env, stdio: "inherit" }).status === 0;
  const outputs = JSON.parse(run("pulumi", ["stack", "output", "--json", "--stack", "lab"], { capture: true }) || "{}");
  return { steps: [], wallMs: Date.now() - started, ok, errors: ok ? [] : ["pulumi up failed (see above)"], outputs };
}

async function main(): Promise<number> {
  const started = Date.now();
  say(`lab "${lab}" up`);
  // The demo keeps its instance between runs; the test suites never use it (test/support/lab-start.js).
  process.env.XENHA_LAB = lab;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const start = require(path.join(repo, "test", "support", "lab-start.js")) as { keepOrStart(name: string, toolstack: string): Promise<{ message: string }> };
  process.stdout.write(`${(await start.keepOrStart(lab, process.env.XENHA_LAB_TOOLSTACK || "xm")).message}\n`);
  run(process.execPath, [path.join(repo, "build", "lab", "cli.js"), "status"]);
  const inv = loadInventory(lab);
  process.stdout.write(`node1: ${await seedTest01Image(lab)}\n`);
  const cli = hasPulumiCli();
  let converge: (host: string) => Pick<RunResult, "steps" | "wallMs" | "ok" | "errors" | "outputs">;
  if (cli) {
    env.PULUMI_CONFIG_PASSPHRASE ??= "";
    run("pulumi", ["login", `file://${path.join(project, ".pulumi-state")}`]);
    spawnSync("pulumi", ["stack", "select", "--create", "lab"], { cwd: project, env, stdio: "inherit" });
    converge = pulumiUp;
  } else {
    const stateFile = stateFor(inv.createdAt);
    converge = (host) => runnerUp(stateFile, host);
    process.stdout.write(`(no pulumi CLI: using the offline runner, state ${path.relative(repo, stateFile)})\n`);
  }

  say("1) converge the runbook stack: test01 on node1");
  const first = converge("node1");
  if (!first.ok) return report([["1) test01Host=node1", first]], started, inv.toolstack);
  say("2) test01Host=node2: live migration while observer pings test01");
  const second = converge("node2");
  return report([["1) test01Host=node1", first], ["2) test01Host=node2", second]], started, inv.toolstack);
}

function report(runs: [string, Pick<RunResult, "steps" | "wallMs" | "ok" | "errors" | "outputs">][], started: number, toolstack: string): number {
  // A failed run has no outputs: report the last run that has them.
  const last = [...runs].reverse().find(([, r]) => Object.keys(r.outputs).length > 0)?.[1] ?? runs[runs.length - 1]![1];
  const lines = ["", `== summary (lab "${lab}", toolstack ${toolstack})`];
  let previous = "null";
  for (const [title, r] of runs) {
    lines.push(...runSection(title, r, hosts));
    const placement = JSON.stringify(r.outputs.lastMigration ?? null);
    if (placement !== previous && r.outputs.lastMigration) lines.push(`   test01: ${migrationLine(r.outputs.lastMigration as LastMigrationOut)}`);
    previous = placement;
  }
  lines.push(`test01 runs on: ${String(last.outputs.test01Host ?? "unknown")}`);
  lines.push(`demo wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  lines.push(`(lab stays up: XENHA_LAB=${lab} npm run lab:down)`);
  process.stdout.write(lines.join("\n") + "\n");
  return runs.every(([, r]) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
