/**
 * Pure readers and editors of the OpenSSH files the xl migration trust touches: authorized_keys (sshd(8)
 * AUTHORIZED_KEYS FILE FORMAT), known_hosts (hashed, wildcard, negated and [host]:port patterns) and
 * ssh_config (a marked block). Every edit keeps the other lines byte for byte.
 */
import { hostFieldMatches, parsePublicKey as parseKeyLine } from "../../ssh/host-key";

export interface PublicKey {
  type: string;
  blob: string;
  comment: string;
}

/**
 * `type blob [comment]` (a .pub file or the key part of a line), checked as the SSH layer checks a pinned key
 * (the type inside the blob must be the one named), with the comment kept for the line the trust writes.
 */
export function parsePublicKey(text: string): PublicKey | null {
  const m = /^\s*(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/.exec(text.split("\n")[0]);
  if (!m || typeof parseKeyLine(`${m[1]} ${m[2]}`) === "string") return null;
  return { type: m[1], blob: m[2], comment: m[3] ?? "" };
}

export interface AuthorizedKeyLine {
  options: string | null;
  key: PublicKey;
}

/** One authorized_keys line: optional options (quoted parts may hold spaces), then the key. */
export function parseAuthorizedKey(line: string): AuthorizedKeyLine | null {
  const t = line.trim();
  if (t === "" || t.startsWith("#")) return null;
  const direct = parsePublicKey(t);
  if (direct) return { options: null, key: direct };
  let i = 0;
  let quoted = false;
  for (; i < t.length; i++) {
    const c = t[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === " " || c === "\t")) break;
  }
  const key = parsePublicKey(t.slice(i));
  return key ? { options: t.slice(0, i), key } : null;
}

function lines(text: string | null): string[] {
  if (text === null || text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

function join(ls: string[]): string {
  return ls.length ? ls.join("\n") + "\n" : "";
}

/**
 * Puts `line` (whose key is `blob`) into authorized_keys: an existing line for the same key is replaced in
 * place (its options may be stale), otherwise it is appended.
 */
export function setAuthorizedKey(text: string | null, blob: string, line: string): string {
  const ls = lines(text);
  const i = ls.findIndex((l) => parseAuthorizedKey(l)?.key.blob === blob);
  if (i >= 0) ls[i] = line;
  else ls.push(line);
  for (let j = ls.length - 1; j > i && i >= 0; j--) if (parseAuthorizedKey(ls[j])?.key.blob === blob) ls.splice(j, 1);
  return join(ls);
}

/** Removes every line holding the key `blob`. */
export function removeAuthorizedKey(text: string | null, blob: string): string {
  return join(lines(text).filter((l) => parseAuthorizedKey(l)?.key.blob !== blob));
}

/** Lines of authorized_keys whose forced command is `command`. */
export function linesWithCommand(text: string | null, command: string): string[] {
  return lines(text).filter((l) => {
    const o = parseAuthorizedKey(l)?.options;
    return !!o && o.includes(`command="${command}"`);
  });
}

export interface KnownHostEntry {
  line: number;
  text: string;
  marker: string | null;
  hosts: string;
  key: PublicKey;
}

export function knownHostEntries(text: string | null): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  lines(text).forEach((l, n) => {
    const t = l.trim();
    if (t === "" || t.startsWith("#")) return;
    const parts = t.split(/\s+/);
    const marker = parts[0].startsWith("@") ? parts.shift()! : null;
    const hosts = parts.shift() ?? "";
    const key = parsePublicKey(parts.join(" "));
    if (key) out.push({ line: n + 1, text: l, marker, hosts, key });
  });
  return out;
}

export interface KnownHostsPlan {
  /** lines to append (one per host key not yet known for the name) */
  add: string[];
  /** known keys for the name that differ from the host's: ssh would refuse the host */
  conflicts: KnownHostEntry[];
}

/** Which of the host's keys must be added for `name`, and which recorded keys contradict them. */
export function planKnownHosts(text: string | null, name: string, hostKeys: readonly PublicKey[]): KnownHostsPlan {
  const entries = knownHostEntries(text).filter((e) => e.marker === null && hostFieldMatches(e.hosts, name));
  const add: string[] = [];
  for (const k of hostKeys) {
    if (entries.some((e) => e.key.type === k.type && e.key.blob === k.blob)) continue;
    add.push(`${name} ${k.type} ${k.blob}`);
  }
  const conflicts = entries.filter((e) => hostKeys.some((k) => k.type === e.key.type) && !hostKeys.some((k) => k.blob === e.key.blob));
  return { add, conflicts };
}

export function appendLines(text: string | null, add: readonly string[]): string {
  return join([...lines(text), ...add]);
}

export function removeLines(text: string | null, remove: readonly string[]): string {
  const drop = new Set(remove);
  return join(lines(text).filter((l) => !drop.has(l)));
}

const BEGIN = "# BEGIN xen-ha migration trust to ";
const END = "# END xen-ha migration trust to ";

/** The ssh_config block that makes plain `ssh HOST` (as `xl migrate` runs it) use the migration key. */
export function sshConfigBlock(host: string, keyPath: string): string[] {
  return [
    `${BEGIN}${host}`, `Host ${host}`, `    IdentityFile ${keyPath}`, "    IdentitiesOnly yes", "    BatchMode yes",
    // the known_hosts line this resource wrote is the only key accepted (an earlier `Host *` block still wins
    // in ssh_config; LiveMigration passes it on the command line too)
    "    StrictHostKeyChecking yes", `${END}${host}`,
  ];
}

/** Removes our block for `host` (if any). */
export function removeSshConfigBlock(text: string | null, host: string): string {
  const ls = lines(text);
  const b = ls.indexOf(`${BEGIN}${host}`);
  const e = ls.indexOf(`${END}${host}`);
  if (b < 0 || e < b) return join(ls);
  ls.splice(b, e - b + 1);
  return join(ls);
}

/** Whether the file has exactly our block, preceded only by other xen-ha blocks (so nothing overrides it). */
export function hasSshConfigBlock(text: string | null, host: string, keyPath: string): boolean {
  const ls = lines(text);
  const block = sshConfigBlock(host, keyPath);
  const b = ls.indexOf(block[0]);
  if (b < 0 || ls.slice(b, b + block.length).join("\n") !== block.join("\n")) return false;
  let inside = false;
  for (const l of ls.slice(0, b)) {
    if (l.startsWith(BEGIN)) inside = true;
    else if (l.startsWith(END)) inside = false;
    else if (!inside) return false;
  }
  return !inside;
}

/**
 * Puts the block at the top of the file (unless it is already in place): ssh_config takes the FIRST value it
 * finds for each option, so a block further down could be overridden by an earlier `Host *`.
 */
export function setSshConfigBlock(text: string | null, host: string, keyPath: string): string {
  if (hasSshConfigBlock(text, host, keyPath)) return join(lines(text));
  const rest = lines(removeSshConfigBlock(text, host));
  return join([...sshConfigBlock(host, keyPath), ...rest]);
}
