/**
 * Input fields shared by NfsExport and NfsMount: paths and NFS option words. They are stricter than Linux
 * (which allows almost any byte in a path): a path that goes into /etc/exports, /etc/fstab, a mount command and
 * error messages must mean one thing everywhere, so white space, control characters, quotes and shell
 * metacharacters are refused in `check`, before any host is touched.
 */
import { z } from "zod";

export { absolutePath } from "../../core/absolute-path";

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
