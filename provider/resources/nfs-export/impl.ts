/**
 * NfsExport: one directory exported from the NFS server (runbook step 1). Loaded by the generic provider as
 * pulumi-xen-ha/resources/nfs-export/impl. facts (one round trip) → pure plan → steps under the host's lock.
 *
 * Delete removes the entry and re-exports; the directory, its content and the service are left alone.
 */
import { connect } from "../../ssh/pool";
import { withHostLock } from "../../host/lock";
import { defineResource, diffFields, inputFields, PartialFailure, refuseOnPlanErrors, type ProviderContext } from "../../core";
import { applyExportSteps, EXPORT_LOCK, gatherExportFacts } from "./apply";
import { withDrift } from "./drift";
import type { ExportFacts } from "./facts";
import { observeExport, planExport, planExportDelete } from "./plan";
import { exportId, nfsExportInputsSchema, type NfsExportInputs, type NfsExportObserved, type NfsExportOutputs } from "./schema";

function observed(i: NfsExportInputs, f: ExportFacts, backupPath: string | null): NfsExportObserved {
  const o = observeExport(i, f);
  const live = (f.live.exports ?? []).filter((l) => l.path === i.path).map((l) => ({ client: l.client, options: l.options }));
  const service = f.service.name === null ? null : { name: f.service.name, init: f.service.init, running: f.service.running, enabledAtBoot: f.service.enabledAtBoot };
  return { entry: o.entry, live, service, drift: o.drift, backupPath };
}

async function converge(i: NfsExportInputs, ctx: ProviderContext): Promise<NfsExportObserved> {
  const id = exportId(i);
  const h = await connect(i.connection);
  return withHostLock(
    h,
    EXPORT_LOCK,
    async () => {
      const before = await gatherExportFacts(h, i);
      const plan = planExport(i, before);
      refuseOnPlanErrors(plan, { scope: `NfsExport ${id}`, outcome: "nothing was changed" });
      if (plan.steps.length === 0) {
        ctx.log.debug("already converged: nothing to do");
        return observed(i, before, null);
      }
      let result;
      try {
        result = await applyExportSteps(h, i, plan.steps, ctx, { exportsText: before.exports });
      } catch (e) {
        const after = await gatherExportFacts(h, i).catch(() => before);
        throw PartialFailure.after(e, id, { ...observed(i, after, null) }, `NfsExport ${id}: stopped after a failed step; see drift for what is in place`);
      }
      return observed(i, await gatherExportFacts(h, i), result.backupPath);
    },
    { timeoutMs: i.timeoutSeconds * 1000, description: `NfsExport ${id}`, notice: ctx.log.warn },
  );
}

export const impl = defineResource<NfsExportInputs, NfsExportOutputs>({
  kind: "NfsExport",
  inputs: nfsExportInputsSchema,
  describe: (p) => `${p.connection?.host ?? "?"}:${p.path ?? "?"}`,

  diff(olds, news) {
    const fields = diffFields(olds, news, {
      fields: inputFields(nfsExportInputsSchema),
      replaceOn: ["connection.host", "connection.port", "path"],
      ignore: ["timeoutSeconds"],
    });
    return withDrift(fields, olds.drift);
  },

  // Preview and up: refuse before anything runs (missing directory, no NFS server, no exportfs).
  async preview(_olds, news) {
    const h = await connect(news.connection);
    const plan = planExport(news, await gatherExportFacts(h, news));
    refuseOnPlanErrors(plan, { scope: `NfsExport ${exportId(news)}` });
  },

  async read(_id, olds) {
    const h = await connect(olds.connection);
    const f = await gatherExportFacts(h, olds);
    const o = observeExport(olds, f);
    return { outs: { clients: o.clients, ...observed(olds, f, olds.backupPath ?? null) } };
  },

  async create(i, ctx) {
    return { id: exportId(i), outs: await converge(i, ctx) };
  },

  async update(_id, _olds, news, ctx) {
    return { outs: await converge(news, ctx) };
  },

  async delete(id, olds, ctx) {
    const h = await connect(olds.connection);
    await withHostLock(
      h,
      EXPORT_LOCK,
      async () => {
        const f = await gatherExportFacts(h, olds);
        const steps = planExportDelete(olds.path, f);
        if (steps.length === 0) return;
        await applyExportSteps(h, olds, steps, ctx, { removing: true, exportsText: f.exports });
      },
      { timeoutMs: olds.timeoutSeconds * 1000, description: `NfsExport ${id}`, notice: ctx.log.warn },
    );
  },
});
