/**
 * xend's reading of /etc/xen/xend-config.sxp (XendOptions.py): the file is a sequence of top-level forms, the
 * FIRST form with a given name wins, booleans accept only xend's words, and a value that does not convert
 * stops xend with "invalid xend config NAME: expected bool: v".
 */
import { childValue, parseSxpAll, Sxp, SxpParseError } from "./sxp";

export class XendConfigError extends Error {}

const TRUE_WORDS = ["yes", "y", "1", "on", "true", "t"];
const FALSE_WORDS = ["no", "n", "0", "off", "false", "f"];

/** Booleans and integers xend converts while it starts (a bad value in any of them stops it). */
const BOOL_KEYS: Record<string, string> = {
  "xend-http-server": "no",
  "xend-unix-server": "no",
  "xend-tcp-xmlrpc-server": "no",
  "xend-unix-xmlrpc-server": "yes",
  "xend-relocation-server": "no",
  "xend-relocation-ssl-server": "no",
  "xend-relocation-ssl": "no",
  "xend-udev-event-server": "no",
  "enable-dom0-ballooning": "yes",
};
const INT_KEYS: Record<string, number> = {
  "xend-port": 8000,
  "xend-relocation-port": 8002,
  "xend-relocation-ssl-port": 8003,
  "dom0-min-mem": 0,
  "dom0-cpus": 0,
  "console-limit": 1024,
};

export interface XendOptions {
  relocationServer: boolean;
  relocationPort: number;
  /** '' means all addresses; from 4.1 also an interface name. */
  relocationAddress: string;
  /** '' allows everyone. */
  relocationHostsAllow: string;
  relocationSslServer: boolean;
  relocationSslPort: number;
  relocationSslKeyFile: string | null;
  relocationSslCertFile: string | null;
  relocationSsl: boolean;
  dom0MinMem: number;
  enableDom0Ballooning: boolean;
  logfile: string;
}

/** Parses the file text. Throws SxpParseError (file unreadable as sxp) or XendConfigError (bad value). */
export function readXendConfig(text: string | null): XendOptions {
  const forms: Sxp[] = text === null ? [] : parseSxpAll(text);
  const config: Sxp = ["xend-config", ...forms];
  const value = (name: string): Sxp | undefined => childValue(config, name);
  const str = (name: string, dflt: string): string => {
    const v = value(name);
    return v === undefined ? dflt : typeof v === "string" ? v : pyStr(v);
  };
  const bool = (name: string): boolean => {
    const v = str(name, BOOL_KEYS[name]).toLowerCase();
    if (TRUE_WORDS.includes(v)) return true;
    if (FALSE_WORDS.includes(v)) return false;
    throw new XendConfigError(`invalid xend config ${name}: expected bool: ${v}`);
  };
  const int = (name: string): number => {
    const v = value(name);
    if (v === undefined) return INT_KEYS[name];
    const s = typeof v === "string" ? v.trim() : "";
    if (!/^[-+]?\d+$/.test(s)) throw new XendConfigError(`invalid xend config ${name}: expected int: ${typeof v === "string" ? v : pyStr(v)}`);
    return parseInt(s, 10);
  };
  for (const k of Object.keys(BOOL_KEYS)) bool(k);
  for (const k of Object.keys(INT_KEYS)) int(k);
  const file = (name: string): string | null => {
    const v = value(name);
    if (typeof v !== "string" || v === "") return null;
    return v.startsWith("/") ? v : "/etc/xen/" + v;
  };
  return {
    relocationServer: bool("xend-relocation-server"),
    relocationPort: int("xend-relocation-port"),
    relocationAddress: str("xend-relocation-address", ""),
    relocationHostsAllow: str("xend-relocation-hosts-allow", ""),
    relocationSslServer: bool("xend-relocation-ssl-server"),
    relocationSslPort: int("xend-relocation-ssl-port"),
    relocationSslKeyFile: file("xend-relocation-server-ssl-key-file"),
    relocationSslCertFile: file("xend-relocation-server-ssl-cert-file"),
    relocationSsl: bool("xend-relocation-ssl"),
    dom0MinMem: int("dom0-min-mem"),
    enableDom0Ballooning: bool("enable-dom0-ballooning"),
    logfile: str("logfile", "/var/log/xen/xend.log"),
  };
}

/** str() of a parsed list, as Python prints it (only reached for malformed values in error messages). */
function pyStr(v: Sxp): string {
  if (typeof v === "string") return `'${v}'`;
  return "[" + v.map(pyStr).join(", ") + "]";
}

export { SxpParseError };
