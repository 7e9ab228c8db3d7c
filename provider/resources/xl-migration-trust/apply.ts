/**
 * Runs the xl migration trust on both hosts, holding both hosts' locks (taken in a fixed order, so two trusts
 * in opposite directions cannot deadlock). The key is created on the source and only its public half is read.
 * After the changes, the source proves the trust: an ssh with the key to the target must reach the forced
 * command, which refuses anything but `xl migrate-receive`.
 */
import { gatherFacts } from "../../host/facts";
import { FORCED_COMMAND_REFUSAL } from "./refusal";
import { withHostLock } from "../../host/lock";
import { writeFileAtomic } from "../../host/write-file";
import { ExecError, type RemoteHost } from "../../ssh/remote-host";
import type { ProviderContext } from "../../core/impl";
import { planRefusal } from "../../core/errors";
import { fileProbe } from "../../host/file-probe";
import { chooseAuthorizedKeysFile, sourceProbes, targetProbes } from "./facts";
import { planRemoval, planTrust, sshCommand, type TrustInputsState, type TrustPlan } from "./plan";
import { defaultKeyPath, targetName, WRAPPER_PATH, type XlMigrationTrustInputs, type XlMigrationTrustObserved } from "./schema";

export const LOCK_NAME = "xl-migration-trust";

/** Runs fn holding the lock on both hosts, in label order. */
export async function withBothLocks<T>(a: RemoteHost, b: RemoteHost, ctx: ProviderContext, fn: () => Promise<T>): Promise<T> {
  const [first, second] = a.label <= b.label ? [a, b] : [b, a];
  const opts = { notice: ctx.log.warn };
  if (first.label === second.label) return withHostLock(first, LOCK_NAME, fn, opts);
  return withHostLock(first, LOCK_NAME, () => withHostLock(second, LOCK_NAME, fn, opts), opts);
}

const KEYGEN_SCRIPT = `set -e
umask 077
d=\${1%/*}
[ -d "$d" ] || { mkdir -p -- "$d"; chmod 700 -- "$d"; }
if ! ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1" </dev/null >/dev/null 2>&1; then
  rm -f -- "$1" "$1.pub"
  ssh-keygen -q -t rsa -b 3072 -N '' -C "$2" -f "$1" </dev/null >/dev/null
fi
cat -- "$1.pub"`;

const MKDIR_SCRIPT = `[ -d "$1" ] || { mkdir -p -- "$1" && chmod 700 -- "$1"; }`;

