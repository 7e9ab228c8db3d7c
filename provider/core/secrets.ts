/**
 * Input fields that hold credentials, wherever they appear (a connection, its proxy, its sudo settings).
 * They are the fields of the ssh layer's connection schema that must never be shown: XenHaResource marks inputs
 * holding them secret, and the provider framework scrubs their values from logs and error messages.
 */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set(["password", "privateKey", "privateKeyPassword"]);

/** Every credential value found under a secret field name, at any depth (short values are ignored: see redact). */
export function collectSecretValues(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectSecretValues(item, out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_FIELD_NAMES.has(key) && typeof item === "string") {
        if (item.length >= 4) out.add(item);
        // A private key may be echoed line by line (e.g. by a tool quoting its input).
        for (const line of item.split(/\r?\n/)) if (line.trim().length >= 16) out.add(line.trim());
      } else {
        collectSecretValues(item, out);
      }
    }
  }
  return out;
}

/** Replaces every occurrence of each secret with "[secret]". Longest first, so a key's lines go after the key. */
export function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join("[secret]");
  }
  return out;
}

/**
 * Whether a value holds a credential field (with a value) at any depth: true, false, or "unresolved" when it
 * contains something not yet known synchronously (a Promise or a Pulumi Output) that must be looked into later.
 */
export function holdsCredential(value: unknown, isPending: (v: unknown) => boolean = isThenable): boolean | "unresolved" {
  let pending = false;
  const walk = (v: unknown): boolean => {
    if (isPending(v)) {
      pending = true;
      return false;
    }
    if (Array.isArray(v)) return v.some(walk);
    if (v !== null && typeof v === "object") {
      return Object.entries(v).some(([k, item]) =>
        SECRET_FIELD_NAMES.has(k) && item !== undefined && item !== null && !isPending(item) ? true : walk(item));
    }
    return false;
  };
  if (walk(value)) return true;
  return pending ? "unresolved" : false;
}

function isThenable(v: unknown): boolean {
  return v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function";
}
