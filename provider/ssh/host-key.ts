/**
 * Host-key verification, pure: parsing pinned keys and known_hosts files, fingerprints, and the decision
 * (accept, unknown, mismatch, revoked). The pool feeds it the key blob the server presented.
 */
import { createHash, createHmac } from "crypto";

export interface PublicKey {
  type: string; // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ...
  blob: Buffer; // the SSH wire encoding of the key (what the base64 field holds)
}

/** OpenSSH's fingerprint form: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** The key type named inside a wire-encoded key (its first SSH string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) throw new Error("key blob too short");
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) throw new Error("key blob does not start with a key type");
  return blob.subarray(4, 4 + n).toString("latin1");
}

export function publicKeyLine(key: PublicKey): string {
  return `${key.type} ${key.blob.toString("base64")}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const KEY_TYPE = /^(ssh-[a-z0-9]+|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9@.-]+|[a-z0-9-]+-cert-v01@openssh\.com)$/;

/** Parses "TYPE BASE64 [comment]". Returns an error string instead of throwing, for schema messages. */
export function parsePublicKey(line: string): PublicKey | string {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2) return 'expected an OpenSSH public key line "TYPE BASE64 [comment]"';
  const [type, b64] = fields;
  if (!KEY_TYPE.test(type)) return `"${type}" is not an SSH key type (such as ssh-ed25519 or ssh-rsa)`;
  if (!BASE64.test(b64)) return "the key's second field is not base64";
  const blob = Buffer.from(b64, "base64");
  let inner: string;
  try {
    inner = blobKeyType(blob);
  } catch {
    return "the base64 field is not an SSH public key";
  }
  if (inner !== type) return `the line says ${type} but the key inside is ${inner}`;
  return { type, blob };
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A pinned hostKey: a full key line, or only its SHA256 fingerprint. */
export type PinnedKey = { kind: "key"; key: PublicKey } | { kind: "fingerprint"; fingerprint: string };

export function parsePinnedKey(value: string): PinnedKey | string {
  const v = value.trim();
  if (v.startsWith("SHA256:")) {
    const fp = v.replace(/=+$/, "");
    if (!FINGERPRINT.test(fp)) return "a SHA256 fingerprint is \"SHA256:\" followed by 43 base64 characters";
    return { kind: "fingerprint", fingerprint: fp };
  }
  if (/^(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(v)) {
    return "MD5 fingerprints are not accepted (too weak): give the SHA256 fingerprint or the public key line";
  }
  const key = parsePublicKey(v);
  if (typeof key === "string") {
    return `${key}; hostKey takes an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint`;
  }
  return { kind: "key", key };
}

export interface KnownHostsEntry {
  marker: "" | "@revoked" | "@cert-authority";
  patterns: string; // the host field as written (comma-separated patterns, or one hashed |1|salt|hash)
  key: PublicKey;
  line: number; // 1-based, for messages
}

/** Parses a known_hosts file. Lines that cannot be parsed are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry["marker"] = "";
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") marker = fields.shift() as typeof marker;
    else if (fields[0].startsWith("@")) return;
    if (fields.length < 3) return;
    const key = parsePublicKey(`${fields[1]} ${fields[2]}`);
    if (typeof key === "string") return;
    out.push({ marker, patterns: fields[0], key, line: i + 1 });
  });
  return out;
}

/** The name ssh looks up: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/** Whether a known_hosts host field matches a name, following sshd's match_hostname rules. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(",")) {
    const negated = pattern.startsWith("!");
    const glob = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(glob).test(name)) {
      if (negated) return false; // a matching negation wins over everything
      matched = true;
    }
  }
  return matched;
}

/** How a connection decides which host keys are acceptable. */
export type HostKeyPolicy =
  | { kind: "pinned"; pinned: PinnedKey }
  | { kind: "knownHosts"; path: string; entries: KnownHostsEntry[]; missing?: boolean }
  | { kind: "insecure" };

export type Verdict =
  | { ok: true }
  | { ok: false; reason: "mismatch" | "unknown" | "revoked"; message: string };

/** The serverHostKey algorithms to offer, most wanted first, so the server presents a key we can check. */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): string[] {
  const all = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  const algosOf = (type: string): string[] =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
  let known: string[] = [];
  if (policy.kind === "pinned" && policy.pinned.kind === "key") known = algosOf(policy.pinned.key.type);
  if (policy.kind === "knownHosts") {
    const name = knownHostsName(host, port);
    known = policy.entries
      .filter((e) => e.marker === "" && hostFieldMatches(e.patterns, name))
      .flatMap((e) => algosOf(e.key.type));
  }
  if (known.includes("ssh-dss")) all.push("ssh-dss");
  const first = [...new Set(known.filter((a) => all.includes(a)))];
  return [...first, ...all.filter((a) => !first.includes(a))];
}

