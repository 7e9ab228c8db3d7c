/**
 * LiveMigration inputs and outputs: the single source of truth for types, validation, messages and the
 * reference tables in docs/resources/live-migration.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { absolutePath } from "../../core/absolute-path";
import { connectionSchema } from "../../ssh/connection";
import { seconds } from "../../core/seconds";
import { domainName as domainNameField } from "../../core/fields/domain-name";
import { hostOrAddress } from "../../core/fields/network";

/** A Xen domain name as the toolstacks accept it, and as we can safely compare it in `xm list` output. */
const domainName = domainNameField()
  .describe("Name of the Xen domain (guest), as `xm list` / `xl list` shows it, e.g. `test01`.");

const hostName = z
  .string({ error: "must be a name" })
  .min(1, "must not be empty")
  .refine((s) => /^[A-Za-z0-9_.-]+$/.test(s), "must be letters, digits, '.', '_' or '-'");

const address = hostOrAddress();

/** `HOST:DOMAIN:idN` or `HOST:DOMAIN:never-seen`, with `:retryN` once a failover acted on it (plan.ts incidentId). */
const INCIDENT_RE = /^[A-Za-z0-9_.-]{1,255}:[A-Za-z0-9_.-]{1,64}:(id\d{1,10}|never-seen)(:retry\d{1,6})?$/;

export const candidateHostSchema = z
  .strictObject({
    name: hostName.describe(
      "Your name for this Xen host (e.g. `node1`). `desiredHost`, the outputs and every message use it.",
    ),
    connection: connectionSchema.describe(
      "How the provider reaches this host over SSH (same shape as @pulumi/command's remote connection).",
    ),
    migrationAddress: address.describe(
      "The address OTHER Xen hosts use to reach this one for migration: what `xm migrate` / `xl migrate` is " +
        "given when this host is the target (runbook: `192.168.233.151`). Often differs from `connection.host`.",
    ),
  })
  .describe("A Xen host the domain may run on.");

export const migrationOptionsSchema = z
  .strictObject({
    live: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .describe(
        "Live migration (`xm migrate -l`): memory is copied while the guest runs, then it pauses for a " +
          "moment. false pauses the guest for the whole copy. xl always migrates live and ignores this.",
      ),
    port: z
      .number({ error: "must be a port number" })
      .int("must be an integer")
      .min(1, "must be 1-65535")
      .max(65535, "must be 1-65535")
      .optional()
      .describe(
        "xm only: the target's relocation port (`xm migrate -p`). Default: the toolstack's own (8002, or 8003 " +
          "with `ssl`). Must match the target's `xend-relocation-port`.",
      ),
    ssl: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe("xm only: migrate over SSL (`xm migrate -s`); the target needs `xend-relocation-ssl-server yes`."),
    sshCommand: z
      .array(z.string({ error: "must be a string" }).min(1, "must not be empty"), { error: "must be a list of words" })
      .min(1, "must hold at least the program")
      .optional()
      .describe(
        "xl only: the ssh command xl runs on the source to reach the target, as a list of words (e.g. " +
          '`["ssh", "-p", "2222"]`). It is passed to `xl migrate -s` quoted word by word, followed by ' +
          "`-o StrictHostKeyChecking=yes` (the target's key must be in known_hosts whatever ssh_config says; a choice " +
          "of your own in these words comes first and wins). Default: `ssh`.",
      ),
    sshConfigFile: absolutePath("ssh_config file on the source host")
      .optional()
      .describe("xl only: an ssh_config file on the source host, added to the ssh command as `-F FILE`."),
    timeoutSeconds: seconds(1, 86400, 600).describe(
        "Limit for the migrate command itself. When it expires the command is stopped and the domain is " +
          "located again and left running in exactly one place.",
      ),
  })
  .describe("How to migrate.");

