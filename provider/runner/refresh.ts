/**
 * `refresh`, alone or in front of `up --refresh` / `preview --refresh`: every custom resource of the state goes
 * through the engine's RefreshStep (ProviderServer.refresh: Read, then the provider's Diff of what was read
 * against the inputs). The engine runs these steps in parallel; so does this.
 *
 * What counts as drift, as the CLI counts a refresh step that is not "same": the outputs read differ from the
 * recorded ones, or the provider's Diff says the host no longer matches the inputs. The property names shown
 * come from comparing recorded and refreshed outputs here: the dynamic-provider server passes no per-property
 * list from a dynamic provider's diff.
 */
import type { RunnerLog } from "./log";
import { shortType, type StepRecord } from "./monitor";
import type { ProviderServer } from "./provider-client";
import type { Redactor } from "./secrets";
import { changedProperties, type ResourceState } from "./state";

export interface RefreshContext {
  provider(): Promise<ProviderServer>;
  redactor: Redactor;
  log: RunnerLog;
}

export interface RefreshOutcome {
  steps: StepRecord[];
  errors: string[];
}

/** Refreshes `current` in place (a gone resource leaves it); the caller decides whether to persist. */
export async function refreshResources(ctx: RefreshContext, current: Map<string, ResourceState>): Promise<RefreshOutcome> {
  const steps: StepRecord[] = [];
  const errors: string[] = [];
  const targets = [...current.values()].filter((r) => r.custom && r.id);
  await Promise.all(targets.map(async (r) => {
    const label = `${shortType(r.type)} ${r.name}`;
    const started = Date.now();
    const step = (op: StepRecord["op"], detail?: string, properties?: string[]) =>
      steps.push({ urn: r.urn, type: r.type, name: r.name, op, ms: Date.now() - started, detail, properties, phase: "refresh" });
    try {
      const server = await ctx.provider();
      const read = await ctx.log.progress(`reading ${label}`, () => server.refresh(r.urn, r.id!, r.inputs, r.outputs));
      if (read.id === "") {
        current.delete(r.urn);
        ctx.log.info(`  - ${label}: gone from its host (removed from the state)`);
        step("delete", "gone");
        return;
      }
      for (const k of r.secretKeys ?? []) if (k in read.outputs) ctx.redactor.add(read.outputs[k]);
      const names = changedProperties(r.outputs, read.outputs);
      const drifted = names.length > 0 || read.diff?.changes === "some";
      current.set(r.urn, { ...r, id: read.id, inputs: read.inputs, outputs: read.outputs });
      if (drifted) {
        const what = names.length > 0 ? names.join(", ") : "the provider's diff reports a difference from the inputs";
        ctx.log.info(`  ~ ${label}: drifted (${what})`);
        step("update", "drift", names);
      } else {
        step("same");
      }
    } catch (e) {
      const msg = ctx.redactor.redact(e instanceof Error ? e.message : String(e));
      errors.push(`refresh ${label}: ${msg}`);
      ctx.log.error(`refresh ${label}: ${msg}`);
      step("failed", msg);
    }
  }));
  const order = new Map(targets.map((r, i) => [r.urn, i]));
  steps.sort((a, b) => (order.get(a.urn) ?? 0) - (order.get(b.urn) ?? 0));
  return { steps, errors };
}
