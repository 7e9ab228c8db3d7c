/**
 * A minimal in-process engine: the SDK's resource monitor interface (the same seam `pulumi.runtime.setMocks`
 * uses), where every registered dynamic resource goes through the real dynamic-provider server with the
 * engine's step logic: Check, then Diff against the prior state, then Create / Update / replace, or nothing.
 * The SDK resolves a resource's URN and outputs only when this monitor answers, so dependsOn and Output
 * dependencies order the steps exactly as they order the engine's.
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { RunnerLog } from "./log";
import { ProviderError, type ProviderServer } from "./provider-client";
import { containsWireSecret, unwrapSecrets, wireSecret, type Redactor } from "./secrets";
import { changedProperties, decideStep, type Props, type ResourceState, type StepKind } from "./state";
import { makeUrn, urnName } from "./urn";
import { aliasUrns, type AliasGoal, type AliasSpec } from "./aliases";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require("node:path").dirname(require.resolve("@pulumi/pulumi/package.json"))] }),
);
/* eslint-enable @typescript-eslint/no-require-imports */

export interface StepRecord {
  urn: string;
  type: string;
  name: string;
  op: StepKind | "delete" | "read" | "failed";
  ms: number;
  detail?: string;
  /** The properties an update or replace changes, or a refresh found drifted (docs/runner.md says from where). */
  properties?: string[];
  /** "refresh" for the steps of a refresh (alone, or in front of `up --refresh`). */
  phase?: "refresh";
}

export interface MonitorContext {
  project: string;
  stack: string;
  preview: boolean;
  /** Plaintext prior state, by URN. */
  prior: ReadonlyMap<string, ResourceState>;
  /** The state being built: starts as the prior state; steps replace entries in place. */
  current: Map<string, ResourceState>;
  provider(): Promise<ProviderServer>;
  redactor: Redactor;
  log: RunnerLog;
  persist(): void;
}

export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";

/**
 * What the engine does with a resource option, where the runner does not do the same: it refuses instead of
 * doing something else (an ignored alias once made a renamed mount be created anew and the old one deleted).
 * `null` when the runner follows the engine for this request.
 */
