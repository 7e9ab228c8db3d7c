/**
 * The relocation settings of xend-config.sxp as xend itself computes them (XendOptions.py, SrvServer.py):
 * first active entry wins, built-in defaults when absent, xend's boolean words and int() parsing; and the
 * edit that makes the effective settings equal to the desired ones.
 */
import { parseSxp, quoteSxp, renderSxpString, showSxp, sxpChildValue, SxpDocument, SxpValue } from "./sxp";
import { setSxpEntries, SxpEntryChange } from "./sxp-edit";

export const RELOCATION_KEYS = {
  server: "xend-relocation-server",
  port: "xend-relocation-port",
  address: "xend-relocation-address",
  hostsAllow: "xend-relocation-hosts-allow",
  sslServer: "xend-relocation-ssl-server",
  sslPort: "xend-relocation-ssl-port",
  sslKeyFile: "xend-relocation-server-ssl-key-file",
  sslCertFile: "xend-relocation-server-ssl-cert-file",
} as const;

export interface RelocationSettings {
  server: boolean;
  port: number;
  /** '' means every address; from Xen 4.1 also an interface name */
  address: string;
  /** raw value: regexes separated by single spaces; '' allows every host */
  hostsAllow: string;
  sslServer: boolean;
  sslPort: number;
  /** as written; xend prepends /etc/xen/ to a relative path */
  sslKeyFile: string | null;
  sslCertFile: string | null;
}

/** xend's built-in defaults (XendOptions.py) when a key is absent. */
export const RELOCATION_DEFAULTS: RelocationSettings = {
  server: false,
  port: 8002,
  address: "",
  hostsAllow: "",
  sslServer: false,
  sslPort: 8003,
  sslKeyFile: null,
  sslCertFile: null,
};

const TRUE_WORDS = ["yes", "y", "1", "on", "true", "t"];
const FALSE_WORDS = ["no", "n", "0", "off", "false", "f"];

/** Python's str() of a decoded sxp value, which is what xend's get_config_bool/int look at. */
function pyStr(v: SxpValue): string {
  return Array.isArray(v) ? "[" + v.map((x) => (Array.isArray(x) ? pyStr(x) : `'${x}'`)).join(", ") + "]" : v;
}

export function parseXendBool(v: SxpValue): boolean | null {
  const s = pyStr(v).toLowerCase();
  if (TRUE_WORDS.includes(s)) return true;
  if (FALSE_WORDS.includes(s)) return false;
  return null;
}

/** Python 2's int() of a string: optional sign and surrounding white space, decimal digits. */
export function parseXendInt(v: SxpValue): number | null {
  if (Array.isArray(v)) return null;
  const m = /^\s*([+-]?)(\d+)\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[2]);
  return m[1] === "-" ? -n : n;
}

export interface EffectiveRelocation {
  settings: RelocationSettings;
  /** what would stop xend from starting, in xend's own words */
  problems: string[];
}

export function effectiveRelocation(doc: SxpDocument): EffectiveRelocation {
  const problems: string[] = [];
  const s: RelocationSettings = { ...RELOCATION_DEFAULTS };
  const bool = (field: "server" | "sslServer") => {
    const v = sxpChildValue(doc, RELOCATION_KEYS[field]);
    if (v === undefined) return;
    const b = parseXendBool(v);
    if (b === null) problems.push(`invalid xend config ${RELOCATION_KEYS[field]}: expected bool: ${pyStr(v).toLowerCase()}`);
    else s[field] = b;
  };
  const int = (field: "port" | "sslPort") => {
    const v = sxpChildValue(doc, RELOCATION_KEYS[field]);
    if (v === undefined) return;
    const n = parseXendInt(v);
    if (n === null) problems.push(`invalid xend config ${RELOCATION_KEYS[field]}: expected int: ${pyStr(v)}`);
    else s[field] = n;
  };
  const str = (field: "address" | "hostsAllow" | "sslKeyFile" | "sslCertFile") => {
    const v = sxpChildValue(doc, RELOCATION_KEYS[field]);
    if (v === undefined) return;
    if (Array.isArray(v)) problems.push(`${RELOCATION_KEYS[field]} is a list (${showSxp(v)}), not a string`);
    else s[field] = v;
  };
  bool("server");
  bool("sslServer");
  int("port");
  int("sslPort");
  str("address");
  str("hostsAllow");
  str("sslKeyFile");
  str("sslCertFile");
  if (s.sslServer && (!s.sslKeyFile || !s.sslCertFile)) {
    problems.push("ssl_key_file or ssl_cert_file for ssl relocation server is missing.");
  }
  return { settings: s, problems };
}

