/**
 * XlMigrationTrust: lets the source host's root run `xl migrate` to the target over SSH, and nothing else
 * (runbook step 5 for xl hosts). Loaded by the generic provider as pulumi-xen-ha/resources/xl-migration-trust/impl.
 *
 * Delete takes back exactly what create added: the authorized_keys line, the wrapper (when no other key uses
 * it), the known_hosts lines, the ssh_config block, and the key if this resource created it.
 */
import { connect } from "../../ssh/pool";
import { defineResource, diffFields, inputFields, PartialFailure, refuseOnPlanErrors, type ProviderContext } from "../../core";
import { applyTrust, readState, removeTrust, TrustStepError } from "./apply";
import { planTrust, trustDrift } from "./plan";
import {
  trustId,
  type XlMigrationTrustInputs,
  xlMigrationTrustInputsSchema,
  type XlMigrationTrustObserved,
  type XlMigrationTrustOutputs,
} from "./schema";

async function converge(i: XlMigrationTrustInputs, ctx: ProviderContext, id: string, prior: Partial<XlMigrationTrustObserved> | null): Promise<XlMigrationTrustObserved> {
  const src = await connect(i.source);
  const tgt = await connect(i.target);
  try {
    const { observed } = await applyTrust(src, tgt, i, ctx, prior);
    return { ...observed, drift: [] };
  } catch (e) {
    if (e instanceof TrustStepError) throw PartialFailure.after(e, id, { ...e.observed }, "some of the trust is in place; delete removes it");
    throw e;
  }
}

export const impl = defineResource<XlMigrationTrustInputs, XlMigrationTrustOutputs>({
  kind: "XlMigrationTrust",
  inputs: xlMigrationTrustInputsSchema,
  describe: (p) => `${p.source?.host ?? "?"} -> ${p.targetAddress ?? p.target?.host ?? "?"}`,

  diff(olds, news) {
    return diffFields(olds, news, {
      fields: inputFields(xlMigrationTrustInputsSchema),
      replaceOn: ["source.host", "source.port", "target.host", "target.port", "targetAddress", "keyPath", "authorizedKeysPath"],
      deleteBeforeReplace: true,
      ignore: ["timeoutSeconds"],
    });
  },

  // Preview and up: both hosts' read-only facts, so a missing xl or a conflicting known_hosts entry stops it early.
  async preview(_olds, news) {
    const state = await readState(await connect(news.source), await connect(news.target), news);
    if (state.source.publicKey === null) state.source.publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPreviewPlaceholderKeyOnlyForPlanning0000 preview";
    const plan = planTrust(news, state);
    refuseOnPlanErrors(plan);
  },

  async read(id, olds) {
    const src = await connect(olds.source);
    const tgt = await connect(olds.target);
    const state = await readState(src, tgt, olds);
    return {
      id,
      outs: {
        drift: trustDrift(olds, olds, {
          publicKey: state.source.publicKey,
          authorizedKeys: state.authorizedKeys,
          knownHosts: state.source.knownHosts,
          sshConfig: state.source.sshConfig,
          wrapper: state.target.wrapper,
        }),
      },
    };
  },

  async create(inputs, ctx) {
    const id = trustId(inputs);
    return { id, outs: await converge(inputs, ctx, id, null) };
  },

  async update(id, olds, news, ctx) {
    return { outs: await converge(news, ctx, id, olds) };
  },

  async delete(_id, olds, ctx) {
    await removeTrust(await connect(olds.source), await connect(olds.target), olds, olds, ctx);
  },
});
