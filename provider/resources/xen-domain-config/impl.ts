/**
 * XenDomainConfig: one host's domain config file (/etc/xen/NAME), rendered deterministically in the xm or xl
 * flavour (runbook step 4). Loaded by the generic provider as pulumi-xen-ha/resources/xen-domain-config/impl.
 *
 * Delete removes the file (keeping a `.xen-ha-deleted.bak` copy) and the autostart link; a file that existed
 * before create (adopted) gets its previous content back instead. A running domain is never touched.
 */
import { connect } from "../../ssh/pool";
import { defineResource, diffFields, inputFields, PartialFailure, refuseOnPlanErrors, type ProviderContext } from "../../core";
import { applyDomainConfig, domainConfigFacts, DomainConfigStepError, removeDomainConfig } from "./apply";
import { inputsFromModel, planDomainConfig } from "./plan";
import {
  domainConfigId,
  type XenDomainConfigInputs,
  xenDomainConfigInputsSchema,
  type XenDomainConfigObserved,
  type XenDomainConfigOutputs,
} from "./schema";

async function converge(i: XenDomainConfigInputs, ctx: ProviderContext, id: string, prior: Pick<XenDomainConfigObserved, "adopted" | "previousContent"> | null): Promise<XenDomainConfigObserved> {
  const h = await connect(i.connection);
  let r;
  try {
    r = await applyDomainConfig(h, i, ctx);
  } catch (e) {
    if (e instanceof DomainConfigStepError && e.done.length > 0) {
      throw PartialFailure.after(e, id, { backupPath: e.backupPath, adopted: prior?.adopted ?? false, previousContent: prior?.previousContent ?? null }, `done: ${e.done.join(", ")}`);
    }
    throw e;
  }
  const adopted = prior ? prior.adopted : r.facts.file !== null;
  const previousContent = prior ? prior.previousContent : r.facts.file;
  // observe the result: the file as now on the host, the link, how the running domain differs from it.
  // Whether the domain runs here is not an output: placement (LiveMigration) changes it after this
  // resource, so a read-back would show drift on every refresh although the file did not change.
  const after = planDomainConfig(i.connection.host, i, await domainConfigFacts(h, i));
  return {
    configPath: after.path,
    content: after.content,
    model: after.found,
    autostartLinked: after.autostart === null && i.autostart,
    runningDiffers: after.runningDiffers,
    drift: after.drift,
    backupPath: r.backupPath,
    adopted,
    previousContent,
    warnings: r.plan.warnings,
  };
}

export const impl = defineResource<XenDomainConfigInputs, XenDomainConfigOutputs>({
  kind: "XenDomainConfig",
  inputs: xenDomainConfigInputsSchema,
  describe: (p) => `${p.connection?.host ?? "?"}:${p.path ?? `/etc/xen/${p.name ?? "?"}`}`,

  diff(olds, news) {
    return diffFields(olds, news, {
      fields: inputFields(xenDomainConfigInputsSchema),
      replaceOn: ["connection.host", "connection.port", "name", "path"],
      deleteBeforeReplace: true,
      ignore: ["timeoutSeconds"],
    });
  },

  // Preview and up: the cross-host checks (disks, bridges) against read-only facts, before anything is written.
  async preview(_olds, news) {
    const h = await connect(news.connection);
    const plan = planDomainConfig(news.connection.host, news, await domainConfigFacts(h, news));
    refuseOnPlanErrors(plan);
  },

  async read(id, olds) {
    const h = await connect(olds.connection);
    const f = await domainConfigFacts(h, olds);
    if (f.file === null) return null;
    const plan = planDomainConfig(olds.connection.host, olds, f);
    return {
      id,
      outs: {
        ...(plan.found ? inputsFromModel(olds, plan.found) : {}),
        autostart: f.autostart.kind === "link" && f.autostart.target === plan.path,
        configPath: plan.path,
        content: f.file,
        model: plan.found,
        autostartLinked: f.autostart.kind === "link" && f.autostart.target === plan.path,
        runningDiffers: plan.runningDiffers,
        drift: plan.drift,
      },
    };
  },

  async create(inputs, ctx) {
    const id = domainConfigId(inputs);
    return { id, outs: await converge(inputs, ctx, id, null) };
  },

  async update(id, olds, news, ctx) {
    return { outs: await converge(news, ctx, id, { adopted: olds.adopted ?? false, previousContent: olds.previousContent ?? null }) };
  },

  async delete(_id, olds, ctx) {
    const h = await connect(olds.connection);
    await removeDomainConfig(h, olds, olds.previousContent ?? null, ctx);
  },
});
