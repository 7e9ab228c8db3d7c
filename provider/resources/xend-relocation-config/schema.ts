/**
 * XendRelocationConfig inputs and outputs: the single source of truth for types, validation, messages and the
 * reference tables in docs/resources/xend-relocation-config.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { absolutePath } from "../../core/absolute-path";
import { listenAddress } from "../../core/fields/network";
import { python2RegexProblem } from "../../core/fields/python";
import { seconds } from "../../core/seconds";
import { connectionSchema } from "../../ssh/connection";
import { exactHostPattern, type RelocationSettings } from "../../formats/sxp-xend-relocation";

const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** Why `s` is not an exact host name or IP address, or null. Pure. */
export function exactHostProblem(s: string): string | null {
  if (IPV4.test(s)) return null;
  if (s.includes(":")) return IPV6.test(s) && (s.includes("::") || s.split(":").length === 8) ? null : "is not a valid IPv6 address";
  if (/^[\d.]+$/.test(s)) return "is not a valid IPv4 address";
  if (!HOST_NAME.test(s) || s.length > 253) return "is not a host name (letters, digits, '-', '_', dots between labels)";
  return null;
}

/** Why `p` cannot be one xend hosts-allow pattern, or null. Pure. */
export function hostsAllowRegexProblem(p: string): string | null {
  if (p === "") return "is empty (xend would then accept every host): use allowAllHosts for that";
  // xend splits the value on single spaces, so a pattern cannot hold one
  if (/\s/.test(p)) return "must not contain white space (xend splits hosts-allow on spaces)";
  try {
    new RegExp(p);
  } catch (e) {
    return `is not a valid regular expression: ${(e as Error).message}`;
  }
  // xend compiles it with Python 2's re, which reads some of what JavaScript accepts differently, or not at all
  return python2RegexProblem(p);
}

export const hostsAllowItemSchema = z
  .union([
    z
      .string({ error: "must be a host name or IP address, or { regex: '...' }" })
      .superRefine((s, ctx) => {
        const why = exactHostProblem(s);
        if (why) ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} ${why}` });
      }),
    z.strictObject({
      regex: z
        .string({ error: "must be a regular expression" })
        .superRefine((s, ctx) => {
          const why = hostsAllowRegexProblem(s);
          if (why) ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} ${why}` });
        })
        .describe("A Python regular expression, matched from the start of the client's FQDN and of its IP address."),
    }),
  ])
  .describe(
    "One allowed client: an exact host name or IP address (written as an anchored, escaped regex, e.g. " +
      "`198.18.0.12` becomes `^198\\.18\\.0\\.12$`), or `{ regex: '^node[12]\\.example\\.com$' }` as is.",
  );

const portSchema = (what: string) =>
  z
    .number({ error: "must be a port number" })
    .int("must be an integer")
    .min(1, "must be 1-65535")
    .max(65535, "must be 1-65535")
    .describe(what);

