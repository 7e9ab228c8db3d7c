/**
 * up / preview / destroy for one stack: load config and state, run the program in this process against the
 * RunnerMonitor, delete what the program no longer declares (dependents first), save state, summarise.
 * One operation per process: the SDK's runtime state is process-global.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadProject, loadStackConfig, stateFileFor, type Project } from "./config";
import { consoleLog, type RunnerLog } from "./log";
import { RunnerMonitor, shortType, symbol, type StepRecord } from "./monitor";
import { ProviderServer } from "./provider-client";
import { refreshResources } from "./refresh";
import { Redactor, SecretBox, UNKNOWN, isWireSecret } from "./secrets";
import { deletionOrder, dependenciesOf, loadState, saveState, sealState, unsealState, type Props, type ResourceState, type StateFile } from "./state";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings") as {
  setMockOptions(monitor: unknown, project?: string, stack?: string, preview?: boolean): void;
  waitForRPCs(): Promise<void>;
};
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { setAllConfig(c: Record<string, string>, secretKeys?: string[]): void };
const runtimeStack = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The SDK's wording for a registration the monitor refused: the monitor has reported those already. */
const REGISTRATION_FAILED = "failed to register new resource";

export type Operation = "up" | "preview" | "destroy" | "refresh";

/** The CLI's wording when `--expect-no-changes` meets changes (pkg/cmd/pulumi: up.go, refresh.go; preview.go). */
export const EXPECTED_NO_CHANGES = {
  applied: "no changes were expected but changes occurred",
  proposed: "no changes were expected but changes were proposed",
} as const;

export interface RunOptions {
  /** Folder holding Pulumi.yaml. */
  projectDir: string;
  stack: string;
  /** Override where the state lives (default: see stateFileFor). */
  stateFile?: string;
  /** Config overrides for this run ("key" or "project:key" → value), like `pulumi up --config`. */
  config?: Record<string, string>;
  log?: RunnerLog;
  env?: NodeJS.ProcessEnv;
  /** Print the stack outputs in the closing summary (default true). */
  printOutputs?: boolean;
  /** `up --refresh` / `preview --refresh`: refresh every resource of the state first (refresh itself always does). */
  refresh?: boolean;
  /** `--expect-no-changes`: any step other than "same" (a refresh's drift included) fails the run. */
  expectNoChanges?: boolean;
}

export interface RunResult {
  operation: Operation;
  ok: boolean;
  steps: StepRecord[];
  errors: string[];
  /** Stack outputs with every secret replaced by "[secret]". */
  outputs: Props;
  stateFile: string;
  wallMs: number;
}

interface Session {
  project: Project;
  stateFile: string;
  state: StateFile;
  box: SecretBox;
  redactor: Redactor;
  log: RunnerLog;
  config: Record<string, string>;
  server?: ProviderServer;
  provider(): Promise<ProviderServer>;
  persist(resources: Iterable<ResourceState>): void;
}

function openSession(opts: RunOptions): Session {
  const project = loadProject(path.resolve(opts.projectDir));
  const stackConfig = loadStackConfig(project, opts.stack);
  for (const [k, v] of Object.entries(opts.config ?? {})) stackConfig.values[k.includes(":") ? k : `${project.name}:${k}`] = v;
  const stateFile = opts.stateFile ?? stateFileFor(project, opts.stack);
  const sealed = loadState(stateFile, project.name, opts.stack);
  const { box, source } = SecretBox.open(stateFile, sealed.secrets, opts.env);
  const state = { ...unsealState(sealed, box), secrets: source };
  const redactor = new Redactor();
  for (const r of state.resources) for (const k of r.secretKeys ?? []) redactor.add([r.inputs[k], r.outputs[k]]);
  const log = opts.log ?? consoleLog(redactor);
  let starting: Promise<ProviderServer> | undefined;
  const session: Session = {
    project, stateFile, state, box, redactor, log, config: stackConfig.values,
    provider() {
      starting ??= ProviderServer.start({
        cwd: project.pwd, project: project.name, stack: opts.stack, config: stackConfig.values, env: opts.env,
        onLog: (line) => log.info(`    ${line}`),
      }).then((s) => (session.server = s));
      return starting;
    },
    persist(resources) {
      saveState(stateFile, sealState({ ...state, resources: [...resources] }, box));
    },
  };
  return session;
}

