/**
 * Input fields shared by NfsExport and NfsMount: paths and NFS option words. They are stricter than Linux
 * (which allows almost any byte in a path): a path that goes into /etc/exports, /etc/fstab, a mount command and
 * error messages must mean one thing everywhere, so white space, control characters, quotes and shell
 * metacharacters are refused in `check`, before any host is touched.
 */
import { z } from "zod";

const PATH_CHARS = /^[A-Za-z0-9._+,:@%=~/-]*$/;

/** An absolute, normalised path made of safe characters; never `/` itself. */
export function absolutePath(what: string): z.ZodString {
  return z
    .string({ error: `must be an absolute path (the ${what})` })
    .superRefine((p, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (!p.startsWith("/")) return fail(`must be an absolute path starting with "/", got ${JSON.stringify(p)}`);
      if (/\s/.test(p)) return fail(`must not contain white space (spaces, tabs or newlines): ${JSON.stringify(p)}`);
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(p)) return fail(`must not contain control characters: ${JSON.stringify(p)}`);
      if (!PATH_CHARS.test(p)) {
        const bad = [...new Set([...p].filter((c) => !PATH_CHARS.test(c)))].join(" ");
        return fail(
          `contains ${bad}: only letters, digits and . _ - + , : @ % = ~ / are allowed (no shell metacharacters)`,
        );
      }
      if (p === "/") return fail(`must not be "/" itself`);
      if (p.endsWith("/")) return fail(`must not end with "/": ${JSON.stringify(p)}`);
      if (p.includes("//")) return fail(`must not contain "//": ${JSON.stringify(p)}`);
      if (p.split("/").some((s) => s === "." || s === "..")) return fail(`must not contain "." or ".." parts: ${p}`);
    });
}

/**
 * One mount or export option: a word (`hard`, `no_root_squash`) or `key=value` (`rsize=32768`,
 * `sec=sys:krb5`, `anonuid=65534`). Commas are refused because the option list is the array itself.
 */
export function optionWord(kind: string, example: string): z.ZodString {
  return z.string({ error: `must be one ${kind} option as a string, e.g. ${example}` }).superRefine((o, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    if (o === "") return fail("must not be empty");
    if (/\s/.test(o)) return fail(`must be one option without white space (spaces, tabs, newlines): ${JSON.stringify(o)}`);
    if (o.includes(",")) return fail(`must be one option, not a comma-separated list (give each as its own item): ${o}`);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(=[A-Za-z0-9_.:/@+%-]*)?$/.test(o)) {
      return fail(`is not a valid ${kind} option (a word or key=value of letters, digits and _ . : / @ + % -): ${JSON.stringify(o)}`);
    }
  });
}

/** A host name or IP address (no user@, no port, no spaces); IPv6 in brackets for NFS sources. */
export const serverName = z
  .string({ error: "must be the NFS server's host name or IP address" })
  .superRefine((s, ctx) => {
    const ok =
      /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(s) ||
      /^\[[0-9A-Fa-f:.]+\]$/.test(s);
    if (!ok) {
      ctx.addIssue({
        code: "custom",
        message: `must be a host name, an IPv4 address or an IPv6 address in brackets, got ${JSON.stringify(s)}`,
      });
    }
  });
