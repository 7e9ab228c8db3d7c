/**
 * Runs XenDomainConfig's plan on a host under the host's lock: checks first (nothing is written when a disk or
 * bridge is missing), then the atomic write with a backup, then the autostart link. The running domain is
 * never touched.
 */
import { gatherFacts } from "../../host/facts";
import { withHostLock } from "../../host/lock";
import { writeFileAtomic } from "../../host/write-file";
import { ExecError, type RemoteHost } from "../../ssh/remote-host";
import type { ProviderContext } from "../../core/impl";
import { refuseOnPlanErrors } from "../../core/errors";
import { AUTO_DIR, domainConfigProbes, type DomainConfigFacts } from "./facts";
import { planDomainConfig, type AutostartStep, type DomainConfigPlan } from "./plan";
import { domainConfigPath, type XenDomainConfigInputs } from "./schema";

export const LOCK_NAME = "xen-domain-config";

export async function domainConfigFacts(h: RemoteHost, i: XenDomainConfigInputs): Promise<DomainConfigFacts> {
  const probes = domainConfigProbes(i.name, domainConfigPath(i), i.disks.map((d) => d.path));
  return gatherFacts(h, probes, { timeoutMs: i.timeoutSeconds * 1000 });
}

const LINK_SCRIPT = `set -e
mkdir -p -- "${AUTO_DIR}"
ln -sfn -- "$1" "$2"`;

/** Removes the link only while it still points at our file. */
const UNLINK_SCRIPT = `if [ -L "$2" ] && [ "$(readlink -- "$2")" = "$1" ]; then rm -f -- "$2"; fi`;

export async function setAutostart(h: RemoteHost, step: AutostartStep, timeoutMs: number): Promise<void> {
  const argv = ["sh", "-c", step.kind === "link" ? LINK_SCRIPT : UNLINK_SCRIPT, "sh", step.target, step.link];
  const r = await h.exec(argv, { timeoutMs });
  if (r.code !== 0) throw new ExecError(h.label, argv, r);
}

export interface DomainApplyResult {
  facts: DomainConfigFacts;
  plan: DomainConfigPlan;
  backupPath: string | null;
  /** what was done, for a partial failure */
  done: string[];
}

export class DomainConfigStepError extends Error {
  constructor(message: string, readonly done: string[], readonly backupPath: string | null) {
    super(message);
    this.name = "DomainConfigStepError";
  }
}

export async function applyDomainConfig(h: RemoteHost, i: XenDomainConfigInputs, ctx: ProviderContext): Promise<DomainApplyResult> {
  const timeoutMs = i.timeoutSeconds * 1000;
  return withHostLock(h, LOCK_NAME, async () => {
    const facts = await domainConfigFacts(h, i);
    const plan = planDomainConfig(i.connection.host, i, facts);
    refuseOnPlanErrors(plan, { outcome: "nothing was written" });
    for (const w of plan.warnings) ctx.log.warn(w);
    const done: string[] = [];
    let backupPath: string | null = null;
    if (plan.write) {
      ctx.log.info(`writing ${plan.path}${facts.file === null ? "" : " (the previous content is kept as a backup)"}`);
      backupPath = (await writeFileAtomic(h, plan.path, plan.content, { timeoutMs })).backupPath;
      done.push(`wrote ${plan.path}`);
    }
    if (plan.autostart) {
      try {
        await setAutostart(h, plan.autostart, timeoutMs);
      } catch (e) {
        throw new DomainConfigStepError(`${(e as Error).message}`, done, backupPath);
      }
      done.push(`${plan.autostart.kind === "link" ? "linked" : "unlinked"} ${plan.autostart.link}`);
    }
    if (plan.runningDiffers.length > 0) {
      ctx.log.warn(`the running domain ${i.name} differs from the file (it is not restarted): ${plan.runningDiffers.join("; ")}`);
    }
    return { facts, plan, backupPath, done };
  }, { notice: ctx.log.warn });
}

/** Delete: the previous content back (adopted file) or the file removed; our autostart link removed. */
export async function removeDomainConfig(
  h: RemoteHost,
  i: XenDomainConfigInputs,
  previousContent: string | null,
  ctx: ProviderContext,
): Promise<void> {
  const timeoutMs = i.timeoutSeconds * 1000;
  const path = domainConfigPath(i);
  await withHostLock(h, LOCK_NAME, async () => {
    const facts = await domainConfigFacts(h, i);
    await setAutostart(h, { kind: "unlink", link: `${AUTO_DIR}/${i.name}`, target: path }, timeoutMs);
    if (previousContent !== null) {
      ctx.log.info(`restoring the content ${path} had before it was adopted`);
      await writeFileAtomic(h, path, previousContent, { timeoutMs });
    } else if (facts.file !== null) {
      // keep the last content next to it, like every change does
      const argv = ["sh", "-c", 'cp -p -- "$1" "$1.xen-ha-deleted.bak" && rm -f -- "$1"', "sh", path];
      const r = await h.exec(argv, { timeoutMs });
      if (r.code !== 0) throw new ExecError(h.label, argv, r);
    }
    if (facts.running) ctx.log.warn(`the domain ${i.name} is still running on this host: deleting its config does not stop it`);
  }, { notice: ctx.log.warn });
}
