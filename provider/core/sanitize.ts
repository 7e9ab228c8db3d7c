import { formatPath } from "./path";

/** A JSON-like value that google.protobuf.Struct (and so the engine's state) accepts. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

export interface Sanitized<T> {
  value: T;
  /** One line per value that had to be converted, e.g. `stdout: Buffer → string`. Empty when nothing changed. */
  fixes: string[];
}

/**
 * Makes any value safe to return to the engine. A single `undefined`, Buffer or bigint anywhere in a provider's
 * result makes the dynamic-provider server fail the whole response ("Unexpected struct type") AFTER the host was
 * changed, so the engine loses track of it. Rather than throw at that point, convert:
 * undefined → key dropped (null inside arrays), Buffer/Uint8Array → UTF-8 string, bigint → number (string when
 * not exact), Date → ISO string, Map → object, Set → array, NaN/±Infinity → null, Error → its message,
 * functions/symbols → dropped, cycles → the string "[circular]". Each conversion is reported in `fixes` so the
 * caller can log it: a fix is a bug to correct in the resource, not a feature.
 */
export function sanitize(value: unknown): Sanitized<Plain> {
  const fixes: string[] = [];
  const stack = new Set<object>();
  const walk = (v: unknown, path: PropertyKey[]): Plain | undefined => {
    const fix = (what: string): void => {
      fixes.push(`${formatPath(path) || "(root)"}: ${what}`);
    };
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (v === undefined) return undefined;
    if (typeof v === "number") {
      if (Number.isFinite(v)) return v;
      fix(`${v} → null`);
      return null;
    }
    if (typeof v === "bigint") {
      const n = Number(v);
      if (Number.isSafeInteger(n)) {
        fix("bigint → number");
        return n;
      }
      fix("bigint → string");
      return v.toString();
    }
    if (typeof v === "function" || typeof v === "symbol") {
      fix(`${typeof v} dropped`);
      return undefined;
    }
    const obj = v as object;
    if (stack.has(obj)) {
      fix("cycle → \"[circular]\"");
      return "[circular]";
    }
    if (obj instanceof Uint8Array) {
      fix("Buffer → string");
      return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString("utf8");
    }
    if (obj instanceof Date) {
      fix("Date → ISO string");
      return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
    }
    if (obj instanceof Error) {
      fix("Error → message");
      return obj.message;
    }
    stack.add(obj);
    try {
      if (Array.isArray(obj) || obj instanceof Set) {
        if (obj instanceof Set) fix("Set → array");
        return [...obj].map((item, i) => {
          const out = walk(item, [...path, i]);
          if (out === undefined) {
            fix(`[${i}] undefined → null`);
            return null;
          }
          return out;
        });
      }
      const entries: [string, unknown][] =
        obj instanceof Map ? [...obj.entries()].map(([k, val]) => [String(k), val]) : Object.entries(obj);
      if (obj instanceof Map) fix("Map → object");
      const out: { [key: string]: Plain } = {};
      for (const [k, val] of entries) {
        const item = walk(val, [...path, k]);
        if (item !== undefined) out[k] = item;
      }
      return out;
    } finally {
      stack.delete(obj);
    }
  };
  const result = walk(value, []);
  return { value: result === undefined ? null : result, fixes };
}

/** sanitize() for a property map: the result is always an object. */
export function sanitizeProps(props: unknown): Sanitized<{ [key: string]: Plain }> {
  const { value, fixes } = sanitize(props ?? {});
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { value: {}, fixes: [...fixes, "(root): not an object → {}"] };
  }
  return { value, fixes };
}
