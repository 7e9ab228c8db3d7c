/**
 * LiveMigration: "domain D runs on host H". Thin wiring of the framework's methods to apply.ts (I/O) and
 * plan.ts (decisions). See docs/resources/live-migration.md.
 */
import { defineResource, diffFields, inputFields, mergeDiffs, NO_CHANGES } from "../../core";
import { converge, dryRun, locateAll, observe, priorOf } from "./apply";
import { liveMigrationInputsSchema, type LiveMigrationInputs, type LiveMigrationOutputs } from "./schema";

export const impl = defineResource<LiveMigrationInputs, LiveMigrationOutputs>({
  kind: "LiveMigration",
  inputs: liveMigrationInputsSchema,
  describe: (p) => `${p.domain ?? "?"} → ${p.desiredHost ?? "?"}`,

  // PURE. Another domain is another resource; another desired host (or a domain found elsewhere by refresh)
  // is an update: the domain is moved, never destroyed and recreated. Check compares with the recorded inputs
  // only (no currentHost): there only a changed input is a pending update.
  diff(olds, news) {
    const inputs = diffFields(olds, news, { fields: inputFields(liveMigrationInputsSchema), replaceOn: ["domain"] });
    const misplaced =
      "currentHost" in olds && olds.currentHost !== news.desiredHost
        ? { changes: true, replaces: [], deleteBeforeReplace: false, diffs: ["currentHost"] }
        : NO_CHANGES;
    return mergeDiffs(inputs, misplaced);
  },

  // Read-only, from check when an input changed: locate, plan and preflight, so `pulumi preview` shows a
  // refusal or a failed check. Never from Diff: a refresh of a moved domain must show where it runs.
  async preview(_olds, news, _diff, ctx) {
    await dryRun(news, ctx.log);
  },

  // Re-locates: a domain moved outside Pulumi shows up here, and the next `up` moves it back.
  async read(_id, olds) {
    return { outs: observe(olds.domain, await locateAll(olds), priorOf(olds).lastSeen) };
  },

  async create(inputs, ctx) {
    return { id: inputs.domain, outs: await converge(inputs, priorOf(null), ctx.log) };
  },

  async update(_id, olds, news, ctx) {
    return { outs: await converge(news, priorOf(olds), ctx.log) };
  },

  // Deleting the resource stops managing the placement; the domain keeps running wherever it is.
  async delete(_id, olds, ctx) {
    ctx.log.info(`no longer managing where ${olds.domain} runs; it keeps running where it is (${olds.currentHost ?? "unknown"})`);
  },
});