export const probeSchema = z
  .strictObject({
    connection: connectionSchema.describe("The host that sends the pings (e.g. a third machine, like the runbook's)."),
    address: address.describe("The guest's IP address to ping."),
    intervalSeconds: z
      .number({ error: "must be a number of seconds" })
      .min(0.002, "must be at least 0.002 (ping's lower limit as root)")
      .max(1, "must be at most 1")
      .default(0.01)
      .describe("Time between pings (`ping -i`); 0.01 (10 ms) resolves a sub-second pause."),
  })
  .describe(
    "Optional: measure what the guest felt. `ping -D` runs on this host for the whole migration; the longest " +
      "gap between replies becomes `lastMigration.downtimeMs`.",
  );

export const failoverSchema = z
  .strictObject({
    allow: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe(
        "When the host the domain runs on is unreachable, start the domain on `desiredHost` from shared storage.",
      ),
    fencedHost: hostName
      .optional()
      .describe(
        "Your confirmation that this host is FENCED (powered off, or cut from the shared storage). Required for " +
          "a failover away from it: starting the domain while the old copy may still run writes the same disk " +
          "from two hosts and corrupts it. Must name the unreachable host exactly.",
      ),
    incident: z
      .string({ error: "must be a string" })
      .regex(INCIDENT_RE, {
        error: 'must be the incident as the refusal names it, e.g. "node1:test01:id7"',
      })
      .optional()
      .describe(
        "The incident `fencedHost` is confirmed for, as the refusal names it (`HOST:DOMAIN:idN`: the copy of " +
          "the domain last seen on that host). A confirmation holds for that incident once: one left in the " +
          "program from an earlier incident, or already used by a failover, is refused.",
      ),
  })
  .describe("What to do when the domain's host is down. Default: refuse and explain.");

const TOOLSTACKS = ["xm", "xl", "detect"] as const;

export const liveMigrationInputsSchema = z
  .strictObject({
    domain: domainName,
    hosts: z
      .array(candidateHostSchema, { error: "must be a list of hosts" })
      .min(2, "needs at least two hosts")
      .describe("Every host the domain may run on. All are asked, in parallel, where the domain runs."),
    desiredHost: hostName.describe("The `name` of the host the domain must run on."),
    toolstack: z
      .enum(TOOLSTACKS, { error: `must be one of ${TOOLSTACKS.join(", ")}` })
      .default("detect")
      .describe(
        "`xm` (xend), `xl`, or `detect`: xm where xend answers, else xl. All hosts must use the same toolstack.",
      ),
    configPath: absolutePath("domain's config file on every host")
      .optional()
      .describe(
        "The domain's config file on every host. Default: `/etc/xen/DOMAIN`, else `/etc/xen/DOMAIN.cfg`. Preflight " +
          "requires it on the target, identical to the source's; a start (requested or failover) uses it.",
      ),
    migration: migrationOptionsSchema.default({ live: true, ssl: false, timeoutSeconds: 600 }),
    probe: probeSchema.optional(),
    failover: failoverSchema.default({ allow: false }),
    startIfStopped: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe(
        "When every host answers and none runs the domain, start it on `desiredHost`. Default: that is an error.",
      ),
    preflightOnly: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe(
        "Dry run: locate the domain and run every preflight check, report them in `preflight`, and migrate nothing.",
      ),
  })
  .superRefine((v, ctx) => {
    const names = v.hosts.map((h) => h.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: ["hosts", i, "name"], message: `duplicate host name "${n}"` });
    });
    if (!names.includes(v.desiredHost)) {
      ctx.addIssue({ code: "custom", path: ["desiredHost"], message: `must be one of the hosts' names (${names.join(", ")})` });
    }
    if (v.failover.fencedHost !== undefined && !names.includes(v.failover.fencedHost)) {
      ctx.addIssue({ code: "custom", path: ["failover", "fencedHost"], message: `must be one of the hosts' names (${names.join(", ")})` });
    }
    if (v.failover.incident !== undefined && INCIDENT_RE.test(v.failover.incident)) {
      const [host, domain] = v.failover.incident.split(":");
      if (v.failover.fencedHost === undefined) {
        ctx.addIssue({ code: "custom", path: ["failover", "incident"], message: "needs failover.fencedHost: it is the incident that host is confirmed fenced for" });
      } else if (host !== v.failover.fencedHost || domain !== v.domain) {
        ctx.addIssue({
          code: "custom",
          path: ["failover", "incident"],
          message: `must be an incident of ${v.domain} on failover.fencedHost, "${v.failover.fencedHost}:${v.domain}:…", as the refusal names it`,
        });
      }
    }
    if (v.failover.fencedHost !== undefined && v.failover.fencedHost === v.desiredHost) {
      ctx.addIssue({ code: "custom", path: ["failover", "fencedHost"], message: "cannot be the desired host: a fenced host cannot run the domain" });
    }
    if (v.toolstack === "xl" && (v.migration.port !== undefined || v.migration.ssl)) {
      ctx.addIssue({ code: "custom", path: ["migration"], message: "port and ssl are xm options; xl migrates over ssh" });
    }
    if (v.toolstack === "xm" && (v.migration.sshCommand !== undefined || v.migration.sshConfigFile !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["migration"], message: "sshCommand and sshConfigFile are xl options; xm uses the relocation server" });
    }
  });