export function unsupportedOption(req: {
  importId: string; replaceOnChanges: string[]; ignoreChanges: string[]; deleteBeforeReplaceDefined: boolean; deleteBeforeReplace: boolean;
}): string | null {
  if (req.importId) {
    // the engine's ImportStep sends Read with no inputs: the dynamic-provider server has no __provider
    return "the `import` option does not work for dynamic providers: the engine reads the resource with no inputs, so the provider " +
      "code is missing (pulumi/pulumi#3550). Use the resource class's get(name, id, args) to adopt an existing host object";
  }
  if (req.replaceOnChanges.length > 0) return "the offline runner does not support `replaceOnChanges`; use the pulumi CLI";
  const nested = req.ignoreChanges.filter((p) => /[.[\]*"]/.test(p));
  if (nested.length > 0) return `the offline runner supports top-level \`ignoreChanges\` names only, not property paths (${nested.join(", ")}); use the pulumi CLI`;
  if (req.deleteBeforeReplaceDefined && !req.deleteBeforeReplace) {
    return "the offline runner does not support `deleteBeforeReplace: false` (the engine would create the replacement first even when the " +
      "provider asks to delete first); use the pulumi CLI";
  }
  return null;
}

/** Human-readable type: `pulumi-nodejs:dynamic:NfsExport` → NfsExport. */
export function shortType(type: string): string {
  return type.startsWith(DYNAMIC_TYPE_PREFIX) ? type.split(":").pop()! : type;
}

export class RunnerMonitor extends MockMonitor {
  readonly registered = new Set<string>();
  readonly steps: StepRecord[] = [];
  readonly errors: string[] = [];
  /** Resources replaced create-before-delete: their old copies are deleted after the program. */
  readonly replaced: ResourceState[] = [];
  stackOutputs: Props = {};
  /** Resources found under an alias: new URN → the old URN they were found under (the engine's sg.aliases). */
  private readonly foundUnder = new Map<string, string>();
  /** The other way round: an old URN → the resource that claimed it (sg.aliased). */
  private readonly claimedBy = new Map<string, string>();

  constructor(private readonly ctx: MonitorContext) {
    super({
      call: (args) => {
        throw new Error(`the runner does not support provider functions (invoke ${args.token})`);
      },
      newResource: () => {
        throw new Error("unreachable: the runner registers resources itself");
      },
    });
  }

  override async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string | undefined = req.getParent() || undefined;
    const urn = makeUrn(this.ctx.stack, this.ctx.project, parent, type, name);
    const started = Date.now();
    try {
      if (this.registered.has(urn)) throw new Error(`duplicate resource URN ${urn}`);
      this.registered.add(urn);
      const wire: Props = req.getObject()?.toJavaScript() ?? {};
      const dependencies: string[] = [...new Set<string>(req.getDependenciesList())];
      const prior = this.findPrior(urn, { stack: this.ctx.stack, project: this.ctx.project, type, name, parent, aliases: aliasSpecs(req) });
      if (!req.getCustom()) {
        this.takeOver(urn);
        this.ctx.current.set(urn, {
          urn, type, name, custom: false, parent, inputs: {}, outputs: prior?.outputs ?? {}, dependencies,
          secretKeys: prior?.secretKeys,
        });
        callback(null, this.response(urn, "", {}, new Set()));
        return;
      }
      if (!type.startsWith(DYNAMIC_TYPE_PREFIX)) {
        throw new Error(`${type} is not a dynamic resource: the runner only runs dynamic providers`);
      }
      const refusal = unsupportedOption({
        importId: req.getImportid() ?? "",
        replaceOnChanges: req.getReplaceonchangesList() ?? [],
        ignoreChanges: req.getIgnorechangesList() ?? [],
        deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined() === true,
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
      });
      if (refusal) throw new Error(refusal);
      const result = await this.step(urn, type, name, parent, wire, dependencies, req, prior);
      this.steps.push({ urn, type, name, op: result.op, ms: Date.now() - started, ...(result.properties ? { properties: result.properties } : {}) });
      callback(null, this.response(urn, result.id, result.outputs, result.secretKeys));
    } catch (e) {
      const msg = this.ctx.redactor.redact(e instanceof Error ? e.message : String(e));
      this.steps.push({ urn, type, name, op: "failed", ms: Date.now() - started, detail: msg });
      this.errors.push(`${shortType(type)} ${name}: ${msg}`);
      this.ctx.log.error(`${shortType(type)} ${name}: ${msg}`);
      callback(Object.assign(new Error(msg), { code: 2 }), undefined);
    }
  }

  /**
   * The prior state of a registration: under its URN, else under the first of its aliases that the prior
   * state holds (generateSteps: "Check the URN first, then aliases"). The old entry is claimed (never
   * deleted as stale) and stays as it is until the resource's step records its new state (takeOver).
   */
  private findPrior(urn: string, goal: AliasGoal): ResourceState | undefined {
    const { prior } = this.ctx;
    const earlier = this.claimedBy.get(urn);
    if (earlier) throw new Error(`${urn} is registered, but ${earlier} already claimed it as an alias (duplicate resource alias)`);
    if (prior.has(urn)) return prior.get(urn);
    const via = aliasUrns(goal, this.foundUnder).find((u) => prior.has(u));
    if (!via) return undefined;
    if (this.registered.has(via)) throw new Error(`its alias ${via} is a resource registered in this run (duplicate resource alias)`);
    const other = this.claimedBy.get(via);
    if (other) throw new Error(`its alias ${via} was already claimed by ${other} (duplicate resource alias)`);
    this.claimedBy.set(via, urn);
    this.foundUnder.set(urn, via);
    this.ctx.log.info(`  = ${shortType(goal.type)} ${goal.name}: the resource ${urnName(via)} under a new name (alias ${via})`);
    return prior.get(via);
  }

  /** Whether an old URN was claimed by a resource registered under a new one: it is not stale. */
  isClaimed(oldUrn: string): boolean {
    return this.claimedBy.has(oldUrn);
  }

  /**
   * A resource found under an alias takes the old entry's place when its new state is recorded: the old URN
   * leaves the state and every parent or dependency reference to it follows, as the engine's snapshot does.
   * Until then (a failed Check, a failed create) the state keeps the old entry as it was.
   */
  private takeOver(urn: string): void {
    const via = this.foundUnder.get(urn);
    const { current } = this.ctx;
    if (!via || !current.has(via)) return;
    current.delete(via);
    for (const [k, r] of current) {
      if (r.parent === via || r.dependencies.includes(via)) {
        current.set(k, { ...r, parent: r.parent === via ? urn : r.parent, dependencies: r.dependencies.map((d) => (d === via ? urn : d)) });
      }
    }
  }

  private async step(
    urn: string, type: string, name: string, parent: string | undefined, wire: Props, dependencies: string[], req: any,
    old: ResourceState | undefined,
  ): Promise<{ op: StepKind; id: string; outputs: Props; secretKeys: Set<string>; properties?: string[] }> {
    const { ctx } = this;
    const secretKeys = new Set<string>(Object.keys(wire).filter((k) => containsWireSecret(wire[k])));
    for (const k of req.getAdditionalsecretoutputsList() as string[]) secretKeys.add(k);
    for (const k of secretKeys) ctx.redactor.add(unwrapSecrets(wire[k]));
    const news = unwrapSecrets(wire) as Props;
    for (const k of req.getIgnorechangesList() as string[]) {
      if (old && k in old.inputs) news[k] = old.inputs[k];
    }
    const label = `${shortType(type)} ${name}`;
    const server = await ctx.provider();
    const checked = await server.check(urn, old?.inputs ?? {}, news);
    if (checked.failures.length > 0) {
      throw new Error(`invalid inputs: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    }
    const inputs = checked.inputs;
    const diff = old ? await server.diff(urn, old.id ?? "", old.outputs, inputs, old.inputs) : undefined;
    const op = decideStep(old, inputs, diff);
    // The server passes no per-property list from a dynamic provider's diff: the names are the inputs that differ.
    const properties = old && (op === "update" || op === "replace") ? changedProperties(old.inputs, inputs) : undefined;
    const changing = properties?.length ? ` [${properties.join(", ")}]` : "";
    const record = (id: string | undefined, outputs: Props, initErrors?: string[]) => {
      this.takeOver(urn);
      const keys = new Set([...secretKeys, ...(req.getAdditionalsecretoutputsList() as string[])]);
      ctx.current.set(urn, {
        urn, type, name, custom: true, parent, id, inputs, outputs, dependencies,
        secretKeys: [...keys].filter((k) => k in inputs || k in outputs),
        protect: req.getProtect() || undefined,
        retainOnDelete: req.getRetainondelete() || undefined,
        deleteBeforeReplace: req.getDeletebeforereplace() || undefined,
        initErrors,
      });
      ctx.persist();
    };
    if (ctx.preview) {
      ctx.log.info(`  ${symbol(op)} ${label}${op === "same" ? "" : ` (would ${op})${changing}`}`);
      return { op, id: old?.id ?? "", outputs: op === "same" ? old!.outputs : inputs, secretKeys, properties };
    }
    if (op === "same") {
      this.takeOver(urn);
      ctx.current.set(urn, { ...old!, urn, type, name, inputs, dependencies, parent });
      ctx.persist();
      return { op, id: old!.id ?? "", outputs: old!.outputs, secretKeys };
    }
    ctx.log.info(`  ${symbol(op)} ${label}: ${op === "create" ? "creating" : op === "update" ? "updating" : "replacing"}…${changing}`);
    const started = Date.now();
    let id: string;
    let outputs: Props;
    try {
      if (op === "update") {
        id = old!.id ?? "";
        outputs = await ctx.log.progress(`updating ${label}`, () => server.update(urn, id, old!.outputs, inputs, old!.inputs));
      } else {
        if (op === "replace") {
          if (old!.protect) throw new Error("it is protected and its change requires a replacement");
          if (diff?.deleteBeforeReplace || req.getDeletebeforereplace()) {
            await ctx.log.progress(`deleting ${label} before replacing it`, () =>
              server.delete(urn, old!.id ?? "", old!.outputs, old!.inputs));
            this.takeOver(urn);
            ctx.current.delete(urn);
            ctx.persist();
          } else {
            this.replaced.push(old!);
          }
        }
        const created = await ctx.log.progress(`creating ${label}`, () => server.create(urn, inputs));
        id = created.id;
        outputs = created.outputs;
      }
    } catch (e) {
      if (e instanceof ProviderError && e.initFailed) {
        // The provider changed the host but could not finish: keep what it reported, as the engine does.
        record(e.initFailed.id, e.initFailed.properties, e.initFailed.reasons);
      }
      throw e;
    }
    record(id, outputs);
    ctx.log.info(`  ${symbol(op)} ${label}: ${op}d (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { op, id, outputs, secretKeys, properties };
  }

  override async readResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string | undefined = req.getParent() || undefined;
    const urn = makeUrn(this.ctx.stack, this.ctx.project, parent, type, name);
    try {
      this.registered.add(urn);
      const wire: Props = req.getProperties()?.toJavaScript() ?? {};
      // as the engine: an output is secret where the input of the same name was, and by additionalSecretOutputs
      const secretKeys = new Set<string>(Object.keys(wire).filter((k) => containsWireSecret(wire[k])));
      for (const k of req.getAdditionalsecretoutputsList() as string[]) secretKeys.add(k);
      for (const k of secretKeys) this.ctx.redactor.add(unwrapSecrets(wire[k]));
      const props = unwrapSecrets(wire) as Props;
      const server = await this.ctx.provider();
      const read = await server.read(urn, req.getId(), props, props);
      for (const k of secretKeys) if (k in read.outputs) this.ctx.redactor.add(read.outputs[k]);
      this.steps.push({ urn, type, name, op: "read", ms: 0 });
      const resp = new resproto.ReadResourceResponse();
      resp.setUrn(urn);
      const marked = Object.fromEntries(Object.entries(read.outputs).map(([k, v]) => [k, secretKeys.has(k) ? wireSecret(v) : v]));
      resp.setProperties(Struct.fromJavaScript(marked));
      callback(null, resp);
    } catch (e) {
      const msg = this.ctx.redactor.redact(e instanceof Error ? e.message : String(e));
      this.errors.push(`read ${shortType(type)} ${name}: ${msg}`);
      callback(Object.assign(new Error(msg), { code: 2 }), undefined);
    }
  }

  override registerResourceOutputs(req: any, callback: (err: any, resp: any) => void): void {
    const urn: string = req.getUrn();
    const wire: Props = req.getOutputs()?.toJavaScript() ?? {};
    const secretKeys = Object.keys(wire).filter((k) => containsWireSecret(wire[k]));
    for (const k of secretKeys) this.ctx.redactor.add(unwrapSecrets(wire[k]));
    const outputs = unwrapSecrets(wire) as Props;
    const entry = this.ctx.current.get(urn);
    if (entry) {
      this.ctx.current.set(urn, { ...entry, outputs, secretKeys });
      if (!this.ctx.preview) this.ctx.persist();
    }
    if (entry?.type === "pulumi:pulumi:Stack") this.stackOutputs = wire;
    callback(null, {});
  }

  private response(urn: string, id: string, outputs: Props, secretKeys: Set<string>): unknown {
    const wire = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, secretKeys.has(k) ? wireSecret(v) : v]));
    const resp = new resproto.RegisterResourceResponse();
    resp.setUrn(urn);
    resp.setId(id);
    resp.setObject(Struct.fromJavaScript(wire));
    return resp;
  }
}

export function symbol(op: StepRecord["op"]): string {
  return { create: "+", update: "~", replace: "+-", same: " ", delete: "-", read: ">", failed: "!" }[op];
}

/** The aliases of a registration, from either field the SDK may fill (structured specs, or URNs only). */
function aliasSpecs(req: any): AliasSpec[] {
  const out: AliasSpec[] = (req.getAliasurnsList() as string[] ?? []).map((urn) => ({ urn }));
  for (const a of req.getAliasesList() ?? []) {
    if (!a.hasSpec()) {
      out.push({ urn: a.getUrn() });
      continue;
    }
    const sp = a.getSpec();
    out.push({ name: sp.getName(), type: sp.getType(), stack: sp.getStack(), project: sp.getProject(), parentUrn: sp.getParenturn(), noParent: sp.getNoparent() });
  }
  return out;
}
