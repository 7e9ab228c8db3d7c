/**
 * NfsMount: an NFS export mounted on a Xen host and/or listed in its /etc/fstab (runbook steps 2 and 3).
 * Loaded by the generic provider as pulumi-xen-ha/resources/nfs-mount/impl. facts (one round trip) → pure
 * plan → steps under the host's lock.
 *
 * Delete unmounts this export (refused while a process or a domain uses it), removes the fstab line, and
 * removes the mount point only if this resource created it and it is empty.
 */
import { connect } from "../../ssh/pool";
import { withHostLock } from "../../host/lock";
import { defineResource, diffFields, inputFields, PartialFailure, planRefusal, refuseOnPlanErrors, type ProviderContext } from "../../core";
import type { RemoteHost } from "../../ssh/remote-host";
import { applyMountSteps, CleanStepFailure, gatherMountFacts, MOUNT_LOCK, MountStepError } from "./apply";
import { withDrift } from "../nfs-export/drift";
import type { MountFacts } from "./facts";
import { observeMount, planMount, planMountDelete } from "./plan";
import { nfsMountId, nfsMountInputsSchema, type NfsMountInputs, type NfsMountObserved, type NfsMountOutputs } from "./schema";

function observed(i: NfsMountInputs, f: MountFacts, extra: { createdMountPoint: boolean; backupPath: string | null }): NfsMountObserved {
  const o = observeMount(i, f);
  return { mount: o.mount, fstabLine: o.fstabLine, drift: o.drift, ...extra };
}

/** Plans and applies until converged: after unmounting something else, what it uncovers needs a new plan. */
async function converge(h: RemoteHost, i: NfsMountInputs, ctx: ProviderContext, createdBefore: boolean): Promise<NfsMountObserved> {
  const id = nfsMountId(i);
  let created = createdBefore;
  let backupPath: string | null = null;
  let facts = await gatherMountFacts(h, i);
  let changed = false;
  for (let round = 0; round < 3; round += 1) {
    const plan = planMount(i, facts);
    const refusal = planRefusal(plan, { scope: `NfsMount ${id}` });
    if (refusal) {
      if (!changed) throw new Error(`${refusal.message} (nothing was changed)`);
      throw new PartialFailure(refusal.message, { id, properties: { ...observed(i, facts, { createdMountPoint: created, backupPath }) } });
    }
    if (plan.steps.length === 0) break;
    try {
      const r = await applyMountSteps(h, i, plan.steps, ctx);
      changed = true;
      created ||= r.createdMountPoint;
      backupPath = r.backupPath ?? backupPath;
    } catch (e) {
      const after = await gatherMountFacts(h, i).catch(() => facts);
      const props = { ...observed(i, after, { createdMountPoint: created, backupPath }) };
      // When the very first step failed cleanly, the host is as it was: a plain error, nothing recorded.
      if (!changed && e instanceof MountStepError && e.completed === 0 && e.cause instanceof CleanStepFailure) throw e.cause;
      throw PartialFailure.after(e, id, props, `NfsMount ${id}: stopped after a failed step; see drift for what is in place`);
    }
    facts = await gatherMountFacts(h, i);
    if (!plan.replan) break;
  }
  const result = observed(i, facts, { createdMountPoint: created, backupPath });
  if (result.drift.length > 0) ctx.log.warn(`still differs after apply: ${result.drift.join("; ")}`);
  return result;
}

function locked<T>(h: RemoteHost, i: NfsMountInputs, ctx: ProviderContext, fn: () => Promise<T>): Promise<T> {
  return withHostLock(h, MOUNT_LOCK, fn, {
    timeoutMs: i.timeoutSeconds * 1000, description: `NfsMount ${nfsMountId(i)}`, notice: ctx.log.warn,
  });
}

export const impl = defineResource<NfsMountInputs, NfsMountOutputs>({
  kind: "NfsMount",
  inputs: nfsMountInputsSchema,
  describe: (p) => `${p.connection?.host ?? "?"}:${p.mountPoint ?? "?"}`,

  diff(olds, news) {
    const fields = diffFields(olds, news, {
      fields: inputFields(nfsMountInputsSchema),
      // Another host or mount point is another mount; another server or export cannot be switched by a
      // remount: unmount the old one first, then mount the new one.
      replaceOn: ["connection.host", "connection.port", "mountPoint", "server", "exportPath"],
      deleteBeforeReplace: true,
      ignore: ["timeoutSeconds", "probeTimeoutSeconds", "carryTimeoutSeconds"],
    });
    return withDrift(fields, olds.drift);
  },

  // Preview and up: refuse before anything runs (non-empty mount point, another source mounted...).
  async preview(_olds, news) {
    const h = await connect(news.connection);
    const plan = planMount(news, await gatherMountFacts(h, news));
    refuseOnPlanErrors(plan, { scope: `NfsMount ${nfsMountId(news)}` });
  },

  async read(_id, olds) {
    const h = await connect(olds.connection);
    const f = await gatherMountFacts(h, olds);
    const o = observeMount(olds, f);
    return {
      outs: {
        mounted: o.mounted,
        inFstab: o.inFstab,
        options: o.options,
        ...observed(olds, f, { createdMountPoint: olds.createdMountPoint ?? false, backupPath: olds.backupPath ?? null }),
      },
    };
  },

  async create(i, ctx) {
    const h = await connect(i.connection);
    return { id: nfsMountId(i), outs: await locked(h, i, ctx, () => converge(h, i, ctx, false)) };
  },

  async update(_id, olds, news, ctx) {
    const h = await connect(news.connection);
    return { outs: await locked(h, news, ctx, () => converge(h, news, ctx, olds.createdMountPoint ?? false)) };
  },

  async delete(id, olds, ctx) {
    const h = await connect(olds.connection);
    await locked(h, olds, ctx, async () => {
      const f = await gatherMountFacts(h, olds);
      const plan = planMountDelete(olds, f, olds.createdMountPoint ?? false);
      refuseOnPlanErrors(plan, { scope: `NfsMount ${id}` });
      await applyMountSteps(h, olds, plan.steps, ctx);
    });
  },
});