async function deleteResources(s: Session, victims: ResourceState[], current: Map<string, ResourceState>, steps: StepRecord[]): Promise<string[]> {
  const byUrn = new Map(victims.map((r) => [r.urn, r]));
  const errors: string[] = [];
  // What a resource that could not be deleted still needs stays too; independent resources are still deleted.
  const kept = new Set<string>();
  const keep = (urn: string) => {
    for (const k of dependenciesOf(victims, urn)) kept.add(k);
  };
  for (const urn of deletionOrder(victims)) {
    const r = byUrn.get(urn)!;
    const label = `${shortType(r.type)} ${r.name}`;
    const started = Date.now();
    if (kept.has(urn)) {
      s.log.info(`  (keeping ${label}: a resource that depends on it was not deleted)`);
      continue;
    }
    if (r.custom && !r.retainOnDelete) {
      if (r.protect) {
        errors.push(`${label}: protected; not deleted`);
        keep(urn);
        continue;
      }
      s.log.info(`  - ${label}: deleting…`);
      try {
        const server = await s.provider();
        await s.log.progress(`deleting ${label}`, () => server.delete(r.urn, r.id ?? "", r.outputs, r.inputs));
      } catch (e) {
        const msg = s.redactor.redact(e instanceof Error ? e.message : String(e));
        errors.push(`${label}: ${msg}`);
        s.log.error(`${label}: ${msg}`);
        steps.push({ urn, type: r.type, name: r.name, op: "failed", ms: Date.now() - started, detail: msg });
        keep(urn);
        continue;
      }
    }
    if (current.get(urn) === r) current.delete(urn);
    s.persist(current.values());
    if (r.custom) steps.push({ urn, type: r.type, name: r.name, op: "delete", ms: Date.now() - started });
    if (r.custom) s.log.info(`  - ${label}: deleted (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  return errors;
}

function loadProgram(main: string): unknown {
  if (/\.[cm]?ts$/.test(main) || !/\.[cm]?js$/.test(main)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("tsx/cjs/api").register();
    } catch {
      // Plain JavaScript programs need no loader; a TypeScript one then fails below with the module error.
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(main);
  return Object.getOwnPropertyDescriptor(mod, "default") !== undefined ? mod.default : mod;
}

function redactedOutputs(wire: Props): Props {
  const walk = (v: unknown): unknown => {
    if (isWireSecret(v)) return "[secret]";
    if (v === UNKNOWN) return "[unknown until up]";
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(wire) as Props;
}

export async function run(operation: Operation, opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const s = openSession(opts);
  const unlock = lockState(s.stateFile);
  try {
    return await runLocked(operation, opts, s, started);
  } finally {
    unlock();
  }
}

/** One run per state file at a time: a lock file beside it, naming the process that holds it. */
export function lockState(stateFile: string): () => void {
  const lock = `${stateFile}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  try {
    fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
  } catch {
    const pid = Number(fs.readFileSync(lock, "utf8").trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      // no such process: a lock left by a killed run
    }
    if (alive) throw new Error(`another run (pid ${pid}) is using ${stateFile}; wait for it to finish`);
    fs.writeFileSync(lock, `${process.pid}\n`);
  }
  return () => fs.rmSync(lock, { force: true });
}

async function runLocked(operation: Operation, opts: RunOptions, s: Session, started: number): Promise<RunResult> {
  const current = new Map(s.state.resources.map((r) => [r.urn, r]));
  const steps: StepRecord[] = [];
  const errors: string[] = [];
  let outputs: Props = {};
  s.log.info(`${operation} ${s.project.name}/${opts.stack} (state: ${path.relative(process.cwd(), s.stateFile) || s.stateFile})`);
  try {
    if (operation === "refresh" || (opts.refresh && operation !== "destroy")) {
      const refreshed = await refreshResources(s, current);
      steps.push(...refreshed.steps);
      errors.push(...refreshed.errors);
      // preview --refresh writes nothing, as the engine's preview never does
      if (operation !== "preview" && refreshed.errors.length === 0) s.persist(current.values());
    }
    // a refresh alone is done here; a failed refresh stops `up --refresh` before any change
    const act = operation !== "refresh" && errors.length === 0;
    if (act && operation === "destroy") {
      errors.push(...(await deleteResources(s, [...current.values()], current, steps)));
    } else if (act) {
      const preview = operation === "preview";
      const monitor = new RunnerMonitor({
        project: s.project.name, stack: opts.stack, preview,
        prior: new Map(current), current,
        provider: () => s.provider(), redactor: s.redactor, log: s.log,
        persist: () => (preview ? undefined : s.persist(current.values())),
      });
      runtimeConfig.setAllConfig(s.config, []);
      settings.setMockOptions(monitor, s.project.name, opts.stack, preview);
      let settled = false;
      // Outputs of a failed resource reject wherever the program did not observe them, possibly after the
      // program returned; the failure itself is already recorded by the monitor. The handler stays installed
      // for the life of the process (one operation per process), so such a late rejection never crashes it.
      // ...and Node's "rejection was handled asynchronously" warnings about those same outputs are noise.
      const warningListeners = process.listeners("warning");
      process.removeAllListeners("warning");
      process.on("warning", (w) => {
        if (w.name !== "PromiseRejectionHandledWarning") for (const l of warningListeners) l(w);
      });
      process.on("unhandledRejection", (e: unknown) => {
        if (settled) return;
        const msg = s.redactor.redact(e instanceof Error ? e.message : String(e));
        if (!msg.includes(REGISTRATION_FAILED)) errors.push(msg);
      });
      const cwd = process.cwd();
      process.chdir(s.project.pwd);
      try {
        await runtimeStack.runInPulumiStack(async () => {
          const exported = loadProgram(s.project.main);
          return typeof exported === "function" ? await exported() : exported;
        });
      } catch (e) {
        const msg = s.redactor.redact(e instanceof Error ? e.message : String(e));
        if (!msg.includes(REGISTRATION_FAILED)) errors.push(`program: ${msg}`);
      } finally {
        await settings.waitForRPCs().catch(() => undefined);
        process.chdir(cwd);
        settled = true;
      }
      steps.push(...monitor.steps);
      errors.unshift(...monitor.errors);
      outputs = redactedOutputs(monitor.stackOutputs);
      const stale = [...current.values()].filter((r) => !monitor.registered.has(r.urn) && !monitor.isClaimed(r.urn));
      if (preview) {
        for (const urn of deletionOrder(stale)) {
          const r = stale.find((x) => x.urn === urn)!;
          if (!r.custom) continue;
          s.log.info(`  - ${shortType(r.type)} ${r.name} (would delete)`);
          steps.push({ urn, type: r.type, name: r.name, op: "delete", ms: 0 });
        }
      } else if (errors.length === 0) {
        errors.push(...(await deleteResources(s, [...monitor.replaced, ...stale], current, steps)));
      } else if (stale.length > 0) {
        s.log.info(`  (not deleting ${stale.length} resource(s) the program no longer declares: the run had errors)`);
      }
    }
  } finally {
    await s.server?.stop();
  }
  if (opts.expectNoChanges && errors.length === 0 && steps.some((st) => isResourceStep(st) && st.op !== "same" && st.op !== "read")) {
    errors.push(operation === "preview" ? EXPECTED_NO_CHANGES.proposed : EXPECTED_NO_CHANGES.applied);
  }
  const result: RunResult = {
    operation, ok: errors.length === 0, steps, errors, outputs, stateFile: s.stateFile, wallMs: Date.now() - started,
  };
  s.log.info(summary(opts.printOutputs === false ? { ...result, outputs: {} } : result));
  return result;
}

/** A step of one of the program's resources (the root stack's own steps are neither counted nor a change). */
const isResourceStep = (st: StepRecord) => !st.type.startsWith("pulumi:pulumi:");

export function summary(r: RunResult): string {
  const refreshed = r.steps.filter((st) => st.phase === "refresh");
  const stepped = r.steps.filter((st) => st.phase !== "refresh" && isResourceStep(st));
  const verb = r.operation === "preview" ? "would be " : "";
  const past: Record<string, string> = {
    create: "created", update: "updated", replace: "replaced", delete: "deleted", read: "read", failed: "failed",
  };
  const count = (list: StepRecord[], word: (op: string) => string) => {
    const counts = new Map<string, number>();
    for (const st of list) counts.set(st.op, (counts.get(st.op) ?? 0) + 1);
    return [...counts].map(([op, n]) => `${n} ${word(op)}`).join(", ");
  };
  const refreshWord = (op: string) => ({ same: "unchanged", update: "drifted", delete: "gone", failed: "failed" })[op] ?? op;
  const parts: string[] = [];
  if (refreshed.length > 0 || r.operation === "refresh") parts.push(`refresh: ${count(refreshed, refreshWord) || "nothing"}`);
  if (r.operation !== "refresh") {
    parts.push(count(stepped, (op) => (op === "same" ? "unchanged" : op === "failed" ? "failed" : `${verb}${past[op]}`)) || "nothing");
  }
  const lines = [`${r.ok ? "done" : "FAILED"}: ${parts.join("; ")} in ${(r.wallMs / 1000).toFixed(1)} s`];
  for (const e of r.errors) lines.push(`  ${symbol("failed")} ${e}`);
  if (Object.keys(r.outputs).length > 0) lines.push(`outputs: ${JSON.stringify(r.outputs, null, 2)}`);
  return lines.join("\n");
}

