/**
 * Secrets in the runner: values the program marked secret (pulumi.secret, requireSecret config, a provider's
 * additionalSecretOutputs) are sealed with AES-256-GCM before they reach the state file, and every plaintext
 * secret the runner has seen is redacted from everything it prints, provider logs included.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The SDK's wire markers (runtime/rpc.js). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SEALED_KEY = "@secret";

export type Sealed = { [SEALED_KEY]: string };

export function wireSecret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

export function isWireSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function isSealed(v: unknown): v is Sealed {
  return typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[SEALED_KEY] === "string";
}

export function containsWireSecret(v: unknown): boolean {
  if (isWireSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsWireSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsWireSecret);
  return false;
}

/** Removes every secret marker, keeping the plaintext values (what a provider that refuses secrets receives). */
export function unwrapSecrets(v: unknown): unknown {
  if (isWireSecret(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Every string inside a value (for redaction). */
export function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsIn(x, out);
  else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) stringsIn(x, out);
  return out;
}

/** Where the state key comes from; recorded in the state file (never the key itself). */
export type KeySource = { kind: "passphrase"; salt: string } | { kind: "keyfile"; path: string };

export class SecretBox {
  constructor(private readonly key: Buffer) {}

  /**
   * PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) when set, as Pulumi's passphrase provider
   * does; otherwise a random 256-bit key in `<stack>.key` beside the state file, created with mode 0600.
   */
  static open(stateFile: string, previous: KeySource | undefined, env = process.env): { box: SecretBox; source: KeySource } {
    const passphrase =
      env.PULUMI_CONFIG_PASSPHRASE ??
      (env.PULUMI_CONFIG_PASSPHRASE_FILE ? fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").trimEnd() : undefined);
    if (passphrase === undefined && previous?.kind === "passphrase") {
      throw new Error("this state's secrets were sealed with a passphrase: set PULUMI_CONFIG_PASSPHRASE");
    }
    if (passphrase !== undefined && previous?.kind !== "keyfile") {
      const salt = previous?.kind === "passphrase" ? previous.salt : crypto.randomBytes(16).toString("base64");
      const key = crypto.scryptSync(passphrase, Buffer.from(salt, "base64"), 32);
      return { box: new SecretBox(key), source: { kind: "passphrase", salt } };
    }
    const keyPath = previous?.kind === "keyfile" ? previous.path : stateFile.replace(/\.json$/, "") + ".key";
    const abs = path.resolve(path.dirname(stateFile), keyPath);
    let key: Buffer;
    if (fs.existsSync(abs)) {
      key = Buffer.from(fs.readFileSync(abs, "utf8").trim(), "base64");
      if (key.length !== 32) throw new Error(`${abs} does not hold a 256-bit base64 key`);
    } else {
      if (previous?.kind === "keyfile") {
        throw new Error(`the state's secrets key ${abs} is missing: the sealed secrets in the state cannot be read`);
      }
      key = crypto.randomBytes(32);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    }
    return { box: new SecretBox(key), source: { kind: "keyfile", path: path.basename(abs) } };
  }

  seal(value: unknown): Sealed {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return { [SEALED_KEY]: ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), ct.toString("base64")].join(":") };
  }

  unseal(sealed: Sealed): unknown {
    const [v, iv, tag, ct] = sealed[SEALED_KEY].split(":");
    if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("unknown sealed-secret format");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    try {
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, "base64")), decipher.final()]).toString("utf8"));
    } catch {
      throw new Error("cannot decrypt a secret in the state: wrong PULUMI_CONFIG_PASSPHRASE or key file");
    }
  }
}

/** Property names whose values are credentials, wherever they sit inside a secret value. */
export const CREDENTIAL_KEY = /^(password|passphrase|privateKey|privateKeyPassword|token|secret|apiKey|\w*(Password|Passphrase|Secret|Token))$/i;

/**
 * Replaces credentials the runner has seen with "[secret]" in everything it prints. What counts: a secret
 * that is itself a string (`pulumi.secret("...")`), and inside secret objects the values of credential
 * properties (password, privateKey...). The other parts of a secret object (a connection's host, user, port)
 * stay readable, or every "root" in a log would vanish. Multi-line credentials (private keys) are also
 * redacted line by line, so a provider that prints part of a key does not leak it.
 */
export class Redactor {
  private readonly needles = new Set<string>();

  add(value: unknown, key?: string): void {
    if (typeof value === "string") {
      if (key !== undefined && !CREDENTIAL_KEY.test(key)) return;
      if (value.length >= 4) this.needles.add(value);
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16) this.needles.add(line.trim());
    } else if (Array.isArray(value)) {
      for (const v of value) this.add(v, key);
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) this.add(v, k);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a whole key is replaced before any of its lines.
    for (const n of [...this.needles].sort((a, b) => b.length - a.length)) {
      if (out.includes(n)) out = out.split(n).join("[secret]");
      const escaped = JSON.stringify(n).slice(1, -1);
      if (escaped !== n && out.includes(escaped)) out = out.split(escaped).join("[secret]");
    }
    return out;
  }
}