export type LiveMigrationInputs = z.infer<typeof liveMigrationInputsSchema>;
export type CandidateHost = z.infer<typeof candidateHostSchema>;
export type Toolstack = "xm" | "xl";

export const preflightCheckSchema = z.object({
  host: z.string().describe("The host the fact is about."),
  check: z.string().describe("Which check: reachable, toolstack, config, disk, bridge, memory, version, relocation, ssh."),
  ok: z.boolean().describe("Whether it passed."),
  detail: z.string().describe("The fact, in words (what was found where)."),
});

export const lastMigrationSchema = z.object({
  from: z.string().describe("Host the domain left."),
  to: z.string().describe("Host the domain arrived on."),
  kind: z.enum(["migrate", "start"]).describe("`migrate` (live or not), or `start` (failover / start of a stopped domain)."),
  started: z.string().describe("When the migrate command started (ISO 8601, UTC)."),
  wallMs: z.number().describe("How long the toolstack's migrate command took (ms), verification not included."),
  downtimeMs: z
    .number()
    .nullable()
    .describe("Longest gap between ping replies during the migration (ms); null without a probe or without replies."),
  packetsSent: z.number().nullable().describe("Pings sent during the probe."),
  packetsLost: z.number().nullable().describe("Pings without a reply."),
  maxRttMs: z.number().nullable().describe("Slowest ping reply (ms)."),
  toolstack: z.enum(["xm", "xl"]).describe("The toolstack that did it."),
  fencedIncident: z
    .string()
    .optional()
    .describe("For a failover: the incident whose fencing confirmation it used (used once)."),
});

export const liveMigrationOutputsSchema = liveMigrationInputsSchema.safeExtend({
  currentHost: z
    .string()
    .nullable()
    .describe("Where the domain runs now, as found by asking every host; null when it runs nowhere (or only on hosts that did not answer)."),
  locations: z
    .array(z.object({ host: z.string(), listedAs: z.string(), state: z.string() }))
    .describe("Every place the domain was seen at the last look, under any name (e.g. `migrating-test01`)."),
  unreachableHosts: z.array(z.string()).describe("Hosts that could not be asked at the last look, with why."),
  preflight: z.array(preflightCheckSchema).describe("The last preflight's checks, passed and failed."),
  lastMigration: lastMigrationSchema.nullable().describe("The last move this resource made."),
  lastSeen: z
    .object({ host: z.string(), id: z.number().nullable() })
    .nullable()
    .optional()
    .describe(
      "Where the domain was last seen running, with its domain id; kept while it runs nowhere that answers. " +
        "A failover's fencing confirmation is bound to it (`failover.incident`).",
    ),
});

export type PreflightCheck = z.infer<typeof preflightCheckSchema>;
export type LastMigration = z.infer<typeof lastMigrationSchema>;
export type LiveMigrationOutputs = z.infer<typeof liveMigrationOutputsSchema>;