async function run(h: RemoteHost, script: string, args: string[], timeoutMs: number): Promise<string> {
  const argv = ["sh", "-c", script, "sh", ...args];
  const r = await h.exec(argv, { timeoutMs });
  if (r.code !== 0) throw new ExecError(h.label, argv, r);
  return r.stdout;
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

export async function readState(src: RemoteHost, tgt: RemoteHost, i: XlMigrationTrustInputs): Promise<TrustInputsState> {
  const timeoutMs = i.timeoutSeconds * 1000;
  const source = await gatherFacts(src, sourceProbes(defaultKeyPath(i), targetName(i)), { timeoutMs });
  const target = await gatherFacts(tgt, targetProbes(WRAPPER_PATH), { timeoutMs });
  const authorizedKeysFile = i.authorizedKeysPath ?? chooseAuthorizedKeysFile(target.authorizedKeysFiles);
  const { ak } = await gatherFacts(tgt, { ak: fileProbe(authorizedKeysFile) }, { timeoutMs });
  return { source, target, authorizedKeysFile, authorizedKeys: ak };
}

/** Proves the trust from the source: the key gets in, and the forced command refuses a plain `true`. */
export async function proveTrust(src: RemoteHost, i: XlMigrationTrustInputs): Promise<string | null> {
  const argv = [...sshCommand(defaultKeyPath(i)), "-o", "ConnectTimeout=15", targetName(i), "true"];
  const r = await src.exec(argv, { timeoutMs: 60_000 });
  if (r.stderr.includes(FORCED_COMMAND_REFUSAL)) return null;
  return `ssh from ${i.source.host} to ${targetName(i)} with the key did not reach the forced command (exit ${r.code}): ${r.stderr.trim().slice(-500)}`;
}

export interface TrustApplyResult {
  plan: TrustPlan;
  observed: Omit<XlMigrationTrustObserved, "drift">;
}

export class TrustStepError extends Error {
  constructor(message: string, readonly observed: Partial<XlMigrationTrustObserved>) {
    super(message);
    this.name = "TrustStepError";
  }
}

export async function applyTrust(
  src: RemoteHost,
  tgt: RemoteHost,
  i: XlMigrationTrustInputs,
  ctx: ProviderContext,
  prior: Partial<XlMigrationTrustObserved> | null,
): Promise<TrustApplyResult> {
  const timeoutMs = i.timeoutSeconds * 1000;
  const keyPath = defaultKeyPath(i);
  return withBothLocks(src, tgt, ctx, async () => {
    const state = await readState(src, tgt, i);
    let keyCreated = prior?.keyCreated ?? false;
    if (state.source.publicKey === null) {
      if (!state.target.xl) throw new Error(`${i.target.host}: xl is not installed, so it cannot receive migrations (nothing was changed)`);
      ctx.log.info(`creating the migration key ${keyPath} on ${i.source.host}`);
      state.source.publicKey = await run(src, KEYGEN_SCRIPT, [keyPath, `xen-ha-migrate@${i.source.host}`], timeoutMs);
      keyCreated = true;
    }
    const plan = planTrust(i, state);
    const observed: Omit<XlMigrationTrustObserved, "drift"> = {
      privateKeyPath: keyPath,
      publicKey: state.source.publicKey.trim(),
      keyCreated,
      authorizedKeysFile: plan.authorizedKeysFile,
      authorizedLine: plan.authorizedLine,
      wrapperPath: WRAPPER_PATH,
      wrapperInstalled: (prior?.wrapperInstalled ?? false) || plan.wrapper !== null && state.target.wrapper === null,
      fromAddresses: plan.fromAddresses,
      knownHostsAdded: [...new Set([...(prior?.knownHostsAdded ?? []), ...plan.knownHostsAdded])],
      sshConfigAdded: i.sshClientConfig && ((prior?.sshConfigAdded ?? false) || plan.sshConfig !== null),
      sshCommand: sshCommand(keyPath),
      createdFiles: [
        ...new Set([
          ...(prior?.createdFiles ?? []),
          ...(plan.authorizedKeys !== null && state.authorizedKeys === null ? [`target:${plan.authorizedKeysFile}`] : []),
          ...(plan.knownHosts !== null && state.source.knownHosts === null ? ["source:/root/.ssh/known_hosts"] : []),
          ...(plan.sshConfig !== null && state.source.sshConfig === null ? ["source:/root/.ssh/config"] : []),
        ]),
      ],
    };
    const refusal = planRefusal(plan, { outcome: "nothing was changed" });
    if (refusal) {
      if (keyCreated && !prior?.keyCreated) await run(src, 'rm -f -- "$1" "$1.pub"', [keyPath], timeoutMs);
      throw refusal;
    }
    for (const w of plan.warnings) ctx.log.warn(w);
    try {
      if (plan.wrapper !== null) {
        await run(tgt, "mkdir -p -- \"$1\"", [dirOf(WRAPPER_PATH)], timeoutMs);
        await writeFileAtomic(tgt, WRAPPER_PATH, plan.wrapper, { mode: 0o755, owner: "root:root", backup: state.target.wrapper !== null, timeoutMs });
      }
      if (plan.authorizedKeys !== null) {
        await run(tgt, MKDIR_SCRIPT, [dirOf(plan.authorizedKeysFile)], timeoutMs);
        ctx.log.info(`authorizing the key in ${plan.authorizedKeysFile} on ${i.target.host} (xl migrate-receive only, from ${plan.fromAddresses.join(", ")})`);
        await writeFileAtomic(tgt, plan.authorizedKeysFile, plan.authorizedKeys, {
          timeoutMs,
          ...(state.authorizedKeys === null ? { mode: 0o600 } : {}),
        });
      }
      if (plan.knownHosts !== null) {
        await run(src, MKDIR_SCRIPT, ["/root/.ssh"], timeoutMs);
        await writeFileAtomic(src, "/root/.ssh/known_hosts", plan.knownHosts, { timeoutMs, ...(state.source.knownHosts === null ? { mode: 0o644 } : {}) });
      }
      if (plan.sshConfig !== null) {
        await run(src, MKDIR_SCRIPT, ["/root/.ssh"], timeoutMs);
        await writeFileAtomic(src, "/root/.ssh/config", plan.sshConfig, { timeoutMs, ...(state.source.sshConfig === null ? { mode: 0o600 } : {}) });
      }
      const problem = await proveTrust(src, i);
      if (problem) throw new Error(problem);
    } catch (e) {
      throw new TrustStepError((e as Error).message, observed);
    }
    return { plan, observed };
  });
}

/** Takes back what `o` says was added. */
export async function removeTrust(src: RemoteHost, tgt: RemoteHost, i: XlMigrationTrustInputs, o: XlMigrationTrustObserved, ctx: ProviderContext): Promise<void> {
  const timeoutMs = i.timeoutSeconds * 1000;
  await withBothLocks(src, tgt, ctx, async () => {
    const akFile = o.authorizedKeysFile;
    const { ak } = await gatherFacts(tgt, { ak: fileProbe(akFile) }, { timeoutMs });
    const s = await gatherFacts(src, { kh: fileProbe("/root/.ssh/known_hosts"), sc: fileProbe("/root/.ssh/config") }, { timeoutMs });
    const r = planRemoval(i, o, { authorizedKeys: ak, knownHosts: s.kh, sshConfig: s.sc });
    const created = new Set(o.createdFiles ?? []);
    // a file this resource created and that holds nothing else goes; otherwise the other lines stay
    const put = async (h: RemoteHost, side: string, path: string, content: string) => {
      if (content === "" && created.has(`${side}:${path}`)) await run(h, 'rm -f -- "$1"', [path], timeoutMs);
      // removal is the exact inverse of the addition, whose own write kept the backup
      else await writeFileAtomic(h, path, content, { timeoutMs, backup: false });
    };
    if (r.authorizedKeys !== null) {
      ctx.log.info(`removing the key from ${akFile} on ${i.target.host}`);
      await put(tgt, "target", akFile, r.authorizedKeys);
    }
    if (r.removeWrapper) await run(tgt, 'rm -f -- "$1"', [o.wrapperPath], timeoutMs);
    if (r.knownHosts !== null) await put(src, "source", "/root/.ssh/known_hosts", r.knownHosts);
    if (r.sshConfig !== null) await put(src, "source", "/root/.ssh/config", r.sshConfig);
    if (r.removeKey) {
      ctx.log.info(`removing the migration key ${o.privateKeyPath} from ${i.source.host}`);
      await run(src, 'rm -f -- "$1" "$1.pub"', [o.privateKeyPath], timeoutMs);
    }
  });
}
