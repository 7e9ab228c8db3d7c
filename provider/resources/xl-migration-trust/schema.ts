/**
 * XlMigrationTrust inputs and outputs: the single source of truth for types, validation, messages and the
 * reference tables in docs/resources/xl-migration-trust.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { absolutePath } from "../../core/absolute-path";
import { seconds } from "../../core/seconds";
import { connectionSchema } from "../../ssh/connection";
import { hostOrAddress } from "../../core/fields/network";


// The paths go into sshd's and ssh's own files, which quote differently: only characters neither gives a meaning to.
const SSH_FILE_PATH = { allowed: /[A-Za-z0-9_./@+-]/, rule: "only letters, digits and / . _ - + @ are allowed" };

export const xlMigrationTrustInputsSchema = z.strictObject({
  source: connectionSchema.describe(
    "The host domains migrate FROM (it runs `xl migrate`); its root gets a key, created there, that never leaves it.",
  ),
  target: connectionSchema.describe("The host domains migrate TO (it runs `xl migrate-receive`); its root authorizes the key, restricted."),
  targetAddress: hostOrAddress()
    .optional()
    .describe(
      "The name or address the source uses for the target in `xl migrate DOMAIN HOST` (known_hosts and ssh_config " +
        "are written for it). Default: target.host.",
    ),
  sourceAddresses: z
    .array(z.string().regex(/^[A-Za-z0-9_.:*?/][A-Za-z0-9_.:*?/-]*$/, "must be an address, host name or pattern (letters, digits and _ . : * ? / -, not starting with '-')"), { error: "must be a list of addresses" })
    .min(1, "must hold at least one address")
    .optional()
    .describe(
      "Addresses the target sees the source connect from: the key's `from=` list. Default: the source's own " +
        "address on its route to the target (`ip route get`).",
    ),
  keyPath: absolutePath("private key on the source", SSH_FILE_PATH)
    .optional()
    .describe("The private key on the source. Default /root/.ssh/id_xen_migrate_TARGET (one key per target, so delete is exact)."),
  sshClientConfig: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe(
      "Add a `Host TARGET` block to the source root's ~/.ssh/config (IdentityFile = the key, IdentitiesOnly), " +
        "so that a plain `xl migrate DOMAIN TARGET` uses the key. Root's interactive `ssh TARGET` by that name then " +
        "gets the restricted key too; use another name for it, or set false and pass the `sshCommand` output to " +
        "`xl migrate -s` (LiveMigration's migration.sshCommand).",
    ),
  authorizedKeysPath: absolutePath("authorized_keys file on the target", SSH_FILE_PATH)
    .optional()
    .describe(
      "authorized_keys file on the target. Default: root's ~/.ssh/authorized_keys when sshd reads it (sshd -T), " +
        "else the first AuthorizedKeysFile sshd uses for root.",
    ),
  timeoutSeconds: seconds(5, 3600, 120).describe("Time limit for each remote step."),
});

export type XlMigrationTrustInputs = z.infer<typeof xlMigrationTrustInputsSchema>;

export const WRAPPER_PATH = "/usr/local/sbin/xen-ha-xl-migrate-receive";

export function targetName(i: Pick<XlMigrationTrustInputs, "target" | "targetAddress">): string {
  return i.targetAddress ?? i.target.host;
}

export function defaultKeyPath(i: Pick<XlMigrationTrustInputs, "target" | "targetAddress" | "keyPath">): string {
  return i.keyPath ?? `/root/.ssh/id_xen_migrate_${targetName(i).replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

export function trustId(i: Pick<XlMigrationTrustInputs, "source" | "target" | "targetAddress">): string {
  return `${i.source.host}->${targetName(i)}`;
}

export interface XlMigrationTrustObserved {
  /** The key on the source (the private part stays there). */
  privateKeyPath: string;
  /** The public key (`type blob comment`). */
  publicKey: string;
  /** Whether this resource created the key (delete then removes it). */
  keyCreated: boolean;
  /** The authorized_keys file on the target and the exact line this resource put there. */
  authorizedKeysFile: string;
  authorizedLine: string;
  /** The forced command on the target: a script that only runs `xl [-t] [-T] [-v…] migrate-receive [-e] [-d] [-p] [-T]`. */
  wrapperPath: string;
  /** Whether this resource installed the wrapper (delete removes it when no key uses it any more). */
  wrapperInstalled: boolean;
  /** The source addresses in the key's from= option. */
  fromAddresses: string[];
  /** The target's host keys recorded in the source's known_hosts by this resource (exact lines; delete removes them). */
  knownHostsAdded: string[];
  /** Whether this resource added the ssh_config block on the source. */
  sshConfigAdded: boolean;
  /** Files this resource created (`target:PATH` / `source:PATH`): delete removes them when they end up empty. */
  createdFiles: string[];
  /** `xl migrate -s` command words that use the key without ssh_config (for LiveMigration's migration.sshCommand). */
  sshCommand: string[];
  /** Problems found by read (key gone, line changed, host key changed); empty when in place. */
  drift: string[];
}

export type XlMigrationTrustOutputs = XlMigrationTrustInputs & XlMigrationTrustObserved;
