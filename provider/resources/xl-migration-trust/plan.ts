/**
 * XlMigrationTrust's plan: PURE functions of the inputs and both hosts' facts. The target authorizes the
 * source's key only for `xl migrate-receive` (a forced command that checks what the client asked for), only
 * from the source's addresses, with every forwarding, pty and rc file off; the source records the target's host
 * keys and (optionally) an ssh_config block. Removal takes back exactly what was added.
 */
import type { SourceFacts, TargetFacts } from "./facts";
import {
  appendLines,
  hasSshConfigBlock,
  linesWithCommand,
  parseAuthorizedKey,
  parsePublicKey,
  planKnownHosts,
  removeAuthorizedKey,
  removeLines,
  removeSshConfigBlock,
  setAuthorizedKey,
  setSshConfigBlock,
  type PublicKey,
} from "./ssh-files";
import { FORCED_COMMAND_REFUSAL } from "./refusal";
import { defaultKeyPath, targetName, WRAPPER_PATH, type XlMigrationTrustInputs, type XlMigrationTrustObserved } from "./schema";

/**
 * The forced command. sshd puts what the client asked for in SSH_ORIGINAL_COMMAND; `xl migrate` asks for
 * `xl [-t] [-T] [-v…] migrate-receive [-e] [-d] [-p] [-T]` (tools/xl/xl_migrate.c, Xen 4.4–4.20). Anything
 * else, including a second line, is refused.
 */
export const WRAPPER_SCRIPT = `#!/bin/sh
# Installed by xen-ha (XlMigrationTrust). The forced command of the xl migration keys in root's
# authorized_keys: it runs "xl migrate-receive" as "xl migrate" on the source asks for it, and nothing else.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cmd=$SSH_ORIGINAL_COMMAND
nl='
'
case "$cmd" in
  *"$nl"*) ;;
  *)
    if printf '%s\\n' "$cmd" | grep -Eqx 'xl( -t)?( -T)?( -v+)? migrate-receive( -[edpT])*'; then
      set -f
      # shellcheck disable=SC2086
      exec $cmd
    fi
    ;;
esac
echo "${FORCED_COMMAND_REFUSAL}; refused: $cmd" >&2
exit 1
`;

/** The key options: as restricted as the target's OpenSSH allows (`restrict` exists from 7.2). */
export function keyOptions(openssh: [number, number] | null, from: readonly string[]): string {
  const modern = openssh !== null && (openssh[0] > 7 || (openssh[0] === 7 && openssh[1] >= 2));
  const base = modern ? "restrict" : "no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty";
  return `${base},command="${WRAPPER_PATH}",from="${from.join(",")}"`;
}

export function authorizedLine(openssh: [number, number] | null, from: readonly string[], key: PublicKey): string {
  return `${keyOptions(openssh, from)} ${key.type} ${key.blob}${key.comment ? ` ${key.comment}` : ""}`;
}

/** `xl migrate -s` words that use the key whatever ssh_config says. */
export function sshCommand(keyPath: string): string[] {
  return ["ssh", "-i", keyPath, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"];
}

export interface TrustPlan {
  errors: string[];
  warnings: string[];
  keyPath: string;
  fromAddresses: string[];
  authorizedKeysFile: string;
  authorizedLine: string;
  /** new authorized_keys content, or null when unchanged */
  authorizedKeys: string | null;
  /** the wrapper to install, or null when in place */
  wrapper: string | null;
  /** new known_hosts content (null: unchanged) and the lines added */
  knownHosts: string | null;
  knownHostsAdded: string[];
  /** new ssh_config content, or null when unchanged */
  sshConfig: string | null;
}

export interface TrustInputsState {
  source: SourceFacts;
  target: TargetFacts;
  authorizedKeysFile: string;
  authorizedKeys: string | null;
}

export function planTrust(i: XlMigrationTrustInputs, s: TrustInputsState): TrustPlan {
  const name = targetName(i);
  const keyPath = defaultKeyPath(i);
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!s.target.xl) errors.push(`${i.target.host}: xl is not installed, so it cannot receive migrations (xl migrate-receive)`);
  const from = i.sourceAddresses ?? (s.source.routeSource ? [s.source.routeSource] : []);
  if (from.length === 0) errors.push(`${i.source.host}: cannot tell its address towards ${name} (ip route get); give sourceAddresses`);
  const key = s.source.publicKey === null ? null : parsePublicKey(s.source.publicKey);
  if (key === null) errors.push(`${i.source.host}: ${keyPath}.pub is missing or not a public key`);
  if (s.target.hostKeys.length === 0) errors.push(`${i.target.host}: no host keys found in /etc/ssh/ssh_host_*_key.pub`);
  const known = planKnownHosts(s.source.knownHosts, name, s.target.hostKeys);
  for (const c of known.conflicts) {
    errors.push(
      `${i.source.host}: /root/.ssh/known_hosts line ${c.line} has another ${c.key.type} key for ${name}, so ssh would refuse ` +
        `the target: remove it (ssh-keygen -R ${name}) if ${name} was reinstalled`,
    );
  }
  const empty: TrustPlan = {
    errors, warnings, keyPath, fromAddresses: from, authorizedKeysFile: s.authorizedKeysFile, authorizedLine: "",
    authorizedKeys: null, wrapper: null, knownHosts: null, knownHostsAdded: [], sshConfig: null,
  };
  if (errors.length > 0 || key === null) return empty;
  if (s.target.openssh === null || s.target.openssh[0] < 7 || (s.target.openssh[0] === 7 && s.target.openssh[1] < 2)) {
    warnings.push(`${i.target.host}: OpenSSH before 7.2 has no "restrict": forwarding and pty are turned off one by one instead`);
  }
  const line = authorizedLine(s.target.openssh, from, key);
  const ak = setAuthorizedKey(s.authorizedKeys, key.blob, line);
  // the block is added when asked for, and taken out again when no longer asked for
  const wantedConfig = i.sshClientConfig ? setSshConfigBlock(s.source.sshConfig, name, keyPath) : removeSshConfigBlock(s.source.sshConfig, name);
  const sshConfig = wantedConfig === (s.source.sshConfig ?? "") ? null : wantedConfig;
  return {
    ...empty,
    authorizedLine: line,
    authorizedKeys: ak === (s.authorizedKeys ?? "") ? null : ak,
    wrapper: s.target.wrapper === WRAPPER_SCRIPT ? null : WRAPPER_SCRIPT,
    knownHosts: known.add.length ? appendLines(s.source.knownHosts, known.add) : null,
    knownHostsAdded: known.add,
    sshConfig,
  };
}

