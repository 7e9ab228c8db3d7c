/**
 * Runs NfsMount's steps on a Xen host, under the host's lock. Every command that can touch a possibly dead
 * hard mount runs through the `limit` shell function (facts.ts), so nothing here can hang; every step also has
 * its own time limit on our side.
 */
import { withTimeout, type ProviderContext } from "../../core";
import { findMount } from "../../formats/mountinfo";
import { mountOptionMismatches } from "../../formats/mountinfo-options";
import { gatherFacts } from "../../host/facts";
import { writeFileAtomic } from "../../host/write-file";
import type { RemoteHost } from "../../ssh/remote-host";
import { CARRY_EXIT, CARRY_SCRIPT } from "./carry-script";
import { FSTAB_PATH, LIMIT_FN, mountInfoProbe, mountProbes, type MountFacts } from "./facts";
import { describeEntries, type MountStep } from "./plan";
import { mountSource, type NfsMountInputs } from "./schema";
import { describeUsers, usersProbes } from "./users";

export const MOUNT_LOCK = "nfs-mount";

export function gatherMountFacts(h: RemoteHost, i: NfsMountInputs): Promise<MountFacts> {
  // The probes bound themselves by probeTimeoutSeconds each; the exec limit is a backstop.
  return gatherFacts(h, mountProbes(i.mountPoint, i.probeTimeoutSeconds), { timeoutMs: (i.probeTimeoutSeconds * 3 + 30) * 1000 });
}

const LIMITED = `${LIMIT_FN}
PATH=$PATH:/sbin:/usr/sbin
t=$1; shift
limit "$t" "$@"`;

/** Runs argv on the host under `limit`; output is stdout and stderr merged; code 124 means it did not finish. */
async function limited(h: RemoteHost, seconds: number, argv: string[]): Promise<{ code: number; output: string }> {
  const r = await h.exec(["sh", "-c", LIMITED, "sh", String(seconds), ...argv], { timeoutMs: (seconds + 30) * 1000 });
  return { code: r.code, output: (r.stdout + r.stderr).trim() };
}

/**
 * A step that failed in a way that is known to have left the host as it was (the command reported failure, a
 * refusal before acting, the carry script's own undo). Any other failure (a time limit, a dropped connection)
 * may have left something done, and is reported as a partial failure.
 */
export class CleanStepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CleanStepFailure";
  }
}

function failIf(r: { code: number; output: string }, what: string, seconds: number): void {
  if (r.code === 124) throw new Error(`${what}: no result within ${seconds} s (the NFS server may be unreachable)`);
  if (r.code !== 0) throw new CleanStepFailure(`${what} failed (exit ${r.code}): ${r.output || "no message"}`);
}

/** Refuses (throws) while a process or a domain uses the mount point. */
export async function assertUnused(h: RemoteHost, i: NfsMountInputs, action: string): Promise<void> {
  const users = await gatherFacts(h, usersProbes(i.mountPoint, Math.max(30, i.probeTimeoutSeconds)), {
    timeoutMs: (Math.max(30, i.probeTimeoutSeconds) + 60) * 1000,
  });
  const why = describeUsers(i.mountPoint, users);
  if (why !== null) throw new CleanStepFailure(`refusing to ${action}: ${why}`);
}

/** A step failed after `completed` steps had succeeded (each step is atomic or undoes itself). */
export class MountStepError extends Error {
  constructor(readonly completed: number, override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "MountStepError";
  }
}

export interface MountApplyResult {
  backupPath: string | null;
  createdMountPoint: boolean;
}

export async function applyMountSteps(
  h: RemoteHost,
  i: NfsMountInputs,
  steps: readonly MountStep[],
  ctx: ProviderContext,
): Promise<MountApplyResult> {
  const result: MountApplyResult = { backupPath: null, createdMountPoint: false };
  for (const [n, step] of steps.entries()) {
    const what = describeMountStep(i, step);
    ctx.log.info(what);
    try {
      await runMountStep(h, i, step, what, result, ctx);
    } catch (e) {
      throw new MountStepError(n, e);
    }
  }
  return result;
}

