import type { z } from "zod";
import { containsUnknown, UNKNOWN as UNKNOWN_VALUE } from "./unknown";
import { formatPath, valuesAlong, type PropertyPath } from "./path";
import { sanitizeProps, type Plain } from "./sanitize";
import { sameValue } from "./diff";

import { PROVIDER_KEY } from "./provider-key";

export { PROVIDER_KEY };

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: { [key: string]: Plain };
  failures: CheckFailure[];
}

type Issue = z.core.$ZodIssue;

/** A copy of the properties without `__provider`. */
export function withoutProvider<T extends object>(props: T | undefined | null): T {
  const copy = { ...(props ?? {}) } as Record<string, unknown>;
  delete copy[PROVIDER_KEY];
  return copy as T;
}

/**
 * Validates `news` with the resource's zod schema, as the dynamic provider's `check` must: problems come back as
 * failures naming the property (never as a throw), and nothing here touches a host.
 *
 * Values that are unknown during preview cannot be validated yet: an issue is dropped when the value at its path,
 * one of the values above it, or anything below it is unknown. When the schema accepts the inputs, the PARSED
 * value (defaults filled in) becomes the checked inputs the engine stores and later passes to diff/create/update,
 * so schemas must be idempotent (parse(parse(x)) equals parse(x)): defaults yes, shape-changing transforms no.
 */
export function checkInputs(schema: z.ZodType, news: unknown): CheckResult {
  const raw = withoutProvider((news ?? {}) as Record<string, unknown>);
  const parsed = schema.safeParse(raw);
  if (parsed.success) {
    const inputs = sanitizeProps(parsed.data).value;
    // The engine passes these checked inputs back to diff/create/update, where they are parsed again: a schema
    // whose output does not parse to itself would change the inputs behind the user's back. Refuse loudly.
    const again = schema.safeParse(inputs);
    if (!again.success || !sameValue(sanitizeProps(again.data).value, inputs)) {
      return {
        inputs,
        failures: [{ property: "", reason: "xen-ha bug: this resource's input schema does not accept its own output (it must be idempotent); please report it" }],
      };
    }
    return { inputs, failures: [] };
  }
  const failures = dedupe(
    flattenIssues(parsed.error.issues)
      // A misspelt property is wrong whatever its value; anything else waits until its values are known.
      .filter((issue) => issue.code === "unrecognized_keys" || !touchesUnknown(raw, issue.path))
      .flatMap((issue) => toFailures(raw, issue)),
  );
  // Some values are unknown (preview): fill in defaults wherever the known parts allow, so that diff compares
  // like with like (a missing default would look like a change, even a replacement); the real check runs again
  // at `up` with known values.
  return { inputs: sanitizeProps(fillDefaults(schema, raw)).value, failures };
}

/**
 * The parsed value where the schema accepts it; otherwise, inside objects and arrays that hold unknown values,
 * field by field, so that every known part still gets its defaults. Unparsable known parts stay as given.
 */
export function fillDefaults(schema: z.ZodType, value: unknown): unknown {
  if (value === UNKNOWN_VALUE) return value;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (!containsUnknown(value)) return value;
  const inner = unwrap(schema);
  const shape = (inner as { shape?: Record<string, z.ZodType> }).shape;
  if (shape && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, sub] of Object.entries(shape)) {
      const v = fillDefaults(sub, out[key]);
      if (v === undefined) delete out[key];
      else out[key] = v;
    }
    return out;
  }
  const element = (inner as { element?: z.ZodType }).element;
  if (element && Array.isArray(value)) return value.map((v) => fillDefaults(element, v));
  return value;
}

/** Through optional/nullable/default wrappers to the schema that describes a present value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { unwrap?: () => z.ZodType };
  for (let i = 0; i < 10 && typeof current.unwrap === "function" && !("shape" in current) && !("element" in current); i++) {
    current = current.unwrap() as typeof current;
  }
  return current;
}

/** Parses inputs that already passed `check`; a failure here means the engine sent something check never saw. */
export function parseChecked<T>(schema: z.ZodType<T>, inputs: unknown): T {
  const raw = withoutProvider((inputs ?? {}) as Record<string, unknown>);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const reasons = dedupe(flattenIssues(parsed.error.issues).flatMap((issue) => toFailures(raw, issue)))
    .map((f) => `${f.property || "(inputs)"}: ${f.reason}`)
    .join("; ");
  throw new Error(`invalid inputs: ${reasons}`);
}

/** zod reports a union that matched no member as one issue holding each member's issues; surface the closest. */
function flattenIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // The member that got furthest (fewest issues, deepest paths) explains the problem best.
      const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0];
      if (best.length > 0) {
        return flattenIssues(best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue));
      }
    }
    return [issue];
  });
}

function score(issues: readonly Issue[]): number {
  const maxDepth = Math.max(0, ...issues.map((i) => i.path.length));
  return issues.length * 100 - maxDepth;
}

function touchesUnknown(root: unknown, path: PropertyPath): boolean {
  // The walk stops at the first non-object, so the last value met is either the issue's own value (check it and
  // everything below it) or an ancestor that is itself unknown.
  const along = valuesAlong(root, path);
  return containsUnknown(along[along.length - 1]);
}

function toFailures(root: unknown, issue: Issue): CheckFailure[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      property: formatPath([...issue.path, key]),
      reason: "unknown property (misspelt, or not supported by this resource)",
    }));
  }
  const along = valuesAlong(root, issue.path);
  const value = along.length === issue.path.length + 1 ? along[along.length - 1] : undefined;
  let reason = issue.message;
  if (issue.code === "invalid_type" && value === undefined) reason = `required (${issue.message})`;
  return [{ property: formatPath(issue.path), reason }];
}

function dedupe(failures: CheckFailure[]): CheckFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const key = `${f.property}\u0000${f.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