const xendPath = (what: string) =>
  z
    .string({ error: "must be a path" })
    .min(1, "must not be empty")
    .refine((s) => !/[\s'"\\]/.test(s), "must not contain white space, quotes or backslashes")
    .describe(what);

export const sslSchema = z
  .strictObject({
    port: portSchema("Port of the SSL relocation server (`xend-relocation-ssl-port`). Default 8003.").default(8003),
    keyFile: xendPath(
      "Private key of the SSL relocation server (`xend-relocation-server-ssl-key-file`); a relative path is " +
        "relative to /etc/xen. Must exist on the host, or xend does not start.",
    ),
    certFile: xendPath("Certificate of the SSL relocation server (`xend-relocation-server-ssl-cert-file`); relative to /etc/xen if relative."),
  })
  .describe(
    "Also run xend's SSL relocation server (`xend-relocation-ssl-server yes`), for `xm migrate -s`. Absent: " +
      "the SSL relocation server is turned off.",
  );

export const xendRelocationInputsSchema = z
  .strictObject({
    connection: connectionSchema.describe(
      "How the provider reaches the Xen host (xend/xm toolstack) over SSH (same shape as @pulumi/command's remote connection).",
    ),
    enabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .describe("Run xend's relocation server (`xend-relocation-server`), which receives `xm migrate` streams. Default true."),
    port: portSchema("TCP port of the relocation server (`xend-relocation-port`). Default 8002.").default(8002),
    address: listenAddress()
      .default("")
      .describe(
        "Address the relocation server listens on (`xend-relocation-address`): an IP address of the host, or " +
          "'' (the default) for every address. From Xen 4.1 an interface name such as `xenbr1` is accepted too.",
      ),
    hostsAllow: z
      .array(hostsAllowItemSchema, { error: "must be a list of hosts" })
      .default([])
      .describe(
        "Who may migrate domains to this host (`xend-relocation-hosts-allow`): the other Xen hosts, by exact " +
          "name or address, or explicit regexes. xend matches each from the start of the client's FQDN and of " +
          "its IP address. Empty is only allowed with allowAllHosts.",
      ),
    allowAllHosts: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe(
        "Accept migrations from every host (hosts-allow ''). The migration stream is NOT encrypted and gives " +
          "whoever connects the power to start domains here: only on an isolated network. A warning is logged.",
      ),
    ssl: sslSchema.optional(),
    configPath: absolutePath("xend configuration file")
      .default("/etc/xen/xend-config.sxp")
      .describe("xend's configuration file. Default /etc/xen/xend-config.sxp. Changing it replaces the resource."),
    timeoutSeconds: seconds(5, 3600, 120)
      .describe("Time limit for each remote step (reading facts, writing, restarting xend and waiting for it)."),
  })
  .superRefine((v, ctx) => {
    if (v.enabled && v.hostsAllow.length === 0 && !v.allowAllHosts) {
      ctx.addIssue({
        code: "custom",
        path: ["hostsAllow"],
        message:
          "is empty: list the Xen hosts allowed to migrate here (e.g. the other node's address), or set " +
          "allowAllHosts: true to accept every host (the migration stream is unencrypted)",
      });
    }
    if (v.allowAllHosts && v.hostsAllow.length > 0) {
      ctx.addIssue({ code: "custom", path: ["allowAllHosts"], message: "contradicts hostsAllow: give one or the other" });
    }
    if (v.ssl && v.ssl.port === v.port) {
      ctx.addIssue({ code: "custom", path: ["ssl", "port"], message: `must differ from port (${v.port})` });
    }
  });

export type XendRelocationInputs = z.infer<typeof xendRelocationInputsSchema>;
export type HostsAllowItem = z.infer<typeof hostsAllowItemSchema>;

/** The hosts-allow value written to the file: exact hosts as anchored, escaped regexes, joined by single spaces. */
export function hostsAllowValue(items: readonly HostsAllowItem[]): string {
  return items.map((i) => (typeof i === "string" ? exactHostPattern(i) : i.regex)).join(" ");
}

/** What the resource observes and reports (besides echoing its inputs). */
export interface XendRelocationObserved {
  /** The effective relocation settings of the file, as xend reads it (first entry wins, defaults when absent). */
  effective: RelocationSettings;
  /**
   * The effective settings found before this resource first changed the file. Delete restores exactly
   * these (e.g. the upstream default's `server yes` with localhost only, or Red Hat's relocation off).
   */
  previous: RelocationSettings;
  /** Whether the file did not exist before create: delete then removes it again (keeping a `.xen-ha-deleted.bak` copy). */
  createdFile: boolean;
  /** The value written to xend-relocation-hosts-allow. */
  hostsAllowValue: string;
  /** Whether xend answers (`xm list`). */
  xendRunning: boolean;
  /** TCP listeners of xend's relocation ports seen on the host, e.g. `0.0.0.0:8002`. */
  listening: string[];
  /** Whether the last create/update restarted xend (only when the effective settings changed). */
  xendRestarted: boolean;
  /** The backup of the file made by the last change, or null. */
  backupPath: string | null;
  /** Differences between the inputs and the host, in words; empty when converged. */
  drift: string[];
  /** Warnings of the last create/update (e.g. allowAllHosts, xend not running), also logged. */
  warnings: string[];
}

export type XendRelocationOutputs = XendRelocationInputs & XendRelocationObserved;

export function relocationId(i: Pick<XendRelocationInputs, "connection" | "configPath">): string {
  return `${i.connection.host}:${i.configPath}`;
}
