/**
 * The connection input. Same shape as @pulumi/command's remote.Command connection, so one object serves both
 * libraries, plus explicit host-key options and sudo. Host keys are verified by default (unlike
 * @pulumi/command, which ignores them when hostKey is omitted).
 */
import { z } from "zod";
import type { types as commandTypes } from "@pulumi/command";
import { parsePinnedKey } from "./host-key";
import { hostOrAddress, userName } from "../core/fields/network";

const hostname = hostOrAddress().describe("Host name or address to connect to.");

const hostKey = z
  .string({ error: 'must be an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint' })
  .superRefine((v, ctx) => {
    const parsed = parsePinnedKey(v);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  });

/** Fields shared by the target and the jump host. */
const endpointFields = {
  host: hostname,
  port: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be 1-65535")
    .max(65535, "must be 1-65535").default(22).describe("SSH port."),
  user: userName.default("root")
    .describe("User to log in as; a non-root user needs `sudo`."),
  password: z.string({ error: "must be a string" }).optional()
    .describe("Password for password authentication. Secret: never stored or logged in plaintext."),
  privateKey: z.string({ error: "must be the text of a private key (PEM or OpenSSH format)" })
    .refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), "must be the text of a private key " +
      "(it starts with -----BEGIN ... PRIVATE KEY-----), not a path")
    .optional()
    .describe("Text of the private key (PEM or OpenSSH format), not a path. Secret."),
  privateKeyPassword: z.string({ error: "must be a string" }).optional()
    .describe("Passphrase of an encrypted private key. Secret."),
  agentSocketPath: z.string({ error: "must be a path" }).min(1, "must not be empty").optional()
    .describe("Path of an ssh-agent socket to authenticate with (e.g. $SSH_AUTH_SOCK)."),
  dialErrorLimit: z.number({ error: "must be a number" }).int("must be an integer")
    .min(-1, "must be -1 (unlimited) or a positive count").refine((n) => n !== 0, "must be -1 (unlimited) or a positive count")
    .default(10)
    .describe("Dial attempts, with backoff, before giving up; -1 means unlimited (as in @pulumi/command)."),
  perDialTimeout: z.number({ error: "must be a number of seconds" }).min(0, "must be >= 0 seconds").default(15)
    .describe("Seconds allowed for each dial (TCP connect, handshake, authentication); 0 means no limit."),
  hostKey: hostKey.optional()
    .describe("The host's key, pinned: an OpenSSH public key line or a SHA256:... fingerprint. " +
      "Without it the key must be in knownHostsPath."),
  knownHostsPath: z.string({ error: "must be a path" }).min(1, "must not be empty").optional()
    .describe("known_hosts file to check the host key against when no hostKey is pinned " +
      "(default ~/.ssh/known_hosts)."),
  insecureIgnoreHostKey: z.boolean({ error: "must be true or false" }).optional()
    .describe("Turns host-key verification off. Only for throwaway hosts: it allows a man in the middle."),
};

function checkHostKeyOptions(
  v: { hostKey?: string; knownHostsPath?: string; insecureIgnoreHostKey?: boolean },
  ctx: z.RefinementCtx,
): void {
  if (v.insecureIgnoreHostKey && v.hostKey !== undefined) {
    ctx.addIssue({ code: "custom", path: ["insecureIgnoreHostKey"],
      message: "cannot be combined with hostKey: either pin the key or turn verification off, not both" });
  }
  if (v.insecureIgnoreHostKey && v.knownHostsPath !== undefined) {
    ctx.addIssue({ code: "custom", path: ["insecureIgnoreHostKey"],
      message: "cannot be combined with knownHostsPath: either verify against it or turn verification off" });
  }
}

export const proxySchema = z.strictObject(endpointFields).superRefine(checkHostKeyOptions);

export const sudoSchema = z.strictObject({
  password: z.string({ error: "must be a string" }).optional()
    .describe("The user's sudo password; omit it when sudo is NOPASSWD. Secret."),
});

export const connectionSchema = z
  .strictObject({
    ...endpointFields,
    proxy: proxySchema.optional().describe("A jump host reached first; the target is dialed through it (ssh -J)."),
    sudo: sudoSchema.optional().describe("Become root with sudo for every command (for a non-root user)."),
  })
  .superRefine(checkHostKeyOptions);

/** A validated connection with defaults applied. */
export type Connection = z.infer<typeof connectionSchema>;
export type ProxyConnection = z.infer<typeof proxySchema>;
/** What users write (defaults optional). */
export type ConnectionInput = z.input<typeof connectionSchema>;

/** Validates and applies defaults; the error names each bad field ("connection.port: must be 1-65535"). */
export function parseConnection(input: unknown, prefix = "connection"): Connection {
  const r = connectionSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].join(".");
    return `${path}: ${i.message}`;
  });
  throw new Error(`invalid SSH connection: ${lines.join("; ")}`);
}

/** "root@198.18.0.10:22", the name of a connection in messages. Never contains secrets. */
export function connectionLabel(c: { user: string; host: string; port: number }): string {
  return `${c.user}@${c.host}:${c.port}`;
}

// Compile-time check that a resolved @pulumi/command remote connection is accepted as our input, so users can
// pass one object to both libraries. Fails to compile if the shapes drift apart.
// The key check catches a field @pulumi/command adds that our strict schema would reject at run time.
type Assignable<T extends U, U> = T;
type Never<T extends never> = T;
type CommandConnection = commandTypes.output.remote.Connection;
type _CommandConnectionIsAccepted = Assignable<CommandConnection, ConnectionInput>;
type _NoUnknownCommandFields = Never<Exclude<keyof CommandConnection, keyof ConnectionInput>>;
type _NoUnknownCommandProxyFields = Never<
  Exclude<keyof commandTypes.output.remote.ProxyConnection, keyof z.input<typeof proxySchema>>
>;