/** The settings the resource manages; SSL fields only matter when sslServer is true. */
export interface DesiredRelocation {
  server: boolean;
  port: number;
  address: string;
  hostsAllow: string;
  sslServer: boolean;
  sslPort?: number;
  sslKeyFile?: string;
  sslCertFile?: string;
}

/** Whether two effective settings are the same for everything the resource manages. */
export function relocationSatisfies(actual: RelocationSettings, desired: DesiredRelocation): boolean {
  const base =
    actual.server === desired.server &&
    actual.port === desired.port &&
    actual.address === desired.address &&
    actual.hostsAllow === desired.hostsAllow &&
    actual.sslServer === desired.sslServer;
  if (!base || !desired.sslServer) return base;
  return (
    actual.sslPort === (desired.sslPort ?? RELOCATION_DEFAULTS.sslPort) &&
    actual.sslKeyFile === (desired.sslKeyFile ?? null) &&
    actual.sslCertFile === (desired.sslCertFile ?? null)
  );
}

function boolChange(key: string, want: boolean, dflt: boolean): SxpEntryChange {
  return {
    key,
    token: want ? "yes" : "no",
    satisfiedBy: (v) => (v === undefined ? dflt === want : parseXendBool(v) === want),
  };
}

function intChange(key: string, want: number, dflt: number): SxpEntryChange {
  return {
    key,
    token: String(want),
    satisfiedBy: (v) => (v === undefined ? dflt === want : parseXendInt(v) === want),
  };
}

function strChange(key: string, want: string, dflt: string | null, token: string): SxpEntryChange {
  return { key, token, satisfiedBy: (v) => (v === undefined ? dflt === want : v === want) };
}

export function relocationChanges(desired: DesiredRelocation): SxpEntryChange[] {
  const d = RELOCATION_DEFAULTS;
  const k = RELOCATION_KEYS;
  const changes = [
    boolChange(k.server, desired.server, d.server),
    intChange(k.port, desired.port, d.port),
    strChange(k.address, desired.address, d.address, quoteSxp(desired.address)),
    strChange(k.hostsAllow, desired.hostsAllow, d.hostsAllow, quoteSxp(desired.hostsAllow)),
    boolChange(k.sslServer, desired.sslServer, d.sslServer),
  ];
  if (desired.sslServer) {
    changes.push(intChange(k.sslPort, desired.sslPort ?? d.sslPort, d.sslPort));
    if (desired.sslKeyFile !== undefined)
      changes.push(strChange(k.sslKeyFile, desired.sslKeyFile, null, renderSxpString(desired.sslKeyFile)));
    if (desired.sslCertFile !== undefined)
      changes.push(strChange(k.sslCertFile, desired.sslCertFile, null, renderSxpString(desired.sslCertFile)));
  }
  return changes;
}

export interface RelocationEdit {
  before: RelocationSettings;
  after: RelocationSettings;
  text: string;
  changed: boolean;
  /** true when the effective relocation settings differ between before and after (xend must restart) */
  effectiveChanged: boolean;
  actions: string[];
}

/**
 * Computes the new file text. Throws SxpParseError on a file xend could not parse, and Error when the result
 * would not give the desired effective settings (a guard: the edit is re-read with xend's rules).
 */
export function editRelocation(text: string, desired: DesiredRelocation): RelocationEdit {
  const before = effectiveRelocation(parseSxp(text)).settings;
  const { text: out, actions } = setSxpEntries(text, relocationChanges(desired));
  const check = effectiveRelocation(parseSxp(out));
  if (!relocationSatisfies(check.settings, desired) || check.problems.length > 0) {
    throw new Error(
      `internal error: the edited xend-config.sxp would not give the desired relocation settings ` +
        `(${JSON.stringify(check.settings)}; ${check.problems.join("; ")})`,
    );
  }
  return {
    before,
    after: check.settings,
    text: out,
    changed: out !== text,
    effectiveChanged: JSON.stringify(before) !== JSON.stringify(check.settings),
    actions,
  };
}

/** Escapes a host name or address for Python's re, so that it matches only itself. */
export function escapePythonRegex(s: string): string {
  return s.replace(/[.^$*+?{}[\]\\|()]/g, (c) => "\\" + c);
}

/** An exact host name or address as an anchored regex: `^node2\.example\.com$`. */
export function exactHostPattern(host: string): string {
  return "^" + escapePythonRegex(host) + "$";
}

/** xend's hosts-allow rule: split on single spaces; each regex re.match()ed (anchored at the start) against
 * the client's FQDN and its IP string; '' allows everyone. Regexes are approximated with JavaScript's. */
export function hostsAllowAccepts(hostsAllow: string, fqdn: string, ip: string): boolean {
  if (hostsAllow === "") return true;
  return hostsAllow.split(" ").some((p) => {
    const re = new RegExp("^(?:" + p + ")");
    return re.test(fqdn) || re.test(ip);
  });
}