async function runMountStep(
  h: RemoteHost,
  i: NfsMountInputs,
  step: MountStep,
  what: string,
  result: MountApplyResult,
  ctx: ProviderContext,
): Promise<void> {
  const t = i.timeoutSeconds;
  const mp = i.mountPoint;
  const src = mountSource(i);
  const opts = i.options.join(",");
  const budget = (step.kind === "carryAndMount" ? i.carryTimeoutSeconds + t : t * 2 + 120) * 1000;
  await withTimeout(`${what} on ${h.label}`, budget, async () => {
    switch (step.kind) {
      case "createMountPoint":
        await h.run(["mkdir", "-p", "--", mp], { timeoutMs: t * 1000 });
        result.createdMountPoint = true;
        break;
      case "removeMountPoint": {
        const r = await h.exec(["rmdir", "--", mp], { timeoutMs: t * 1000 });
        if (r.code !== 0) ctx.log.warn(`left ${mp} in place: ${r.stderr.trim()}`);
        break;
      }
      case "unmount":
        await assertUnused(h, i, `unmount ${step.source} from ${mp}`);
        failIf(await limited(h, t, ["umount", "--", mp]), `umount ${mp}`, t);
        break;
      case "mount":
        failIf(await limited(h, t, ["mount", "-t", i.fsType, "-o", opts, src, mp]), `mount -t ${i.fsType} -o ${opts} ${src} ${mp}`, t);
        break;
      case "remount": {
        failIf(await limited(h, t, ["mount", "-o", `remount,${opts}`, mp]), `mount -o remount,${opts} ${mp}`, t);
        const m = findMount((await gatherFacts(h, { mounts: mountInfoProbe })).mounts, mp);
        const left = m === null ? ["nothing is mounted any more"] : mountOptionMismatches(i.options, m);
        if (left.length > 0) {
          throw new Error(`after remount, ${mp} still differs: ${left.join("; ")} (NFS takes some options only at mount time: unmount and mount again)`);
        }
        break;
      }
      case "carryAndMount": {
        await assertUnused(h, i, `move the content of ${mp} (${describeEntries(step.entries, false)})`);
        const r = await h.exec(["sh", "-c", CARRY_SCRIPT, "sh", mp, src, i.fsType, opts, String(t)], {
          timeoutMs: (i.carryTimeoutSeconds + t) * 1000,
        });
        const msg = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-12).join("\n");
        if (r.code === CARRY_EXIT.ok) {
          ctx.log.info(r.stdout.trim());
          break;
        }
        const outcome: Record<number, string> = {
          [CARRY_EXIT.aside]: "could not move the content aside; it is back in place",
          [CARRY_EXIT.conflict]: "conflict; nothing was copied, the share was unmounted and the content is back in place",
          [CARRY_EXIT.mount]: "the mount failed; the content is back in place",
          [CARRY_EXIT.copy]: "copy or verification failed; the copies were removed, the share unmounted and the content is back in place",
          [CARRY_EXIT.undo]: "UNDO FAILED, read on",
        };
        const message = `carrying the content of ${mp} onto ${src}: ${outcome[r.code] ?? `exit ${r.code}`}: ${msg}`;
        const undone = [CARRY_EXIT.aside, CARRY_EXIT.conflict, CARRY_EXIT.mount, CARRY_EXIT.copy] as number[];
        throw undone.includes(r.code) ? new CleanStepFailure(message) : new Error(message);
      }
      case "writeFstab": {
        const w = await writeFileAtomic(h, FSTAB_PATH, step.content, { timeoutMs: t * 1000 });
        result.backupPath = w.backupPath ?? result.backupPath;
        if (step.duplicates.length > 0) {
          ctx.log.warn(`disabled duplicate lines for ${mp} in ${FSTAB_PATH} (lines ${step.duplicates.join(", ")})`);
        }
        break;
      }
    }
  });
}

export function describeMountStep(i: NfsMountInputs, s: MountStep): string {
  const src = mountSource(i);
  switch (s.kind) {
    case "createMountPoint":
      return `creating ${i.mountPoint}`;
    case "removeMountPoint":
      return `removing the empty ${i.mountPoint} it created`;
    case "unmount":
      return `unmounting ${s.source} (${s.fsType}) from ${i.mountPoint}: ${s.reason}`;
    case "mount":
      return `mounting ${src} on ${i.mountPoint}`;
    case "remount":
      return `remounting ${i.mountPoint} (${s.mismatches.join("; ")})`;
    case "carryAndMount":
      return `mounting ${src} on ${i.mountPoint}, carrying its content onto the share`;
    case "writeFstab":
      return `writing ${FSTAB_PATH}`;
  }
}
