/**
 * The runner's state: one JSON file per stack, written atomically after every step so an interrupted run
 * keeps track of what it changed. Secret values are sealed (see secrets.ts) at top-level property
 * granularity, as the engine lifts secretness to top-level outputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isSealed, type KeySource, type SecretBox } from "./secrets";

export type Props = Record<string, unknown>;

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  id?: string;
  /** Checked inputs (custom) or nothing (components). Secret top-level keys are sealed. */
  inputs: Props;
  /** Provider outputs (custom, including `__provider`) or registered outputs (components). */
  outputs: Props;
  /** Top-level keys of inputs and outputs that are secret: sealed in the file, plaintext only in memory. */
  secretKeys?: string[];
  /** Every resource this one depends on: dependsOn, Output dependencies (parents are in `parent`). */
  dependencies: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  /** A provider's partial failure: the next `up` updates the resource even if its diff is empty. */
  initErrors?: string[];
}

export interface StateFile {
  version: 1;
  project: string;
  stack: string;
  secrets?: KeySource;
  updated?: string;
  resources: ResourceState[];
}

export function emptyState(project: string, stack: string): StateFile {
  return { version: 1, project, stack, resources: [] };
}

export function loadState(file: string, project: string, stack: string): StateFile {
  if (!fs.existsSync(file)) return emptyState(project, stack);
  const s = JSON.parse(fs.readFileSync(file, "utf8")) as StateFile;
  if (s.version !== 1) throw new Error(`${file}: unsupported runner state version ${String(s.version)}`);
  return withEngineUrns(s);
}

/**
 * Earlier runners put the root stack's type in front of its children's types; the engine never does. Rewriting
 * those URNs when a state is read keeps every resource the same one (a changed URN would be a delete and a
 * create on the hosts).
 */
export function withEngineUrns(s: StateFile): StateFile {
  const fix = (urn: string | undefined): string | undefined => urn?.replace(/::pulumi:pulumi:Stack\$/, "::");
  return {
    ...s,
    resources: s.resources.map((r) => ({
      ...r,
      urn: fix(r.urn)!,
      parent: fix(r.parent),
      dependencies: (r.dependencies ?? []).map((d) => fix(d)!),
    })),
  };
}

/** The state as written: secret keys sealed. `resources` in memory hold plaintext. */
export function sealState(state: StateFile, box: SecretBox): StateFile {
  return {
    ...state,
    resources: state.resources.map((r) => ({
      ...r,
      inputs: sealKeys(r.inputs, r.secretKeys ?? [], box),
      outputs: sealKeys(r.outputs, r.secretKeys ?? [], box),
    })),
  };
}

/** The reverse of sealState. */
export function unsealState(state: StateFile, box: SecretBox): StateFile {
  return {
    ...state,
    resources: state.resources.map((r) => {
      const i = unsealProps(r.inputs, box);
      const o = unsealProps(r.outputs, box);
      const keys = [...new Set([...(r.secretKeys ?? []), ...i.secretKeys, ...o.secretKeys])];
      return { ...r, inputs: i.plain, outputs: o.plain, secretKeys: keys };
    }),
  };
}

export function saveState(file: string, state: StateFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ ...state, updated: new Date().toISOString() }, null, 2) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Seals the listed top-level keys. */
export function sealKeys(props: Props, secretKeys: Iterable<string>, box: SecretBox): Props {
  const keys = new Set(secretKeys);
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, keys.has(k) && v !== undefined && !isSealed(v) ? box.seal(v) : v]),
  );
}

/** Opens every sealed top-level value; returns the plaintext props and the keys that were secret. */
export function unsealProps(props: Props, box: SecretBox): { plain: Props; secretKeys: string[] } {
  const secretKeys: string[] = [];
  const plain = Object.fromEntries(
    Object.entries(props).map(([k, v]) => {
      if (!isSealed(v)) return [k, v];
      secretKeys.push(k);
      return [k, box.unseal(v)];
    }),
  );
  return { plain, secretKeys };
}

/**
 * Order in which to delete: a resource goes before everything it depends on and before its parent, so
 * dependents are removed first (the reverse of creation). Ties keep the state's order, reversed.
 * Dependencies on resources outside the given set are ignored.
 */
export function deletionOrder(resources: readonly Pick<ResourceState, "urn" | "parent" | "dependencies">[]): string[] {
  const inSet = new Set(resources.map((r) => r.urn));
  // edges: r must be deleted before each of deps(r)
  const blockers = new Map<string, Set<string>>(); // urn -> resources that must be deleted before it
  for (const r of resources) blockers.set(r.urn, new Set());
  for (const r of resources) {
    for (const d of [...r.dependencies, ...(r.parent ? [r.parent] : [])]) {
      if (inSet.has(d) && d !== r.urn) blockers.get(d)!.add(r.urn);
    }
  }
  const order: string[] = [];
  const done = new Set<string>();
  const pending = [...resources].reverse().map((r) => r.urn);
  while (pending.length > 0) {
    const i = pending.findIndex((u) => [...blockers.get(u)!].every((b) => done.has(b)));
    if (i < 0) throw new Error(`dependency cycle among: ${pending.join(", ")}`);
    const [u] = pending.splice(i, 1);
    order.push(u!);
    done.add(u!);
  }
  return order;
}

/** Everything `urn` depends on, directly or through others (dependencies and parents), within the set. */
export function dependenciesOf(resources: readonly Pick<ResourceState, "urn" | "parent" | "dependencies">[], urn: string): Set<string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const out = new Set<string>();
  const todo = [urn];
  while (todo.length > 0) {
    const r = byUrn.get(todo.pop()!);
    for (const d of [...(r?.dependencies ?? []), ...(r?.parent ? [r.parent] : [])]) {
      if (!out.has(d) && byUrn.has(d)) {
        out.add(d);
        todo.push(d);
      }
    }
  }
  return out;
}

export type StepKind = "create" | "same" | "update" | "replace";

/**
 * The engine's decision for a registered custom resource, from the prior state and the provider's diff.
 * A diff of "unknown" falls back to comparing inputs without `__provider` (which changes with every code edit).
 * A type is never compared: a prior entry is found under the same URN (which holds the type) or under an
 * alias, which may name another type, and then the engine too goes by the provider's diff alone.
 */
export function decideStep(
  old: Pick<ResourceState, "inputs" | "initErrors"> | undefined,
  checkedInputs: Props,
  diff: { changes: "none" | "some" | "unknown"; replaces: string[] } | undefined,
): StepKind {
  if (!old) return "create";
  if (!diff) throw new Error("decideStep needs the provider's diff for an existing resource");
  if (diff.replaces.length > 0) return "replace";
  if (old.initErrors && old.initErrors.length > 0) return "update";
  if (diff.changes === "some") return "update";
  if (diff.changes === "none") return "same";
  return sameInputs(old.inputs, checkedInputs) ? "same" : "update";
}

export function sameInputs(a: Props, b: Props): boolean {
  return changedProperties(a, b).length === 0;
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Props)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Top-level properties whose values differ (`__provider`, the provider's code, left out): what a diff names. */
export function changedProperties(a: Props, b: Props): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete("__provider");
  return [...keys].filter((k) => stableJson(a[k]) !== stableJson(b[k])).sort();
}
