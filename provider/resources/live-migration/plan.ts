/**
 * The PURE decisions of LiveMigration: where to go from what Locate found (planPlacement), whether a
 * migration may start (evaluatePreflight), what the hosts show after the migrate command (judgeOutcome), and
 * how to leave the domain in exactly one place after a failure (planCleanup). No I/O here: apply.ts gathers
 * the facts and carries the decisions out, and the unit tests drive every case directly.
 */
import type { ListedAs } from "../../formats/xm-list";
import type { DomainDetails } from "../../formats/xm-list-long";
import type { XenInfo } from "../../formats/xm-info";
import { isSharedFsType } from "../../formats/mountinfo";
import type { PreflightCheck, Toolstack } from "./schema";

/** A sighting of the domain on one host, under any of its names. */
export interface Sighting {
  listedAs: ListedAs;
  id: number | null;
  state: string;
  paused: boolean;
  /** shut down, crashed or dying: listed, but not running */
  down: boolean;
  memMiB: number;
}

/** What one host answered to "where is the domain?". */
export interface HostLocation {
  host: string;
  /**
   * ok: the toolstack listed its domains; unreachable: no SSH; toolstack-down: SSH worked but the listing
   * failed (xend down, no toolstack). Only `ok` hosts can rule the domain out.
   */
  status: "ok" | "unreachable" | "toolstack-down";
  /** why the status is not ok, in the host's own words */
  error?: string;
  toolstack: Toolstack | null;
  sightings: Sighting[];
}

export interface FailoverPolicy {
  allow: boolean;
  fencedHost?: string;
  /** The incident the fencing confirmation is for, as the refusal named it (see incidentId). */
  incident?: string;
}

/** Where the state last saw the domain running, and with which domain id. */
export interface LastSeen {
  host: string;
  id: number | null;
}

/** A failover already made with a fencing confirmation: that confirmation is spent. */
export interface SpentConfirmation {
  incident: string;
  /** when the failover started (ISO 8601) */
  at: string;
}

export interface PlacementInput {
  domain: string;
  desiredHost: string;
  locations: readonly HostLocation[];
  startIfStopped: boolean;
  failover: FailoverPolicy;
  /** From the state; null when it never saw the domain run (a new resource, a state from an older version). */
  lastSeen?: LastSeen | null;
  spent?: SpentConfirmation | null;
}

/** The domain id the state last saw on `host`, or null when it never saw the domain run there. */
function idSeenOn(host: string, lastSeen: LastSeen | null | undefined): number | null {
  return lastSeen && lastSeen.host === host ? lastSeen.id : null;
}

/**
 * What a fencing confirmation is bound to: the host that stopped answering and the copy of the domain last seen
 * on it (its domain id, which the toolstack does not give twice while the host stays up). So a confirmation
 * left in the program from an earlier incident names another copy, and does not fit a new one. When a failover
 * already acted on this incident's confirmation (its create left a copy it could not verify), the incident gets
 * a `:retryN` suffix: the next attempt needs a person to confirm again, with a value never given before.
 */
export function incidentId(domain: string, host: string, lastSeen: LastSeen | null | undefined, spent?: SpentConfirmation | null): string {
  const id = idSeenOn(host, lastSeen);
  const copy = id === null ? "never-seen" : `id${id}`;
  const base = `${host}:${domain}:${copy}`;
  if (!spent) return base;
  if (spent.incident === base) return `${base}:retry1`;
  const retry = spent.incident.startsWith(`${base}:retry`) ? Number(spent.incident.slice(base.length + 6)) : NaN;
  return Number.isInteger(retry) ? `${base}:retry${retry + 1}` : base;
}

export type RefusalCode =
  | "running-on-several-hosts"
  | "migration-in-progress"
  | "running-nowhere"
  | "failover-not-allowed"
  | "failover-not-fenced"
  | "failover-incident-unconfirmed"
  | "failover-incident-mismatch"
  | "failover-confirmation-spent"
  | "failover-target-unavailable";

