/** The demo's closing summary, from the runner's results (pure, unit-tested). */
import type { RunResult } from "../provider/runner/engine";
import { shortType, symbol } from "../provider/runner/monitor";

export interface LastMigrationOut {
  from: string;
  to: string;
  kind: string;
  wallMs: number;
  downtimeMs: number | null;
  packetsSent: number | null;
  packetsLost: number | null;
  maxRttMs: number | null;
  toolstack: string;
}

/**
 * Which host a step touched, from the component's resource names (`runbook-node1-mount`, `runbook-export`). A
 * name that holds two hosts (`runbook-node2-to-node1-trust`) belongs to the first, the trust's source.
 */
export function hostOf(resourceName: string, hosts: readonly string[], nfsHost = "nfs"): string {
  const parts = resourceName.split("-");
  const found = parts.find((p) => hosts.includes(p));
  if (found) return found;
  return parts.includes("export") ? nfsHost : "cluster";
}

export function changesByHost(result: Pick<RunResult, "steps">, hosts: readonly string[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const s of result.steps) {
    if (s.op === "same" || s.type.startsWith("pulumi:pulumi:")) continue;
    const host = hostOf(s.name, hosts);
    const list = by.get(host) ?? [];
    list.push(`${symbol(s.op)} ${shortType(s.type)} ${s.name}${s.op === "failed" ? " (failed)" : ""}`);
    by.set(host, list);
  }
  return by;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function runSection(title: string, result: Pick<RunResult, "steps" | "wallMs" | "ok" | "errors">, hosts: readonly string[]): string[] {
  const by = changesByHost(result, hosts);
  const n = [...by.values()].reduce((a, l) => a + l.length, 0);
  const lines = [`${title}: ${result.ok ? "" : "FAILED, "}${n === 0 ? "no change" : `${n} change${n === 1 ? "" : "s"}`} in ${secs(result.wallMs)}`];
  const width = Math.max(...[...by.keys()].map((h) => h.length), 0);
  for (const [host, changes] of by) lines.push(`   ${host.padEnd(width)}  ${changes.join(", ")}`);
  for (const e of result.errors) lines.push(`   error: ${e}`);
  return lines;
}

export function migrationLine(m: LastMigrationOut | null | undefined): string {
  if (!m) return "no migration was recorded";
  if (m.kind !== "migrate") return `started on ${m.to} (${m.toolstack} create)`;
  const probe =
    m.packetsSent === null
      ? "no probe"
      : `downtime ${m.downtimeMs === null ? "unknown (no replies)" : `${Math.round(m.downtimeMs)} ms`}, ` +
        `${m.packetsLost} of ${m.packetsSent} pings lost, max RTT ${m.maxRttMs === null ? "-" : `${m.maxRttMs.toFixed(1)} ms`}`;
  return `${m.from} → ${m.to} with ${m.toolstack} migrate: wall ${Math.round(m.wallMs)} ms; ${probe}`;
}