/** The decision for a presented key; messages say what to do next. */
export function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, presented: Buffer): Verdict {
  if (policy.kind === "insecure") return { ok: true };
  const type = safeType(presented);
  const got = fingerprint(presented);
  const name = knownHostsName(host, port);
  const where = `${host}:${port}`;
  const gotLine = `${type} ${presented.toString("base64")}`;
  if (policy.kind === "pinned") {
    const want = policy.pinned.kind === "key" ? fingerprint(policy.pinned.key.blob) : policy.pinned.fingerprint;
    if (want === got) return { ok: true };
    const wantType = policy.pinned.kind === "key" ? ` (${policy.pinned.key.type})` : "";
    return {
      ok: false,
      reason: "mismatch",
      message:
        `host key mismatch for ${where}: the pinned hostKey is ${want}${wantType}, ` +
        `the server presented ${got} (${type}). Refusing to connect: the host may have been reinstalled, ` +
        `or someone may be intercepting the connection. If the key change is expected, verify ${got} ` +
        `out of band and pin the new key.`,
    };
  }
  const matching = policy.entries.filter((e) => e.marker !== "@cert-authority" && hostFieldMatches(e.patterns, name));
  const revoked = matching.find((e) => e.marker === "@revoked" && e.key.blob.equals(presented));
  if (revoked) {
    return {
      ok: false,
      reason: "revoked",
      message: `host key ${got} (${type}) of ${where} is marked @revoked in ${policy.path} line ${revoked.line}`,
    };
  }
  const plain = matching.filter((e) => e.marker === "");
  if (plain.some((e) => e.key.blob.equals(presented))) return { ok: true };
  const sameType = plain.filter((e) => e.key.type === type);
  if (sameType.length > 0) {
    const e = sameType[0];
    return {
      ok: false,
      reason: "mismatch",
      message:
        `host key mismatch for ${where}: ${policy.path} line ${e.line} has ${fingerprint(e.key.blob)} (${e.key.type}), ` +
        `the server presented ${got} (${type}). Refusing to connect: the host may have been reinstalled, ` +
        `or someone may be intercepting the connection. If the change is expected, verify ${got} out of band ` +
        `and replace line ${e.line}.`,
    };
  }
  const others = plain.length > 0
    ? ` (${policy.path} knows ${plain.map((e) => `${e.key.type} ${fingerprint(e.key.blob)}`).join(", ")} ` +
      `for it, but the server presented a ${type} key)`
    : "";
  return {
    ok: false,
    reason: "unknown",
    message:
      `host key of ${where} is not known: no hostKey is pinned and ` +
      `${policy.path}${policy.missing ? " (which does not exist)" : ""} has no ${type} key for ` +
      `${name}${others}. The server presented ${got}. Verify that fingerprint out of band (on the host: ` +
      `ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-sha2-nistp\d+$/g, "")}_key.pub), then either ` +
      `pin it in the connection with hostKey: "${gotLine}" (or hostKey: "${got}"), or add this line to ` +
      `${policy.path}: ${name} ${gotLine}`,
  };
}

function safeType(blob: Buffer): string {
  try {
    return blobKeyType(blob);
  } catch {
    return "unknown-type";
  }
}