export type Placement =
  | { action: "none"; host: string; warnings: string[] }
  | { action: "migrate"; from: string; to: string; warnings: string[] }
  | { action: "start"; on: string; reason: "requested" | "failover"; warnings: string[]; incident?: string }
  | { action: "refuse"; code: RefusalCode; message: string };

const where = (l: HostLocation): string => `${l.host} (${l.error ?? l.status})`;

function describeSightings(domain: string, locs: readonly HostLocation[]): string {
  return locs
    .flatMap((l) =>
      l.sightings.map((s) => {
        const name = s.listedAs === "normal" ? domain : listedName(domain, s.listedAs);
        return `${l.host} lists ${name} (id ${s.id ?? "-"}, state ${s.state})`;
      }),
    )
    .join("; ");
}

/** The name the toolstack shows for a transitional sighting. */
export function listedName(domain: string, as: ListedAs): string {
  switch (as) {
    case "normal":
      return domain;
    case "migrating":
      return `migrating-${domain}`;
    case "incoming":
      return `${domain}--incoming`;
    case "migratedaway":
      return `${domain}--migratedaway`;
  }
}

/** Decides what to do from Locate's answers. Never chooses an action that could run the domain twice. */
export function planPlacement(input: PlacementInput): Placement {
  const { domain, desiredHost, locations } = input;
  const unknown = locations.filter((l) => l.status !== "ok");
  const warnings = unknown.map(
    (l) => `${where(l)} could not be asked; if ${domain} ran there too, the hosts that answered could not tell`,
  );
  const withDomain = locations.filter((l) => l.sightings.length > 0);
  const transitional = withDomain.filter((l) => l.sightings.some((s) => s.listedAs !== "normal"));
  const normalOn = withDomain.filter((l) => l.sightings.some((s) => s.listedAs === "normal"));

  if (normalOn.length >= 2) {
    return {
      action: "refuse",
      code: "running-on-several-hosts",
      message:
        `ALARM: ${domain} is running on ${normalOn.length} hosts (${describeSightings(domain, normalOn)}). ` +
        "Two copies write the same disk and corrupt it. Nothing was touched: stop the wrong copy by hand " +
        "(xm/xl destroy on the host that should not run it), then run again.",
    };
  }
  if (transitional.length > 0) {
    return {
      action: "refuse",
      code: "migration-in-progress",
      message:
        `${domain} is being migrated right now (${describeSightings(domain, withDomain)}). Nothing was ` +
        "touched; run again when the move has finished (the transitional names are gone).",
    };
  }
  if (normalOn.length === 1) {
    const from = normalOn[0].host;
    if (from === desiredHost) return { action: "none", host: from, warnings };
    return { action: "migrate", from, to: desiredHost, warnings };
  }

  // Running on no host that answered.
  if (unknown.length === 0) {
    if (input.startIfStopped) return { action: "start", on: desiredHost, reason: "requested", warnings };
    return {
      action: "refuse",
      code: "running-nowhere",
      message:
        `${domain} is not running on any host (${locations.map((l) => l.host).join(", ")} all answered). ` +
        "Start it yourself, or set startIfStopped to have it started on the desired host.",
    };
  }
  const desired = locations.find((l) => l.host === desiredHost);
  const suspects = unknown.filter((l) => l.host !== desiredHost);
  if (!desired || desired.status !== "ok") {
    return {
      action: "refuse",
      code: "failover-target-unavailable",
      message:
        `${domain} is not running on any host that answered, and the desired host ${desired ? where(desired) : desiredHost} ` +
        "cannot be used to start it.",
    };
  }
  if (!input.failover.allow) {
    return {
      action: "refuse",
      code: "failover-not-allowed",
      message:
        `${domain} is not running on any host that answered; ${suspects.map(where).join(", ")} could not be ` +
        `asked and may still run it. Failover is not allowed (failover.allow is false), so ${domain} was not ` +
        `started on ${desiredHost}.`,
    };
  }
  const unfenced = suspects.filter((l) => l.host !== input.failover.fencedHost);
  if (unfenced.length > 0) {
    return {
      action: "refuse",
      code: "failover-not-fenced",
      message:
        `refusing to fail ${domain} over to ${desiredHost}: ${unfenced.map(where).join(", ")} could not be asked ` +
        `and is not confirmed fenced. If ${domain} still runs there, starting it here writes the same disk from two ` +
        "hosts and corrupts it. Power the host off (or cut it from the shared storage), then set " +
        `failover.fencedHost to "${unfenced[0].host}".` +
        (unfenced.length > 1 ? " Only one host can be confirmed fenced at a time." : ""),
    };
  }
  const fenced = suspects[0].host;
  const incident = incidentId(domain, fenced, input.lastSeen, input.spent);
  const seenId = idSeenOn(fenced, input.lastSeen);
  const seen = seenId === null ? `this state never saw ${domain} run there` : `${domain} was last seen there with id ${seenId}`;
  const confirm = `set failover.incident to "${incident}" (${seen}) once ${fenced} is fenced`;
  if (input.failover.incident === undefined) {
    return {
      action: "refuse",
      code: "failover-incident-unconfirmed",
      message:
        `refusing to fail ${domain} over to ${desiredHost}: failover.fencedHost confirms ${fenced} is fenced, but not ` +
        `for which incident. A confirmation holds for one incident only: ${confirm}.`,
    };
  }
  if (input.spent && input.failover.incident === input.spent.incident) {
    return {
      action: "refuse",
      code: "failover-confirmation-spent",
      message:
        `refusing to fail ${domain} over to ${desiredHost}: the confirmation "${input.spent.incident}" was already used ` +
        `by the failover that started at ${input.spent.at}, and a confirmation is used once. ${domain} is still not ` +
        `running on any host that answered: find out what that failover left (${describeSightings(domain, locations) || "nothing listed"}), ` +
        `then ${confirm}.`,
    };
  }
  if (input.failover.incident !== incident) {
    return {
      action: "refuse",
      code: "failover-incident-mismatch",
      message:
        `refusing to fail ${domain} over to ${desiredHost}: failover.incident "${input.failover.incident}" is not the ` +
        `current incident "${incident}". It was given for another incident (or another copy of ${domain}), so it ` +
        `says nothing about whether ${fenced} is fenced now: check that it is, then ${confirm}.`,
    };
  }
  return {
    action: "start",
    on: desiredHost,
    reason: "failover",
    warnings: [`${fenced} is unreachable and confirmed fenced for incident ${incident}: starting ${domain} on ${desiredHost}`],
    incident,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Preflight

/** A disk path as one host sees it. */
export interface DiskFact {
  path: string;
  exists: boolean;
  /** from stat: "regular file", "block special file", … */
  fileType: string | null;
  size: number | null;
  inode: number | null;
  /** the filesystem holding it (null when the path is missing) */
  fsType: string | null;
  mountSource: string | null;
  mountPoint: string | null;
  /** path relative to its mount point, so two hosts mounting one export at different places still compare */
  relativePath: string | null;
}

export interface BridgeFact {
  name: string;
  exists: boolean;
  /** null when the host could not say (old iproute without -d, no brctl) */
  isBridge: boolean | null;
}

/** The reachability tests run ON the source towards the target. */
export type RelocationProbe =
  | { result: "open"; address: string; port: number } // accepted and kept open: admitted
  | { result: "closed"; address: string; port: number; detail: string } // accepted then closed: hosts-allow
  | { result: "refused" | "timeout" | "untestable"; address: string; port: number; detail: string };

export interface SshProbe {
  ok: boolean;
  /** ssh's own words when it failed */
  detail: string;
}

export interface HostFacts {
  host: string;
  /** null: this host's facts could not be gathered (then `error` says why) */
  error?: string;
  toolstack: Toolstack | null;
  toolstackError?: string;
  info: XenInfo | null;
  /** the domain config file content at each candidate path; null when absent */
  configs: { path: string; content: string | null }[];
  disks: DiskFact[];
  bridges: BridgeFact[];
}

export interface PreflightFacts {
  domain: string;
  toolstack: Toolstack;
  source: HostFacts & { details: DomainDetails | null; detailsError?: string };
  target: HostFacts;
  /** xm only */
  relocation?: RelocationProbe;
  /** xl only */
  ssh?: SshProbe;
}


function normalizeSource(source: string): string {
  const colon = source.indexOf(":/");
  if (colon < 0) return source;
  return source.slice(0, colon + 1) + source.slice(colon + 1).replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
}

function mib(n: number | null): string {
  return n === null ? "unknown" : `${n} MiB`;
}

/** Runs every check on gathered facts. Each failure names the host and the fact that failed. */
export function evaluatePreflight(f: PreflightFacts): PreflightCheck[] {
  const out: PreflightCheck[] = [];
  const add = (host: string, check: string, ok: boolean, detail: string) => out.push({ host, check, ok, detail });
  const { source: s, target: t, domain } = f;

  // Reachable, toolstack, daemon.
  if (t.error) {
    add(t.host, "reachable", false, `${t.host} cannot be reached: ${t.error}`);
    return out;
  }
  add(t.host, "reachable", true, `${t.host} answered over SSH`);
  if (s.error) {
    add(s.host, "reachable", false, `${s.host} cannot be reached: ${s.error}`);
    return out;
  }
  for (const h of [s, t]) {
    if (h.toolstack !== f.toolstack || !h.info) {
      const why = h.toolstackError ?? (h.toolstack ? `it runs ${h.toolstack}, not ${f.toolstack}` : "no toolstack found");
      add(h.host, "toolstack", false, `${f.toolstack} is not usable on ${h.host}: ${why}`);
    } else {
      add(h.host, "toolstack", true, `${f.toolstack} answers on ${h.host}${f.toolstack === "xm" ? " (xend running)" : ""}`);
    }
  }

  // Config file present on the target and identical to the source's.
  const srcCfg = s.configs.find((c) => c.content !== null);
  if (!srcCfg) {
    add(s.host, "config", false, `no config file for ${domain} on ${s.host} (looked at ${s.configs.map((c) => c.path).join(", ")})`);
  } else {
    const tgtCfg = t.configs.find((c) => c.path === srcCfg.path);
    if (!tgtCfg || tgtCfg.content === null) {
      add(t.host, "config", false, `${srcCfg.path} is missing on ${t.host} (it exists on ${s.host})`);
    } else if (tgtCfg.content !== srcCfg.content) {
      add(t.host, "config", false, `${srcCfg.path} on ${t.host} differs from ${s.host}'s: ${firstDifference(srcCfg.content ?? "", tgtCfg.content)}`);
    } else {
      add(t.host, "config", true, `${srcCfg.path} on ${t.host} is identical to ${s.host}'s`);
    }
  }

  // Disks: visible on the target and the same file (shared storage).
  const details = s.details;
  if (!details) {
    add(s.host, "disk", false, `could not read ${domain}'s devices on ${s.host}: ${s.detailsError ?? "no long listing"}`);
  } else {
    for (const disk of details.disks) {
      if (disk.cdrom && disk.path === null) continue;
      if (disk.path === null) {
        add(t.host, "disk", false, `${domain}'s disk ${disk.spec} uses a backend whose presence on ${t.host} cannot be checked`);
        continue;
      }
      const sd = s.disks.find((d) => d.path === disk.path);
      const td = t.disks.find((d) => d.path === disk.path);
      out.push(checkDisk(disk.path, disk.kind, s.host, t.host, sd, td));
    }
    // Bridges of every vif.
    for (const vif of details.vifs) {
      if (!vif.bridge) continue;
      const b = t.bridges.find((x) => x.name === vif.bridge);
      if (!b || !b.exists) add(t.host, "bridge", false, `bridge ${vif.bridge} (vif ${vif.mac ?? "?"}) does not exist on ${t.host}`);
      else if (b.isBridge === false) add(t.host, "bridge", false, `${vif.bridge} exists on ${t.host} but is not a bridge`);
      else add(t.host, "bridge", true, `bridge ${vif.bridge} exists on ${t.host}`);
    }
    // Memory.
    const need = details.memoryMiB;
    const free = t.info?.freeMemoryMiB ?? null;
    if (need === null || free === null) {
      add(t.host, "memory", false, `cannot compare memory: ${domain} needs ${mib(need)}, ${t.host} has ${mib(free)} free`);
    } else if (free < need) {
      add(t.host, "memory", false, `${t.host} has ${free} MiB free, ${domain} needs ${need} MiB`);
    } else {
      add(t.host, "memory", true, `${t.host} has ${free} MiB free, ${domain} needs ${need} MiB`);
    }
  }

  // Xen versions.
  if (s.info && t.info) out.push(checkVersions(s.host, s.info, t.host, t.info));

  // Transport, tested from the source.
  if (f.toolstack === "xm") {
    const r = f.relocation;
    if (!r) add(s.host, "relocation", false, "the relocation port test did not run");
    else if (r.result === "open") {
      add(t.host, "relocation", true, `${s.host} connected to ${t.host}'s relocation server at ${r.address}:${r.port} and was admitted`);
    } else if (r.result === "closed") {
      add(
        t.host,
        "relocation",
        false,
        `${t.host}'s relocation server at ${r.address}:${r.port} accepted ${s.host}'s connection and closed it at once: ` +
          `its xend-relocation-hosts-allow rejects ${s.host}${r.detail ? ` (${r.detail})` : ""}`,
      );
    } else if (r.result === "refused") {
      add(
        t.host,
        "relocation",
        false,
        `${s.host} cannot connect to ${t.host}'s relocation port ${r.address}:${r.port}: ${r.detail || "connection refused"} ` +
          "(xend-relocation-server off, another port/address, or xend down)",
      );
    } else {
      add(t.host, "relocation", false, `${s.host} could not test ${t.host}'s relocation port ${r.address}:${r.port}: ${r.detail}`);
    }
  } else {
    const p = f.ssh;
    if (!p) add(s.host, "ssh", false, "the ssh test did not run");
    else if (p.ok) add(s.host, "ssh", true, `${s.host} can ssh to ${t.host} as xl migrate will`);
    else add(s.host, "ssh", false, `${s.host} cannot ssh to ${t.host} as xl migrate will: ${p.detail}`);
  }
  return out;
}

function firstDifference(a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: ${JSON.stringify(al[i] ?? "(end of file)")} vs ${JSON.stringify(bl[i] ?? "(end of file)")}`;
  }
  return "they differ";
}

function checkDisk(
  path: string,
  kind: "file" | "block" | "other",
  src: string,
  tgt: string,
  sd: DiskFact | undefined,
  td: DiskFact | undefined,
): PreflightCheck {
  const fail = (host: string, detail: string): PreflightCheck => ({ host, check: "disk", ok: false, detail });
  if (!td || !td.exists) return fail(tgt, `disk ${path} does not exist on ${tgt}`);
  if (!sd || !sd.exists) return fail(src, `disk ${path} does not exist on ${src} (the domain runs from it?)`);
  if (kind === "block") {
    if (td.fileType !== "block special file") return fail(tgt, `disk ${path} on ${tgt} is a ${td.fileType ?? "?"}, not a block device`);
    return { host: tgt, check: "disk", ok: true, detail: `block device ${path} exists on ${tgt} (that it is the same LUN is not checked)` };
  }
  for (const [h, d] of [[src, sd], [tgt, td]] as const) {
    if (!d.fsType || !isSharedFsType(d.fsType)) {
      return fail(
        h,
        `disk ${path} on ${h} is on ${d.fsType ?? "an unknown filesystem"} (${d.mountSource ?? "?"} at ${d.mountPoint ?? "?"}), ` +
          "not on shared storage: a local copy is not the same disk",
      );
    }
  }
  const sameSource = normalizeSource(sd.mountSource ?? "") === normalizeSource(td.mountSource ?? "");
  if (!sameSource || sd.relativePath !== td.relativePath) {
    return fail(
      tgt,
      `disk ${path} is not the same file on both hosts: ${src} has ${sd.mountSource}${sd.relativePath === "/" ? "" : sd.relativePath}, ` +
        `${tgt} has ${td.mountSource}${td.relativePath === "/" ? "" : td.relativePath}`,
    );
  }
  if (sd.size !== td.size) {
    return fail(tgt, `disk ${path} has ${sd.size} bytes on ${src} but ${td.size} on ${tgt}: not the same file`);
  }
  return {
    host: tgt,
    check: "disk",
    ok: true,
    detail: `disk ${path} is the same file on both hosts (${td.fsType} ${td.mountSource}, ${td.size} bytes)`,
  };
}

/** Same major version, and the target not older: Xen migrates forward within a major version, never back. */
export function checkVersions(src: string, si: XenInfo, tgt: string, ti: XenInfo): PreflightCheck {
  const v = (i: XenInfo) => i.xenVersion ?? `${i.xenMajor}.${i.xenMinor}`;
  const base = { host: tgt, check: "version" };
  if (si.xenMajor === null || si.xenMinor === null || ti.xenMajor === null || ti.xenMinor === null) {
    return { ...base, ok: false, detail: `cannot compare Xen versions: ${src} has ${v(si)}, ${tgt} has ${v(ti)}` };
  }
  if (si.xenMajor !== ti.xenMajor) {
    return { ...base, ok: false, detail: `${src} runs Xen ${v(si)} and ${tgt} Xen ${v(ti)}: no migration across major versions` };
  }
  if (ti.xenMinor < si.xenMinor) {
    return { ...base, ok: false, detail: `${tgt} runs Xen ${v(ti)}, older than ${src}'s ${v(si)}: a domain cannot migrate to an older Xen` };
  }
  return { ...base, ok: true, detail: `Xen ${v(si)} on ${src} → ${v(ti)} on ${tgt}: compatible` };
}

// ---------------------------------------------------------------------------------------------------------
// After the migrate command

export type Outcome =
  | { verdict: "moved"; targetId: number | null }
  | { verdict: "stayed" }
  | { verdict: "in-transit"; detail: string }
  | { verdict: "both"; detail: string }
  | { verdict: "nowhere" }
  | { verdict: "unknown"; detail: string };

export const runningNormally = (l: HostLocation | undefined): Sighting | undefined =>
  l?.sightings.find((s) => s.listedAs === "normal" && !s.down);

/**
 * Reads where the domain is after `xm/xl migrate` returned, whatever its exit code said. Other candidates
 * matter too: a domain that turned up on a third host is as wrong as one on two.
 */
export function judgeOutcome(domain: string, from: string, to: string, after: readonly HostLocation[]): Outcome {
  const src = after.find((l) => l.host === from);
  const tgt = after.find((l) => l.host === to);
  const unknown = after.filter((l) => l.status !== "ok");
  const transitional = after.filter((l) => l.sightings.some((s) => s.listedAs !== "normal"));
  const normal = after.filter((l) => l.sightings.some((s) => s.listedAs === "normal"));
  if (normal.length >= 2) return { verdict: "both", detail: describeSightings(domain, after) };
  if (transitional.length > 0) return { verdict: "in-transit", detail: describeSightings(domain, after) };
  const onTarget = runningNormally(tgt);
  const onSource = runningNormally(src);
  if (onTarget && !onTarget.paused && src?.status === "ok") return { verdict: "moved", targetId: onTarget.id };
  if (onSource && !onTarget) return { verdict: "stayed" };
  if (normal.length === 1 && !onTarget && !onSource) {
    return { verdict: "unknown", detail: `${domain} turned up on ${normal[0].host}: ${describeSightings(domain, normal)}` };
  }
  if (unknown.length > 0) return { verdict: "unknown", detail: unknown.map(where).join(", ") + " could not be asked" };
  if (onTarget?.paused) return { verdict: "in-transit", detail: `${domain} is still paused on ${to}` };
  if (normal.length === 0) return { verdict: "nowhere" };
  return { verdict: "unknown", detail: describeSightings(domain, after) };
}

/** One action that brings the domain back to exactly one place. */
export type CleanupAction =
  | { op: "destroy"; host: string; name: string; why: string }
  | { op: "start"; host: string; why: string };

export interface CleanupPlan {
  actions: CleanupAction[];
  /** where the domain will run once the actions are done; null when no safe action exists */
  expectedHost: string | null;
  /** the situation in words, for the error the user sees */
  report: string;
}

/**
 * After a failed or unverifiable migration: which leftovers can safely go. Only copies that provably never ran
 * or can never run again are destroyed: a paused `NAME--incoming` while NAME runs on the source, a
 * `NAME--migratedaway` / `migrating-NAME` (suspended) while NAME runs on the target. When the domain runs
 * nowhere and every host answered, it is started again on the source, from the shared disk. Anything else
 * is reported, not touched.
 */
export function planCleanup(domain: string, from: string, to: string, after: readonly HostLocation[]): CleanupPlan {
  const unknown = after.filter((l) => l.status !== "ok");
  const normal = after.filter((l) => l.sightings.some((s) => s.listedAs === "normal" && !s.down));
  const seen = describeSightings(domain, after) || "no host lists it";
  if (normal.length >= 2) {
    return {
      actions: [],
      expectedHost: null,
      report: `ALARM: ${domain} now runs on ${normal.map((l) => l.host).join(" and ")} (${seen}). Nothing was touched: decide which copy is right and destroy the other.`,
    };
  }
  const actions: CleanupAction[] = [];
  if (normal.length === 1) {
    const runner = normal[0];
    const running = runningNormally(runner)!;
    for (const l of after) {
      for (const s of l.sightings) {
        if (s.listedAs === "normal") continue;
        const name = listedName(domain, s.listedAs);
        // A paused --incoming never ran. A suspended migrating-/--migratedaway copy is dead once the target
        // runs (unpaused) its successor; while the source runs, it is the source itself and stays.
        const neverRan = s.listedAs === "incoming" && s.paused && l.host !== runner.host;
        const superseded =
          (s.listedAs === "migratedaway" || s.listedAs === "migrating") &&
          l.host !== runner.host &&
          runner.host === to &&
          !running.paused;
        if (!neverRan && !superseded) {
          return {
            actions: [],
            expectedHost: null,
            report:
              `${domain} runs on ${runner.host}, and ${l.host} still lists ${name} (state ${s.state}); removing it ` +
              `is not provably safe, so nothing was touched (${seen}).`,
          };
        }
        actions.push({
          op: "destroy",
          host: l.host,
          name,
          why: neverRan
            ? `the half-received copy on ${l.host} never ran (paused); ${domain} runs on ${runner.host}`
            : `the suspended copy left on ${l.host} can never resume: ${domain} already runs on ${runner.host}`,
        });
      }
    }
    const role = runner.host === from ? " (the source)" : runner.host === to ? " (the target)" : "";
    return { actions, expectedHost: runner.host, report: `${domain} runs on ${runner.host}${role}; ${seen}` };
  }
  // Runs nowhere under its own name.
  const leftovers = after.filter((l) => l.sightings.length > 0);
  if (unknown.length > 0) {
    return {
      actions: [],
      expectedHost: null,
      report: `${domain} is not running on any host that answered (${seen}); ${unknown.map(where).join(", ")} could not be asked, so nothing was started.`,
    };
  }
  if (leftovers.length > 0) {
    return {
      actions: [],
      expectedHost: null,
      report: `${domain} is not running under its own name anywhere, but ${seen}: the toolstack holds it mid-migration; nothing was touched (xl: resume or destroy it by hand as the xl docs describe).`,
    };
  }
  return {
    actions: [{ op: "start", host: from, why: `${domain} was running on ${from} before the migration and now runs nowhere` }],
    expectedHost: from,
    report: `${domain} ran nowhere after the failed migration; every host answered, so it is started again on ${from} from its shared disk`,
  };
}