export interface RemovalPlan {
  authorizedKeys: string | null;
  removeWrapper: boolean;
  knownHosts: string | null;
  sshConfig: string | null;
  removeKey: boolean;
}

/** Takes back exactly what `o` says was added, given the files as they are now. */
export function planRemoval(
  i: XlMigrationTrustInputs,
  o: Pick<XlMigrationTrustObserved, "publicKey" | "keyCreated" | "wrapperInstalled" | "knownHostsAdded" | "sshConfigAdded" | "wrapperPath">,
  now: { authorizedKeys: string | null; knownHosts: string | null; sshConfig: string | null },
): RemovalPlan {
  const key = parsePublicKey(o.publicKey ?? "");
  const ak = key ? removeAuthorizedKey(now.authorizedKeys, key.blob) : now.authorizedKeys ?? "";
  const othersUseWrapper = linesWithCommand(ak, o.wrapperPath ?? WRAPPER_PATH).length > 0;
  const kh = o.knownHostsAdded?.length ? removeLines(now.knownHosts, o.knownHostsAdded) : now.knownHosts ?? "";
  const sc = o.sshConfigAdded ? removeSshConfigBlock(now.sshConfig, targetName(i)) : now.sshConfig ?? "";
  return {
    authorizedKeys: now.authorizedKeys !== null && ak !== now.authorizedKeys ? ak : null,
    removeWrapper: !!o.wrapperInstalled && !othersUseWrapper,
    knownHosts: now.knownHosts !== null && kh !== now.knownHosts ? kh : null,
    sshConfig: now.sshConfig !== null && sc !== now.sshConfig ? sc : null,
    removeKey: !!o.keyCreated,
  };
}

/** What read reports: the pieces that are no longer in place. */
export function trustDrift(
  o: Pick<XlMigrationTrustObserved, "authorizedLine" | "knownHostsAdded" | "sshConfigAdded">,
  i: XlMigrationTrustInputs,
  now: { publicKey: string | null; authorizedKeys: string | null; knownHosts: string | null; sshConfig: string | null; wrapper: string | null },
): string[] {
  const drift: string[] = [];
  if (now.publicKey === null) drift.push(`the key ${defaultKeyPath(i)} is gone from ${i.source.host}`);
  const lines = (now.authorizedKeys ?? "").split("\n");
  if (o.authorizedLine && !lines.includes(o.authorizedLine)) {
    const blob = parseAuthorizedKey(o.authorizedLine)?.key.blob;
    const changed = lines.find((l) => blob && parseAuthorizedKey(l)?.key.blob === blob);
    drift.push(changed ? `the key's line in authorized_keys on ${i.target.host} was changed` : `the key is no longer authorized on ${i.target.host}`);
  }
  if (now.wrapper !== WRAPPER_SCRIPT) drift.push(`${WRAPPER_PATH} on ${i.target.host} is missing or changed`);
  const known = (now.knownHosts ?? "").split("\n");
  for (const l of o.knownHostsAdded ?? []) if (!known.includes(l)) drift.push(`known_hosts on ${i.source.host} lacks "${l}"`);
  if (i.sshClientConfig && !hasSshConfigBlock(now.sshConfig, targetName(i), defaultKeyPath(i))) {
    drift.push(`the ssh_config block for ${targetName(i)} on ${i.source.host} is missing or overridden`);
  }
  return drift;
}
