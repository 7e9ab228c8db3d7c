import type { z } from "zod";
import { PROVIDER_KEY } from "./provider-key";

/** What a resource's pure `diff` returns. The engine honours changes, replaces and deleteBeforeReplace. */
export interface DiffResult {
  /** Always explicit: left undefined, the engine would compare inputs itself, `__provider` included. */
  changes: boolean;
  /** Top-level properties whose change forces a replacement (empty: an update will do). */
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Every changed property path, for logs and tests (the dynamic-provider server does not forward it). */
  diffs: string[];
}

export const NO_CHANGES: DiffResult = Object.freeze({
  changes: false,
  replaces: [],
  deleteBeforeReplace: false,
  diffs: [],
}) as DiffResult;

export interface FieldDiffSpec {
  /** Paths compared for an update: top-level input names or dotted paths (`connection.port`). */
  fields: readonly string[];
  /** Paths whose change means replace, e.g. `connection.host` (another host is another resource) or `path`. */
  replaceOn?: readonly string[];
  /** Delete the old one first (it holds something the new one needs, e.g. the same file or mount point). */
  deleteBeforeReplace?: boolean;
  /** Paths never compared, e.g. a setting that only matters while an operation runs. */
  ignore?: readonly string[];
}

/**
 * The standard diff: compares `news` (checked inputs) with `olds` (the previous OUTPUTS, which echo every input)
 * field by field, ignoring `__provider`. A value unknown in preview always counts as changed, and as a
 * replacement when it is in `replaceOn`. Absent, undefined and null are the same value; object key order does
 * not matter; array order does.
 */
export function diffFields(olds: object, news: object, spec: FieldDiffSpec): DiffResult {
  const ignore = new Set([PROVIDER_KEY, ...(spec.ignore ?? [])]);
  const diffs: string[] = [];
  const replaces = new Set<string>();
  for (const path of spec.fields) {
    if (ignore.has(path)) continue;
    if (!sameValue(getPath(olds, path), getPath(news, path))) diffs.push(path);
  }
  for (const path of spec.replaceOn ?? []) {
    if (ignore.has(path)) continue;
    if (!sameValue(getPath(olds, path), getPath(news, path))) {
      replaces.add(path.split(".")[0]);
      if (!diffs.some((d) => d === path || path.startsWith(`${d}.`))) diffs.push(path);
    }
  }
  return {
    changes: diffs.length > 0,
    replaces: [...replaces],
    deleteBeforeReplace: replaces.size > 0 && (spec.deleteBeforeReplace ?? false),
    diffs,
  };
}

/** The top-level input names of an object schema, for `fields` in diffFields. */
export function inputFields(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape).filter((k) => k !== PROVIDER_KEY);
}

/** Reads a dotted path (`connection.host`, `clients.0.host`). */
export function getPath(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Deep equality for input/output values: null ≡ undefined ≡ absent, key order ignored, array order kept. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!sameValue(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** Combines several diffs (e.g. the standard one and a resource-specific rule) into one. */
export function mergeDiffs(...parts: DiffResult[]): DiffResult {
  const replaces = [...new Set(parts.flatMap((p) => p.replaces))];
  return {
    changes: parts.some((p) => p.changes) || replaces.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0 && parts.some((p) => p.deleteBeforeReplace),
    diffs: [...new Set(parts.flatMap((p) => p.diffs))],
  };
}
