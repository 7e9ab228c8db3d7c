/**
 * LiveMigration's I/O: Locate (every candidate in parallel, one round trip each), Preflight, Migrate with
 * progress, Verify, Probe, Cleanup after a failure, Failover/start. Decisions come from plan.ts; this file only
 * gathers facts and carries decisions out, logging each step.
 */
import { connect } from "../../ssh/pool";
import { quoteWord } from "../../ssh/quote";
import type { RemoteHost } from "../../ssh/remote-host";
import { gatherFacts, type Probe } from "../../host/facts";
import { withHostLock } from "../../host/lock";
import { PartialFailure, withTimeout, type Logger } from "../../core";
import { classifyXmMigrate, type MigrateFailure } from "../../formats/xm-migrate-error";
import { classifyXlMigrate } from "../../formats/xl-migrate-output";
import type { DomainDetails } from "../../formats/xm-list-long";
import {
  bridgeProbe,
  configCandidates,
  configProbe,
  detailsProbe,
  diskFact,
  infoProbe,
  locateProbe,
  locationFrom,
  MOUNTS_PROBE,
  relocationProbe,
  sshProbe,
  sshWords,
  statProbe,
  type StatFact,
} from "./facts";
import {
  evaluatePreflight,
  judgeOutcome,
  listedName,
  planCleanup,
  runningNormally,
  planPlacement,
  type HostFacts,
  type HostLocation,
  type Outcome,
  type PreflightFacts,
  type LastSeen,
  type RefusalCode,
  type SpentConfirmation,
} from "./plan";
import { startPingProbe, type RunningProbe } from "./probe";
import type { CandidateHost, LastMigration, LiveMigrationInputs, LiveMigrationOutputs, PreflightCheck, Toolstack } from "./schema";

/** Limit for reaching one host and asking it one round of questions. */
const ASK_TIMEOUT_MS = 30_000;
/** How long Verify waits for the toolstacks to settle (transitional names gone) after the migrate command. */
const SETTLE_TIMEOUT_MS = 20_000;
const PROGRESS_INTERVAL_MS = 1_000;

const RUN_SCRIPT = `PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin; export PATH
exec "$@"`;

export type Observed = Pick<LiveMigrationOutputs, "currentHost" | "locations" | "unreachableHosts" | "lastSeen">;

/** What the state remembers between runs that decisions depend on. */
export interface Prior {
  lastMigration: LastMigration | null;
  lastSeen: LastSeen | null;
}

export function priorOf(olds: Partial<LiveMigrationOutputs> | null): Prior {
  return { lastMigration: olds?.lastMigration ?? null, lastSeen: olds?.lastSeen ?? null };
}

const INCIDENT_REFUSALS: ReadonlySet<RefusalCode> = new Set([
  "failover-incident-unconfirmed",
  "failover-incident-mismatch",
  "failover-confirmation-spent",
]);

/** A spent fencing confirmation, from the last move. */
function spentOf(prior: Prior): SpentConfirmation | null {
  const m = prior.lastMigration;
  return m?.fencedIncident ? { incident: m.fencedIncident, at: m.started } : null;
}
export type ConvergeOutputs = Observed & Pick<LiveMigrationOutputs, "preflight" | "lastMigration">;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reached {
  candidate: CandidateHost;
  host?: RemoteHost;
  error?: string;
}

async function reach(candidate: CandidateHost): Promise<Reached> {
  try {
    const host = await withTimeout(`connecting to ${candidate.name}`, ASK_TIMEOUT_MS, () => connect(candidate.connection));
    return { candidate, host };
  } catch (e) {
    return { candidate, error: message(e) };
  }
}

/**
 * A pooled connection can die between two uses (the server, or an idle timer, closed it) and fail the next
 * channel at once. Probes are read-only, so such a quick connection-level failure is worth one more try, on a
 * fresh connection.
 */
const STALE_CONNECTION = /Not connected|was lost|ECONNRESET/;

