#!/usr/bin/env node
/**
 * xen-ha offline runner: `node dist/runner/cli.js <up|preview|refresh|destroy> [--stack NAME] [--cwd DIR]
 * [--state FILE] [--json FILE] [--refresh] [--expect-no-changes]`. Runs a Pulumi TypeScript/JavaScript program of dynamic resources without
 * the pulumi CLI; see docs/runner.md for what it is and is not.
 */
import * as fs from "node:fs";
import { run, type Operation } from "./engine";

const USAGE =
  "usage: runner <up|preview|refresh|destroy> [--stack NAME] [--cwd DIR] [--state FILE] [--json FILE] [--config KEY=VALUE]... " +
  "[--refresh] [--expect-no-changes] [--yes] [--skip-preview] [--diff] [--no-outputs]";

/** What the pulumi CLI exits with when an operation fails (an expect-no-changes failure included). */
export const EXIT_FAILED = 255;

/**
 * Flags without a value. `--yes` and `--skip-preview` are what pipelines pass to `pulumi up`; the runner never
 * asks and never previews before an up, so they change nothing. `--diff`: the changed property names are always
 * shown.
 */
const SWITCHES = ["--no-outputs", "--refresh", "--expect-no-changes", "--yes", "--skip-preview", "--diff"] as const;
/** Which operations take which switch, as the CLI's commands do (refresh always refreshes; destroy takes none of these). */
const TAKES: Record<string, readonly string[]> = {
  up: SWITCHES,
  preview: ["--no-outputs", "--refresh", "--expect-no-changes", "--diff"],
  refresh: ["--no-outputs", "--expect-no-changes", "--yes", "--skip-preview"],
  destroy: ["--no-outputs", "--yes", "--skip-preview"],
};

export interface CliArgs {
  op: Operation;
  stack: string;
  cwd: string;
  state?: string;
  json?: string;
  /** Like `pulumi up --config k=v`: overrides the stack file for this run only. */
  config: Record<string, string>;
  /** Leave the stack outputs out of the closing summary (they are still in the state and --json file). */
  noOutputs: boolean;
  refresh: boolean;
  expectNoChanges: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const [op, ...args] = argv;
  let rest = args;
  if (op !== "up" && op !== "preview" && op !== "destroy" && op !== "refresh") throw new Error(USAGE);
  const opts: Record<string, string> = {};
  const config: Record<string, string> = {};
  const given = new Set(rest.filter((a) => (SWITCHES as readonly string[]).includes(a)));
  for (const flag of given) if (!TAKES[op]!.includes(flag)) throw new Error(`${op} does not take ${flag}\n${USAGE}`);
  rest = rest.filter((a) => !given.has(a));
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    const v = rest[i + 1];
    if (v === undefined || !["--stack", "--cwd", "--state", "--json", "--config"].includes(k ?? "")) throw new Error(USAGE);
    if (k === "--config") {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new Error(`--config wants KEY=VALUE, got "${v}"`);
      config[v.slice(0, eq)] = v.slice(eq + 1);
    } else {
      opts[k!.slice(2)] = v;
    }
  }
  return {
    op, stack: opts.stack ?? env.PULUMI_STACK ?? "dev", cwd: opts.cwd ?? process.cwd(), state: opts.state, json: opts.json, config,
    noOutputs: given.has("--no-outputs"), refresh: given.has("--refresh"), expectNoChanges: given.has("--expect-no-changes"),
  };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const result = await run(args.op, {
    projectDir: args.cwd, stack: args.stack, stateFile: args.state, config: args.config, printOutputs: !args.noOutputs,
    refresh: args.refresh, expectNoChanges: args.expectNoChanges,
  });
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
  return result.ok ? 0 : EXIT_FAILED;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`runner: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(EXIT_FAILED);
    },
  );
}
