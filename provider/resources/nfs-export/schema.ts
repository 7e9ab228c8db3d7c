/**
 * NfsExport inputs and outputs: the single source of truth for types, validation, messages and the reference
 * tables in docs/resources/nfs-export.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { connectionSchema } from "../../ssh/connection";
import { seconds } from "../../core/seconds";
import { absolutePath, optionWord } from "./fields";

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/** Why `host` is not an exports(5) client, or null when it is one. Pure. */
export function exportClientProblem(host: string): string | null {
  if (host === "*") return null;
  // exports(5): a word that starts with '-' sets the default options of the line; exportfs -ra then fails on it
  if (host.startsWith("-")) return "must not start with '-' (/etc/exports reads it as default options, not a client)";
  if (host.startsWith("@")) {
    return /^@[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(host) ? null : "a netgroup is @ followed by its name, e.g. @xenhosts";
  }
  const [addr, mask, ...more] = host.split("/");
  if (more.length > 0) return "has more than one /";
  if (/^[\d.]+$/.test(addr)) {
    if (!IPV4.test(addr)) return "is not a valid IPv4 address";
    if (mask === undefined) return null;
    if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) return null;
    if (IPV4.test(mask)) return null;
    return "the part after / must be a prefix length 0-32 or a dotted netmask";
  }
  if (addr.includes(":")) {
    if (!/^[0-9A-Fa-f:.]+$/.test(addr) || !addr.includes("::") && addr.split(":").length !== 8) {
      return "is not a valid IPv6 address";
    }
    if (mask === undefined || (/^\d{1,3}$/.test(mask) && Number(mask) <= 128)) return null;
    return "the part after / must be a prefix length 0-128";
  }
  if (mask !== undefined) return "a host name or wildcard cannot have a /prefix";
  if (!/^[A-Za-z0-9*?[\]_-]+(\.[A-Za-z0-9*?[\]_-]+)*$/.test(addr)) {
    return "must be a host name (wildcards * ? [a-z] allowed), an IP address, a CIDR network, @netgroup or *";
  }
  return null;
}

export const DEFAULT_EXPORT_OPTIONS = ["rw", "sync", "no_subtree_check"];

export const exportClientSchema = z
  .strictObject({
    host: z
      .string({ error: "must be a client: host name, IP address, CIDR network, wildcard, @netgroup or *" })
      .superRefine((h, ctx) => {
        const why = exportClientProblem(h);
        if (why !== null) ctx.addIssue({ code: "custom", message: `${JSON.stringify(h)} ${why}` });
      })
      .describe(
        "Who may mount: a host name (`node1.example.com`), an IP address (`10.10.10.10`), a network " +
          "(`10.10.10.0/24` or `10.10.10.0/255.255.255.0`), a wildcard (`*.example.com`), a netgroup " +
          "(`@xenhosts`) or `*` for everyone. Written to /etc/exports as is (exports(5)).",
      ),
    options: z
      .array(optionWord("export", "no_root_squash"), { error: "must be a list of export options" })
      .default(DEFAULT_EXPORT_OPTIONS)
      .describe(
        "Export options for this client, one per item, in the order exportfs applies them, e.g. " +
          '`["rw", "sync", "no_root_squash", "no_subtree_check"]` (exports(5)). Xen hosts that run domains as ' +
          "root from image files on the share need `no_root_squash`. Default: `rw`, `sync`, `no_subtree_check`.",
      ),
  })
  .superRefine((c, ctx) => {
    if (c.options.includes("rw") && c.options.includes("ro")) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "cannot hold both rw and ro" });
    }
  })
  .describe("One client of the export and its options: one `host(options)` item of the /etc/exports line.");

const userOrGroup = (what: string) =>
  z
    .string({ error: `must be a ${what} name or numeric id` })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, `must be a ${what} name or numeric id (letters, digits, . _ -)`);