async function ask<P extends Record<string, Probe<unknown>>>(host: RemoteHost, what: string, probes: P) {
  const once = () => withTimeout(what, ASK_TIMEOUT_MS, () => gatherFacts(host, probes, { timeoutMs: ASK_TIMEOUT_MS }));
  try {
    return await once();
  } catch (e) {
    if (!STALE_CONNECTION.test(message(e))) throw e;
    await sleep(500);
    return once();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Locate

export async function locateOne(c: CandidateHost, domain: string, toolstack: Toolstack | "detect"): Promise<HostLocation> {
  const r = await reach(c);
  if (!r.host) return { host: c.name, status: "unreachable", error: r.error, toolstack: null, sightings: [] };
  try {
    const f = await ask(r.host, `asking ${c.name} for its domains`, locateProbe(domain, toolstack));
    return locationFrom(c.name, f.list);
  } catch (e) {
    return { host: c.name, status: "unreachable", error: message(e), toolstack: null, sightings: [] };
  }
}

export function locateAll(inputs: Pick<LiveMigrationInputs, "hosts" | "domain" | "toolstack">): Promise<HostLocation[]> {
  return Promise.all(inputs.hosts.map((c) => locateOne(c, inputs.domain, inputs.toolstack)));
}

/**
 * What the hosts show. `lastSeen` is where the domain runs, with its id; when it runs on no host that answered,
 * it stays what the state saw before (`seenBefore`): that is the copy a fencing confirmation is about.
 */
export function observe(domain: string, locs: readonly HostLocation[], seenBefore: LastSeen | null = null): Observed {
  const running = locs.flatMap((l) => {
    const s = runningNormally(l);
    return s ? [{ host: l.host, id: s.id }] : [];
  });
  return {
    lastSeen: running.length === 1 ? running[0] : seenBefore,
    currentHost: running.length === 1 ? running[0].host : null,
    locations: locs.flatMap((l) => l.sightings.map((s) => ({ host: l.host, listedAs: listedName(domain, s.listedAs), state: s.state }))),
    unreachableHosts: locs.filter((l) => l.status !== "ok").map((l) => `${l.host}: ${l.error ?? l.status}`),
  };
}

function describeLocations(domain: string, locs: readonly HostLocation[]): string {
  return locs
    .map((l) => {
      if (l.status !== "ok") return `${l.host}: ${l.status} (${l.error})`;
      if (l.sightings.length === 0) return `${l.host}: not there`;
      return `${l.host}: ${l.sightings.map((s) => `${listedName(domain, s.listedAs)} id ${s.id ?? "-"} ${s.state}`).join(", ")}`;
    })
    .join("; ");
}

// ---------------------------------------------------------------------------------------------------------
// Preflight

function hostFactsError(host: string, error: string): HostFacts {
  return { host, error, toolstack: null, info: null, configs: [], disks: [], bridges: [] };
}

/**
 * One host's answers (probes named info, mounts, cfgN, diskN, bridgeN) as preflight facts. `stats` holds the
 * diskN answers when they came in another round trip than the mount table.
 */
function hostFactsFrom(
  host: string,
  ts: Toolstack,
  a: Record<string, unknown>,
  n: { cfgs: number; disks: number; bridges: number },
  stats: Record<string, unknown> = a,
): HostFacts {
  const info = a.info as { info: HostFacts["info"]; error?: string };
  const mounts = (a.mounts as Parameters<typeof diskFact>[1]) ?? [];
  const each = <T>(count: number, f: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => f(i));
  return {
    host,
    toolstack: info.info ? ts : null,
    toolstackError: info.error,
    info: info.info,
    configs: each(n.cfgs, (i) => a[`cfg${i}`] as { path: string; content: string | null }),
    disks: each(n.disks, (i) => diskFact(stats[`disk${i}`] as StatFact, mounts)),
    bridges: each(n.bridges, (i) => a[`bridge${i}`] as HostFacts["bridges"][number]),
  };
}

export async function preflight(
  inputs: LiveMigrationInputs,
  ts: Toolstack,
  from: CandidateHost,
  to: CandidateHost,
): Promise<{ facts: PreflightFacts; checks: PreflightCheck[] }> {
  const domain = inputs.domain;
  const cfgPaths = configCandidates(domain, inputs.configPath);
  const [src, tgt] = await Promise.all([reach(from), reach(to)]);
  const facts: PreflightFacts = {
    domain,
    toolstack: ts,
    source: { ...hostFactsError(from.name, src.error ?? ""), details: null },
    target: hostFactsError(to.name, tgt.error ?? ""),
  };
  if (!src.host || !tgt.host) {
    if (src.host) delete facts.source.error;
    if (tgt.host) delete facts.target.error;
    return { facts, checks: evaluatePreflight(facts) };
  }
  const cfgProbes = Object.fromEntries(cfgPaths.map((p, i) => [`cfg${i}`, configProbe(p)]));
  const transport: Record<string, Probe<unknown>> =
    ts === "xm"
      ? { relocation: relocationProbe(to.migrationAddress, inputs.migration.port ?? (inputs.migration.ssl ? 8003 : 8002)) }
      : { ssh: sshProbe(sshWords(inputs.migration.sshCommand, inputs.migration.sshConfigFile), to.migrationAddress) };

  // Source, first round: its view of the domain (devices), config, and the transport towards the target.
  let s1: Record<string, unknown>;
  try {
    s1 = await ask(src.host, `preflight on ${from.name}`, {
      info: infoProbe(ts),
      details: detailsProbe(ts, domain),
      mounts: MOUNTS_PROBE,
      ...cfgProbes,
      ...transport,
    });
  } catch (e) {
    facts.source.error = message(e);
    delete facts.target.error;
    return { facts, checks: evaluatePreflight(facts) };
  }
  const details = (s1.details as { details: DomainDetails | null; error?: string }).details;
  const diskPaths = [...new Set((details?.disks ?? []).map((d) => d.path).filter((p): p is string => p !== null))];
  const bridges = [...new Set((details?.vifs ?? []).map((v) => v.bridge).filter((b): b is string => !!b))];
  const statProbes = Object.fromEntries(diskPaths.map((p, i) => [`disk${i}`, statProbe(p)]));

  // Second round, in parallel: the source's disk files; everything on the target.
  const [s2, t] = await Promise.all([
    ask(src.host, `preflight (disks) on ${from.name}`, statProbes).catch((e) => new Error(message(e))),
    ask(tgt.host, `preflight on ${to.name}`, {
      info: infoProbe(ts),
      mounts: MOUNTS_PROBE,
      ...cfgProbes,
      ...statProbes,
      ...Object.fromEntries(bridges.map((b, i) => [`bridge${i}`, bridgeProbe(b)])),
    }).catch((e) => new Error(message(e))),
  ]);

  const counts = { cfgs: cfgPaths.length, disks: diskPaths.length, bridges: bridges.length };
  facts.source = {
    ...hostFactsFrom(from.name, ts, s1, { ...counts, disks: s2 instanceof Error ? 0 : counts.disks, bridges: 0 }, s2 instanceof Error ? {} : s2),
    details,
    detailsError: (s1.details as { error?: string }).error ?? (s2 instanceof Error ? s2.message : undefined),
  };
  facts.target = t instanceof Error ? hostFactsError(to.name, t.message) : hostFactsFrom(to.name, ts, t, counts);
  if (ts === "xm") facts.relocation = s1.relocation as PreflightFacts["relocation"];
  else facts.ssh = s1.ssh as PreflightFacts["ssh"];
  return { facts, checks: evaluatePreflight(facts) };
}

export function preflightError(domain: string, from: string, to: string, checks: readonly PreflightCheck[]): Error {
  const failed = checks.filter((c) => !c.ok);
  return new Error(
    `preflight for migrating ${domain} from ${from} to ${to} failed; nothing was changed:\n` +
      failed.map((c) => `  - ${c.host}: ${c.check}: ${c.detail}`).join("\n"),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Migrate, verify, probe, clean up

export function migrateArgv(inputs: LiveMigrationInputs, ts: Toolstack, targetAddress: string): string[] {
  const o = inputs.migration;
  if (ts === "xm") {
    return ["xm", "migrate", ...(o.live ? ["-l"] : []), ...(o.port ? ["-p", String(o.port)] : []), ...(o.ssl ? ["-s"] : []), inputs.domain, targetAddress];
  }
  // always -s: xl's own default (plain `ssh`) would leave host-key checking to the source's ssh_config
  const words = sshWords(o.sshCommand, o.sshConfigFile);
  return ["xl", "migrate", "-s", words.map(quoteWord).join(" "), inputs.domain, targetAddress];
}

/** Logs what both hosts list while the migrate command runs, whenever it changes. */
function watchProgress(inputs: LiveMigrationInputs, ts: Toolstack, hosts: CandidateHost[], log: Logger): { stop(): Promise<void> } {
  let running = true;
  let last = "";
  const loop = (async () => {
    while (running) {
      const locs = await Promise.all(hosts.map((h) => locateOne(h, inputs.domain, ts)));
      const line = describeLocations(inputs.domain, locs);
      if (running && line !== last) log.info(`  ${line}`);
      last = line;
      await sleep(PROGRESS_INTERVAL_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
    },
  };
}

/**
 * Asks every host until the toolstacks settle: moved at once; any other verdict once seen twice in a row,
 * except "in transit", which is waited out (xend renames migrating-NAME back, xl resumes or destroys its copy).
 */
async function settle(inputs: LiveMigrationInputs, from: string, to: string): Promise<{ outcome: Outcome; locations: HostLocation[] }> {
  const end = Date.now() + SETTLE_TIMEOUT_MS;
  let previous = "";
  for (;;) {
    const locations = await locateAll(inputs);
    const outcome = judgeOutcome(inputs.domain, from, to, locations);
    if (outcome.verdict === "moved") return { outcome, locations };
    const key = JSON.stringify(outcome);
    const stable = outcome.verdict !== "in-transit" && key === previous;
    if (stable || Date.now() >= end) return { outcome, locations };
    previous = key;
    await sleep(500);
  }
}

function verdictWords(domain: string, from: string, to: string, o: Outcome): string {
  switch (o.verdict) {
    case "moved":
      return `${domain} runs on ${to}`;
    case "stayed":
      return `${domain} still runs on ${from} and not on ${to}`;
    case "both":
      return `${domain} is listed on both hosts: ${o.detail}`;
    case "nowhere":
      return `${domain} runs nowhere`;
    case "in-transit":
      return `the toolstacks still show the migration in progress after ${SETTLE_TIMEOUT_MS / 1000} s: ${o.detail}`;
    case "unknown":
      return `where ${domain} runs could not be established: ${o.detail}`;
  }
}

async function runOn(host: RemoteHost, argv: string[], timeoutMs: number) {
  const r = await host.script(RUN_SCRIPT, argv, { timeoutMs });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

export async function migrate(
  inputs: LiveMigrationInputs,
  ts: Toolstack,
  from: CandidateHost,
  to: CandidateHost,
  checks: PreflightCheck[],
  prior: Prior,
  log: Logger,
): Promise<ConvergeOutputs> {
  const domain = inputs.domain;
  const previous = prior.lastMigration;
  const srcHost = await withTimeout(`connecting to ${from.name}`, ASK_TIMEOUT_MS, () => connect(from.connection));
  const lockName = `migrate-${domain.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  return withHostLock(
    srcHost,
    lockName,
    async () => {
      const timeoutMs = inputs.migration.timeoutSeconds * 1000;
      let probe: RunningProbe | undefined;
      if (inputs.probe) {
        const p = inputs.probe;
        const ph = await withTimeout("connecting to the probe host", ASK_TIMEOUT_MS, () => connect(p.connection));
        probe = await startPingProbe(ph, p.address, p.intervalSeconds, inputs.migration.timeoutSeconds + SETTLE_TIMEOUT_MS / 1000 + 60);
        log.info(`probe: pinging ${p.address} from ${ph.label} every ${p.intervalSeconds * 1000} ms`);
        await sleep(300); // replies before the move, so the first gap is measured from a reply
      }
      const argv = migrateArgv(inputs, ts, to.migrationAddress);
      const started = new Date();
      log.info(`migrating ${domain} from ${from.name} to ${to.name}: ${argv.join(" ")} (on ${from.name}, limit ${inputs.migration.timeoutSeconds} s)`);
      const progress = watchProgress(inputs, ts, [from, to], log);
      let failure: MigrateFailure | null = null;
      const t0 = Date.now();
      try {
        const r = await runOn(srcHost, argv, timeoutMs);
        failure = ts === "xm" ? classifyXmMigrate(r.output, r.code) : classifyXlMigrate(r.output, r.code);
      } catch (e) {
        const timedOut = /timed out/.test(message(e));
        failure = {
          kind: timedOut ? "timeout" : "command-lost",
          summary: timedOut
            ? `the migrate command gave no result within ${inputs.migration.timeoutSeconds} s (migration.timeoutSeconds), or ${from.name} stopped answering; it was stopped`
            : `the connection to ${from.name} broke while the migrate command ran`,
          detail: timedOut ? `${argv.join(" ")}: no result after ${inputs.migration.timeoutSeconds} s` : message(e),
        };
      }
      const wallMs = Date.now() - t0;
      await progress.stop();
      log.info(`${ts} migrate returned after ${wallMs} ms${failure ? `: ${failure.detail.split("\n")[0]}` : ""}; verifying on every host`);

      const { outcome, locations } = await settle(inputs, from.name, to.name);
      let ping: Awaited<ReturnType<RunningProbe["stop"]>> | undefined;
      if (probe) {
        await sleep(300);
        ping = await probe.stop().catch((e) => {
          log.warn(`probe: ${message(e)}`);
          return undefined;
        });
      }

      const lastOf = (p: typeof ping): LastMigration => ({
        from: from.name,
        to: to.name,
        kind: "migrate",
        started: started.toISOString(),
        wallMs,
        downtimeMs: p?.longestGap ? p.longestGap.ms : null,
        packetsSent: p ? (p.transmitted ?? p.replies.length) : null,
        packetsLost: p ? p.lost : null,
        maxRttMs: p ? p.maxRttMs : null,
        toolstack: ts,
      });
      if (outcome.verdict === "moved") {
        if (failure) {
          log.warn(`${ts} migrate reported "${failure.detail.split("\n")[0]}", yet ${domain} runs on ${to.name} and is gone from ${from.name}: the migration happened`);
        }
        const last = lastOf(ping);
        log.info(`verified: ${domain} runs on ${to.name} (id ${outcome.targetId ?? "?"}) and is gone from ${from.name}`);
        if (ping) {
          log.info(
            `probe: longest gap between replies ${last.downtimeMs ?? "n/a"} ms, ${last.packetsLost ?? "?"} of ${last.packetsSent} pings lost, ` +
              `max RTT ${last.maxRttMs ?? "n/a"} ms (toolstack wall time ${wallMs} ms)`,
          );
        }
        return { ...observe(domain, locations, prior.lastSeen), preflight: checks, lastMigration: last };
      }

      // The migration did not happen (or cannot be proven): leave the domain in exactly one place.
      log.warn(`migration failed: ${verdictWords(domain, from.name, to.name, outcome)}; cleaning up`);
      const plan = planCleanup(domain, from.name, to.name, locations);
      const done: string[] = [];
      for (const a of plan.actions) {
        const c = inputs.hosts.find((h) => h.name === a.host)!;
        try {
          const h = await withTimeout(`connecting to ${a.host}`, ASK_TIMEOUT_MS, () => connect(c.connection));
          if (a.op === "destroy") {
            log.warn(`cleanup: ${ts} destroy ${a.name} on ${a.host} (${a.why})`);
            const r = await runOn(h, [ts, "destroy", a.name], 60_000);
            done.push(r.code === 0 ? `destroyed ${a.name} on ${a.host}` : `FAILED to destroy ${a.name} on ${a.host}: ${r.output.trim()}`);
          } else {
            const path = await findConfig(h, inputs, a.host);
            log.warn(`cleanup: ${ts} create ${path} on ${a.host} (${a.why})`);
            const r = await runOn(h, [ts, "create", path], 120_000);
            done.push(r.code === 0 ? `started ${domain} on ${a.host} again` : `FAILED to start ${domain} on ${a.host}: ${r.output.trim()}`);
          }
        } catch (e) {
          done.push(`FAILED: ${a.op} on ${a.host}: ${message(e)}`);
        }
      }
      const final = plan.actions.length ? await locateAll(inputs) : locations;
      const obs = observe(domain, final, prior.lastSeen);
      if (obs.currentHost === to.name && final.every((l) => l.status === "ok")) {
        // The move itself happened (e.g. xl's final handshake broke after the target started the domain) and
        // the leftover at the source is gone: the domain runs where it was asked to, in one place.
        log.warn(`${ts} migrate failed late (${failure?.detail.split("\n")[0] ?? "no error"}), but ${domain} runs on ${to.name} only; ${done.join("; ")}`);
        return { ...obs, preflight: checks, lastMigration: lastOf(ping) };
      }
      const cause = failure
        ? `${failure.summary} (${ts} said: ${failure.detail.replace(/\n/g, " | ")})`
        : `${ts} migrate reported success, but ${verdictWords(domain, from.name, to.name, outcome)}`;
      const unasked = obs.unreachableHosts.length ? ` (not counting ${obs.unreachableHosts.join("; ")}, which could not be asked)` : "";
      const sourceUnasked = final.find((l) => l.host === from.name)?.status !== "ok";
      const seenNowhere = final.every((l) => l.sightings.length === 0);
      const state = obs.currentHost
        ? `${domain} is running on ${obs.currentHost} only${obs.currentHost === from.name ? " (where it was)" : ""}, under its own name${unasked}`
        : sourceUnasked && seenNowhere
          ? `${domain} is not running on any host that answered; the source ${from.name} could not be asked ` +
            `(${final.find((l) => l.host === from.name)?.error}), so it most likely still runs there; nothing was started elsewhere`
          : `WARNING: ${domain} is NOT running in exactly one place: ${describeLocations(domain, final)}`;
      const msg =
        `migration of ${domain} from ${from.name} to ${to.name} failed: ${cause}. ${state}.` +
        (done.length ? ` Cleanup: ${done.join("; ")}.` : "") +
        (plan.expectedHost || (sourceUnasked && seenNowhere) ? "" : ` ${plan.report}`);
      throw new PartialFailure(msg, {
        id: domain,
        properties: { ...obs, preflight: checks, lastMigration: previous },
        reasons: [cause, state, ...done],
      });
    },
    { timeoutMs: 30_000, description: `LiveMigration of ${domain} to ${to.name}`, notice: log.warn },
  );
}

async function findConfig(h: RemoteHost, inputs: LiveMigrationInputs, hostName: string): Promise<string> {
  const paths = configCandidates(inputs.domain, inputs.configPath);
  const f = await ask(h, `looking for ${inputs.domain}'s config on ${hostName}`, Object.fromEntries(paths.map((p, i) => [`cfg${i}`, configProbe(p)])));
  const found = paths.find((_, i) => (f[`cfg${i}`] as { content: string | null }).content !== null);
  if (!found) throw new Error(`no config file for ${inputs.domain} on ${hostName} (looked at ${paths.join(", ")})`);
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Start (startIfStopped, failover)

export async function start(
  inputs: LiveMigrationInputs,
  on: CandidateHost,
  ts: Toolstack,
  reason: "requested" | "failover",
  prior: Prior,
  log: Logger,
  incident?: string,
): Promise<ConvergeOutputs> {
  const domain = inputs.domain;
  const previous = prior.lastMigration;
  const h = await withTimeout(`connecting to ${on.name}`, ASK_TIMEOUT_MS, () => connect(on.connection));
  const path = await findConfig(h, inputs, on.name);
  const checks: PreflightCheck[] = [{ host: on.name, check: "config", ok: true, detail: `${path} exists on ${on.name}` }];
  if (inputs.preflightOnly) {
    log.info(`preflightOnly: would start ${domain} on ${on.name} (${reason}) with ${ts} create ${path}`);
    return { ...observe(domain, await locateAll(inputs), prior.lastSeen), preflight: checks, lastMigration: previous };
  }
  const from = reason === "failover" ? (inputs.failover.fencedHost ?? "") : "";
  log.info(`starting ${domain} on ${on.name} (${reason === "failover" ? `failover from fenced ${from}` : "startIfStopped"}): ${ts} create ${path}`);
  const started = new Date();
  const t0 = Date.now();
  const r = await runOn(h, [ts, "create", path], inputs.migration.timeoutSeconds * 1000);
  const wallMs = Date.now() - t0;
  const locations = await locateAll(inputs);
  const obs = observe(domain, locations, prior.lastSeen);
  const made: LastMigration = {
    from,
    to: on.name,
    kind: "start",
    started: started.toISOString(),
    wallMs,
    downtimeMs: null,
    packetsSent: null,
    packetsLost: null,
    maxRttMs: null,
    toolstack: ts,
    ...(incident ? { fencedIncident: incident } : {}),
  };
  if (obs.currentHost !== on.name) {
    const msg =
      `starting ${domain} on ${on.name} failed: ${ts} create ${path} exited ${r.code}: ${r.output.trim() || "no output"}; ` +
      `now: ${describeLocations(domain, locations)}`;
    // A create that failed cleanly started nothing, so a failover may try again with the same confirmation.
    // One that left a copy listed has acted on it: the state records it as spent, and the next attempt needs a
    // new confirmation from a person who has looked at that copy.
    const lastMigration = incident ? made : previous;
    if (r.code !== 0 && obs.currentHost === null && locations.every((l) => l.sightings.length === 0)) throw new Error(msg);
    throw new PartialFailure(msg, { id: domain, properties: { ...obs, preflight: checks, lastMigration } });
  }
  log.info(`verified: ${domain} runs on ${on.name}`);
  return { ...obs, preflight: checks, lastMigration: made };
}

// ---------------------------------------------------------------------------------------------------------
// The whole converge

function toolstackFor(inputs: LiveMigrationInputs, loc: HostLocation | undefined): Toolstack {
  if (inputs.toolstack !== "detect") return inputs.toolstack;
  if (loc?.toolstack) return loc.toolstack;
  throw new Error(`cannot tell which toolstack ${loc?.host ?? "the host"} runs (${loc?.error ?? "no answer"}); set toolstack`);
}

export async function converge(inputs: LiveMigrationInputs, prior: Prior, log: Logger): Promise<ConvergeOutputs> {
  const domain = inputs.domain;
  const previous = prior.lastMigration;
  log.info(`locating ${domain} on ${inputs.hosts.map((h) => h.name).join(", ")}`);
  const locations = await locateAll(inputs);
  log.info(`  ${describeLocations(domain, locations)}`);
  const placement = planPlacement({
    domain,
    desiredHost: inputs.desiredHost,
    locations,
    startIfStopped: inputs.startIfStopped,
    failover: inputs.failover,
    lastSeen: prior.lastSeen,
    spent: spentOf(prior),
  });
  if (placement.action === "refuse") throw new Error(placement.message);
  for (const w of placement.warnings) log.warn(w);
  const cand = (name: string) => inputs.hosts.find((h) => h.name === name)!;
  const locOf = (name: string) => locations.find((l) => l.host === name);

  if (placement.action === "none") {
    log.info(`${domain} already runs on ${placement.host}: nothing to do`);
    return { ...observe(domain, locations, prior.lastSeen), preflight: [], lastMigration: previous };
  }
  if (placement.action === "start") {
    return start(inputs, cand(placement.on), toolstackFor(inputs, locOf(placement.on)), placement.reason, prior, log,
      placement.incident);
  }
  const ts = toolstackFor(inputs, locOf(placement.from));
  log.info(`preflight: ${domain} ${placement.from} → ${placement.to} (${ts})`);
  const { checks } = await preflight(inputs, ts, cand(placement.from), cand(placement.to));
  for (const c of checks) (c.ok ? log.info : log.warn)(`  ${c.ok ? "ok" : "FAILED"} ${c.host} ${c.check}: ${c.detail}`);
  if (checks.some((c) => !c.ok)) throw preflightError(domain, placement.from, placement.to, checks);
  if (inputs.preflightOnly) {
    log.info(`preflightOnly: every check passed; ${domain} stays on ${placement.from}`);
    return { ...observe(domain, locations, prior.lastSeen), preflight: checks, lastMigration: previous };
  }
  return migrate(inputs, ts, cand(placement.from), cand(placement.to), checks, prior, log);
}

/** Preview: the same decisions, read-only. Throws what `up` would refuse or what preflight would stop on. */
export async function dryRun(inputs: LiveMigrationInputs, log: Logger): Promise<void> {
  const locations = await locateAll(inputs);
  const placement = planPlacement({
    domain: inputs.domain,
    desiredHost: inputs.desiredHost,
    locations,
    startIfStopped: inputs.startIfStopped,
    failover: inputs.failover,
  });
  // The incident is where the STATE last saw the domain, and check (where this runs) gets only the recorded
  // inputs: up decides the confirmation; preview must not refuse a right one.
  if (placement.action === "refuse" && INCIDENT_REFUSALS.has(placement.code)) {
    log.info(`would fail ${inputs.domain} over to ${inputs.desiredHost} if failover.incident names the recorded incident (up checks it)`);
    return;
  }
  if (placement.action === "refuse") throw new Error(placement.message);
  if (placement.action === "none") return;
  if (placement.action === "start") {
    log.info(`would start ${inputs.domain} on ${placement.on} (${placement.reason})`);
    return;
  }
  const ts = toolstackFor(inputs, locations.find((l) => l.host === placement.from));
  const { checks } = await preflight(inputs, ts, inputs.hosts.find((h) => h.name === placement.from)!, inputs.hosts.find((h) => h.name === placement.to)!);
  if (checks.some((c) => !c.ok)) throw preflightError(inputs.domain, placement.from, placement.to, checks);
  log.info(`would migrate ${inputs.domain} from ${placement.from} to ${placement.to}: preflight passed (${checks.length} checks)`);
}
