/**
 * XendRelocationConfig: xend's relocation server settings in /etc/xen/xend-config.sxp (runbook step 5), on
 * hosts with the xend/xm toolstack. Loaded by the generic provider as pulumi-xen-ha/resources/xend-relocation-config/impl.
 *
 * Delete restores the effective settings found before create (output `previous`), restarting xend if that
 * changes them: the upstream default's `server yes` + localhost-only, or Red Hat's relocation off.
 */
import { connect } from "../../ssh/pool";
import { ExecError } from "../../ssh/remote-host";
import { defineResource, diffFields, inputFields, PartialFailure, refuseOnPlanErrors, type ProviderContext } from "../../core";
import { applyRelocation, relocationFacts, XendStartError } from "./apply";
import { currentSettings, desiredFromSettings, desiredRelocation, inputsFromHost, relocationDrift, planRelocation } from "./plan";
import {
  hostsAllowValue,
  relocationId,
  type XendRelocationInputs,
  xendRelocationInputsSchema,
  type XendRelocationObserved,
  type XendRelocationOutputs,
} from "./schema";
import type { RelocationSettings } from "../../formats/sxp-xend-relocation";

interface Carried {
  previous: RelocationSettings;
  createdFile: boolean;
  backupPath: string | null;
  restarted: boolean;
  warnings: string[];
}

async function observe(i: XendRelocationInputs, extra: Carried): Promise<XendRelocationObserved> {
  const h = await connect(i.connection);
  const f = await relocationFacts(h, i);
  const eff = currentSettings(i.configPath, f.config);
  if (typeof eff === "string") throw new Error(eff);
  return {
    effective: eff,
    previous: extra.previous,
    createdFile: extra.createdFile,
    hostsAllowValue: desiredRelocation(i, eff).hostsAllow,
    xendRunning: f.xendRunning,
    listening: f.listening.filter((l) => [eff.port, eff.sslPort].includes(Number(l.slice(l.lastIndexOf(":") + 1)))),
    xendRestarted: extra.restarted,
    backupPath: extra.backupPath,
    drift: relocationDrift(i, f),
    warnings: extra.warnings,
  };
}

/** `prior`: what create recorded (undefined on create itself). */
async function converge(i: XendRelocationInputs, ctx: ProviderContext, prior: Pick<Carried, "previous" | "createdFile"> | undefined, id: string) {
  const h = await connect(i.connection);
  let result;
  try {
    result = await applyRelocation(h, i, ctx);
  } catch (e) {
    if (e instanceof XendStartError && !e.restored) {
      throw PartialFailure.after(e, id, { previous: prior?.previous ?? null, createdFile: prior?.createdFile ?? false }, "the host may be left with the new file and xend down");
    }
    throw e;
  }
  const before = prior?.previous ?? result.plan.edit?.before;
  if (!before) throw new Error("internal error: no previous settings recorded");
  const createdFile = prior ? prior.createdFile : result.facts.config === null;
  return observe(i, { previous: before, createdFile, backupPath: result.backupPath, restarted: result.restarted, warnings: result.plan.warnings });
}

export const impl = defineResource<XendRelocationInputs, XendRelocationOutputs>({
  kind: "XendRelocationConfig",
  inputs: xendRelocationInputsSchema,
  describe: (p) => `${p.connection?.host ?? "?"}:${p.configPath ?? "/etc/xen/xend-config.sxp"}`,

  diff(olds, news) {
    return diffFields(olds, news, {
      fields: inputFields(xendRelocationInputsSchema),
      replaceOn: ["connection.host", "connection.port", "configPath"],
      ignore: ["timeoutSeconds"],
    });
  },

  // Preview and up: read-only facts, so an xl host or a file xend cannot parse is refused before anything runs.
  async preview(_olds, news) {
    const h = await connect(news.connection);
    const plan = planRelocation(news.connection.host, news, await relocationFacts(h, news));
    refuseOnPlanErrors(plan);
  },

  async read(id, olds) {
    const h = await connect(olds.connection);
    const f = await relocationFacts(h, olds);
    const eff = currentSettings(olds.configPath, f.config);
    if (typeof eff === "string") {
      return { outs: { drift: [eff] } };
    }
    return {
      id,
      outs: {
        ...inputsFromHost(olds, eff),
        effective: eff,
        hostsAllowValue: hostsAllowValue(olds.hostsAllow ?? []),
        xendRunning: f.xendRunning,
        listening: f.listening.filter((l) => [eff.port, eff.sslPort].includes(Number(l.slice(l.lastIndexOf(":") + 1)))),
        drift: relocationDrift(olds, f),
      },
    };
  },

  async create(inputs, ctx) {
    const id = relocationId(inputs);
    return { id, outs: await converge(inputs, ctx, undefined, id) };
  },

  async update(id, olds, news, ctx) {
    return { outs: await converge(news, ctx, olds.previous ? { previous: olds.previous, createdFile: olds.createdFile ?? false } : undefined, id) };
  },

  async delete(id, olds, ctx) {
    if (!olds.previous) {
      ctx.log.warn("no settings from before create were recorded; the file is left as it is");
      return;
    }
    const h = await connect(olds.connection);
    const f = await relocationFacts(h, olds);
    if (f.toolstack !== "xm") {
      ctx.log.warn(`the host no longer runs xend (${f.toolstack}); nothing to restore`);
      return;
    }
    ctx.log.info(`restoring the relocation settings found before create: ${JSON.stringify(olds.previous)}`);
    await applyRelocation(h, olds, ctx, desiredFromSettings(olds.previous));
    if (olds.createdFile) {
      // the settings are back to xend's defaults, which is what the absent file gave
      const argv = ["sh", "-c", 'cp -p -- "$1" "$1.xen-ha-deleted.bak" && rm -f -- "$1"', "sh", olds.configPath];
      const r = await h.exec(argv, { timeoutMs: olds.timeoutSeconds * 1000 });
      if (r.code !== 0) throw new ExecError(h.label, argv, r);
    }
  },
});
