import type { z } from "zod";
import { withoutProvider } from "./check";

/**
 * What the engine hands read and delete is not always what check produced. A `get` (ReadStep in the engine's
 * pkg/resource/deploy/step.go) sends the props the program registered and never calls Check, so defaults are
 * missing; and state written by an older version may hold a value this version's schema refuses. So stored
 * props are parsed field by field: a field that parses gets its parsed value (defaults filled in), a field
 * that does not keeps what was stored, and everything outside the input schema (observed outputs) stays.
 * `missing` lists the required input fields that are absent, for the caller to refuse with.
 */
export function parseStored<T extends object>(schema: z.ZodType<T>, props: unknown): { value: T; missing: string[] } {
  const raw = withoutProvider((props ?? {}) as Record<string, unknown>);
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) {
    const whole = schema.safeParse(raw);
    return { value: (whole.success ? { ...raw, ...whole.data } : raw) as T, missing: [] };
  }
  const inputsPart: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) if (raw[key] !== undefined) inputsPart[key] = raw[key];
  const whole = schema.safeParse(inputsPart);
  if (whole.success) return { value: { ...raw, ...(whole.data as object) } as T, missing: [] };
  const out: Record<string, unknown> = { ...raw };
  const missing: string[] = [];
  for (const [key, sub] of Object.entries(shape)) {
    const one = sub.safeParse(raw[key]);
    if (one.success) {
      if (one.data !== undefined) out[key] = one.data;
    } else if (raw[key] === undefined) {
      missing.push(key);
    }
  }
  return { value: out as T, missing };
}