export const nfsExportInputsSchema = z.strictObject({
  connection: connectionSchema.describe(
    "How the provider reaches the NFS server over SSH (same shape as @pulumi/command's remote connection).",
  ),
  path: absolutePath("exported directory").describe(
    "The directory to export, e.g. `/data` (runbook step 1). One entry per path: an existing /etc/exports " +
      "entry for this path is replaced in place, never duplicated. Changing it replaces the resource.",
  ),
  clients: z
    .array(exportClientSchema, { error: "must be a list of clients" })
    .min(1, "must name at least one client")
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((c, i) => {
        const first = seen.get(c.host);
        if (first !== undefined) {
          ctx.addIssue({ code: "custom", path: [i, "host"], message: `${c.host} is already clients[${first}]` });
        } else seen.set(c.host, i);
      });
    })
    .describe(
      "Who may mount the export, in order (exportfs uses the first client that matches a host). " +
        "Example: the two Xen hosts' storage addresses, each with `rw`, `sync`, `no_root_squash`.",
    ),
  createDirectory: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Create the directory (with its parents) when it is missing. false: a missing directory is an error. " +
        "Delete never removes the directory or anything in it.",
    ),
  owner: userOrGroup("user")
    .optional()
    .describe("Owner the directory must have (applied when created, and corrected if it differs). Default: left as is (root when created)."),
  group: userOrGroup("group")
    .optional()
    .describe("Group the directory must have (applied when created, and corrected if it differs). Default: left as is."),
  mode: z
    .string({ error: 'must be octal permission bits as a string, e.g. "0755"' })
    .regex(/^0?[0-7]{3}$/, 'must be octal permission bits such as "0755" or "755"')
    .optional()
    .describe('Permission bits the directory must have, e.g. `"0755"`. Default: left as is (0755 when created).'),
  serviceEnabled: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Make sure the NFS server service starts at boot (`systemctl enable nfs-server`, `chkconfig nfs on`, or " +
        "`update-rc.d nfs-kernel-server enable`). false leaves the boot setting as it is: this resource never " +
        "disables the NFS server, which may serve other exports.",
    ),
  serviceRunning: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Make sure the NFS server service is running (started when it is not). It is never restarted: exports " +
        "change with `exportfs -ra`, which keeps client connections. false leaves it as it is (never stopped).",
    ),
  serviceName: z
    .string({ error: "must be a service name" })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/, "must be a service name such as nfs-server")
    .optional()
    .describe(
      "The NFS server's service name. Default: found on the host: `nfs-server` or `nfs-kernel-server` on " +
        "systemd, `nfs` (RHEL/OL/CentOS) or `nfs-kernel-server` (Debian) on SysV init.",
    ),
  timeoutSeconds: seconds(5, 3600, 120)
    .describe("Time limit for each remote step (reading facts, writing, exportfs, service start)."),
  allowWideRootAccess: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .describe(
      "Must be true to give root access to everyone or to many hosts: a client of `*`, a wildcard name, a " +
        "netgroup or a network (`/prefix`) with `no_root_squash` (every host it matches may then write the disk " +
        "images as root). Default false: such a client is refused in check.",
    ),
}).superRefine((v, ctx) => {
  if (v.allowWideRootAccess) return;
  v.clients.forEach((c, i) => {
    const wide = c.host === "*" || /[*?[]/.test(c.host) || c.host.startsWith("@") || c.host.includes("/");
    if (wide && c.options.includes("no_root_squash")) {
      ctx.addIssue({
        code: "custom", path: ["clients", i, "host"],
        message: `${JSON.stringify(c.host)} with no_root_squash lets every host it matches write as root: name single hosts, or set allowWideRootAccess: true`,
      });
    }
  });
});

export type NfsExportInputs = z.infer<typeof nfsExportInputsSchema>;
export type ExportClientInput = z.infer<typeof exportClientSchema>;

/** What the server really has, reported by create, update and read (for drift). */
export interface NfsExportObserved {
  /** The active /etc/exports entry for the path as written in the file (first one), or null. */
  entry: string | null;
  /** Live exports of the path from `exportfs -v`: client and options as the server reports them. */
  live: { client: string; options: string[] | null }[];
  /** The NFS server service found on the host, or null when none was found. */
  service: { name: string; init: "systemd" | "sysv"; running: boolean; enabledAtBoot: boolean } | null;
  /** Differences between the inputs and the host, in words; empty when converged. */
  drift: string[];
  /** The backup of /etc/exports made by the last change, or null. */
  backupPath: string | null;
}

export type NfsExportOutputs = NfsExportInputs & NfsExportObserved;

/** The id of an export: host and path. */
export function exportId(i: Pick<NfsExportInputs, "connection" | "path">): string {
  return `${i.connection.host}:${i.path}`;
}
