/**
 * Host names, IP addresses, user names and interface names, each with the rules of what consumes it, shared
 * by every resource that takes one. Nothing accepted here can be read as an option (a leading `-`) or split
 * into two shell words.
 */
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

// RFC 1123 host names as resolv.conf/getaddrinfo take them: labels of letters, digits and inner '-', at most 63
// characters each, 253 in all. '_' is common in internal DNS (and in the lab's names) and harmless in argv.
const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * For what reads as an IP address (a ':', or digits and dots only): why it is not a valid one, or null. For
 * anything else, undefined: it is to be judged as a name.
 */
function ipLiteralProblem(s: string): string | null | undefined {
  if (s.includes(":")) return isIPv6(s) ? null : `is not a valid IPv6 address: ${JSON.stringify(s)}`;
  if (/^[0-9.]+$/.test(s)) return isIPv4(s) ? null : `is not a valid IPv4 address (four numbers 0-255): ${JSON.stringify(s)}`;
  return undefined;
}

/** Why `s` is not a host name, an IPv4 address or an IPv6 address (bare, as ssh and the toolstacks take it), or null. */
export function hostOrAddressProblem(s: string): string | null {
  if (s === "") return "must not be empty";
  if (s.startsWith("-")) return "must not start with '-' (a command would read it as an option)";
  const ip = ipLiteralProblem(s);
  if (ip !== undefined) return ip;
  if (s.length > 253) return `must be at most 253 characters (a DNS name), got ${s.length}`;
  const labels = s.endsWith(".") ? s.slice(0, -1).split(".") : s.split(".");
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `must be a host name (labels of letters, digits, '_' and inner '-', 1-63 characters, joined by '.') or an IP address, got ${JSON.stringify(s)}`;
  }
  return null;
}

/** A host name, an IPv4 address or an IPv6 address. */
export function hostOrAddress(what = "a host name or IP address"): z.ZodString {
  return z.string({ error: `must be ${what}` }).superRefine((s, ctx) => {
    const problem = hostOrAddressProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * A login name as useradd(8) allows it (and shadow-utils' NAME_REGEX default): letters, digits, '_', '-', '.',
 * not starting with '-', at most 32 characters; a trailing '$' (Samba machine accounts) is allowed.
 */
export const userName = z
  .string({ error: "must be a user name" })
  .superRefine((s, ctx) => {
    if (s === "") return ctx.addIssue({ code: "custom", message: "must not be empty" });
    if (s.length > 32) return ctx.addIssue({ code: "custom", message: `must be at most 32 characters (useradd(8)), got ${s.length}` });
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(s)) {
      ctx.addIssue({ code: "custom", message: `must be a user name (letters, digits, '_', '.', '-', not starting with '-'), got ${JSON.stringify(s)}` });
    }
  });

/**
 * A Linux network interface or bridge name: at most 15 bytes (IFNAMSIZ 16 with the NUL), no white space, '/'
 * or ':', not "." or ".." (the kernel's dev_valid_name), and here also no leading '-' and only letters,
 * digits, '_', '.', '-' (what brctl, ip and the toolstacks' configs take without quoting).
 */
export function interfaceNameProblem(s: string): string | null {
  if (s === "") return "must not be empty";
  if (s.length > 15) return `must be at most 15 characters (Linux IFNAMSIZ), got ${s.length}: ${JSON.stringify(s)}`;
  if (s === "." || s === "..") return `must not be "." or ".."`;
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(s)) return `must be letters, digits, '_', '.' or '-', not starting with '-', got ${JSON.stringify(s)}`;
  return null;
}

export function interfaceName(what = "an interface name"): z.ZodString {
  return z.string({ error: `must be ${what}` }).superRefine((s, ctx) => {
    const problem = interfaceNameProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * Where a daemon listens: '' (every address), an IPv4 or IPv6 address, or an interface name (xend binds the
 * interface's address from Xen 4.1). Digits and dots alone are an IPv4 address, never an interface name.
 */
export function listenAddressProblem(s: string): string | null {
  if (s === "") return null;
  const ip = ipLiteralProblem(s);
  if (ip !== undefined) return ip;
  const problem = interfaceNameProblem(s);
  return problem ? `must be '', an IP address or an interface name: ${problem}` : null;
}

export function listenAddress(what = "an address to listen on"): z.ZodString {
  return z.string({ error: `must be ${what}` }).superRefine((s, ctx) => {
    const problem = listenAddressProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
