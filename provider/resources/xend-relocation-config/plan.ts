/**
 * XendRelocationConfig's plan: a PURE function of the inputs and the facts. It returns the new file (or none
 * when the file already gives the desired effective settings), whether xend must be restarted (only when the
 * effective relocation settings change, or the running xend does not listen as the file says), or the reasons
 * it cannot proceed. Also the drift report that read returns.
 */
import { SxpParseError, parseSxp } from "../../formats/sxp";
import {
  type DesiredRelocation,
  editRelocation,
  effectiveRelocation,
  type RelocationEdit,
  type RelocationSettings,
} from "../../formats/sxp-xend-relocation";
import { listensOn, RelocationFacts, restartLost } from "./facts";
import { hostsAllowValue, HostsAllowItem, XendRelocationInputs } from "./schema";

/**
 * The settings to reach. With the server off and no hosts given, hosts-allow is left as the host has it
 * (`current`), so that turning relocation off never opens it to everyone for whoever turns it on later.
 */
export function desiredRelocation(i: XendRelocationInputs, current?: RelocationSettings): DesiredRelocation {
  const keepHosts = !i.enabled && !i.allowAllHosts && i.hostsAllow.length === 0;
  return {
    server: i.enabled,
    port: i.port,
    address: i.address,
    hostsAllow: i.allowAllHosts ? "" : keepHosts ? (current?.hostsAllow ?? "") : hostsAllowValue(i.hostsAllow),
    sslServer: i.ssl !== undefined,
    ...(i.ssl ? { sslPort: i.ssl.port, sslKeyFile: i.ssl.keyFile, sslCertFile: i.ssl.certFile } : {}),
  };
}

/** The desired settings that give back `s` (used by delete to restore what was found before create). */
export function desiredFromSettings(s: RelocationSettings): DesiredRelocation {
  return {
    server: s.server,
    port: s.port,
    address: s.address,
    hostsAllow: s.hostsAllow,
    sslServer: s.sslServer,
    ...(s.sslServer ? { sslPort: s.sslPort, sslKeyFile: s.sslKeyFile ?? undefined, sslCertFile: s.sslCertFile ?? undefined } : {}),
  };
}

export function xlHostMessage(host: string): string {
  return (
    `${host} runs the xl toolstack (no xend, so no relocation server to configure): xl migrates over SSH ` +
    `(\`ssh TARGET xl migrate-receive\`). Use XlMigrationTrust to let the source host's root reach this host instead.`
  );
}

export interface RelocationPlan {
  /** Reasons nothing may be done; when non-empty, nothing is written. */
  errors: string[];
  warnings: string[];
  /** The new file content, or null when the file stays as it is. */
  write: string | null;
  /** The edits, in words, naming lines. */
  actions: string[];
  /** Restart xend (it is running and the effective settings change, or it does not listen as configured). */
  restart: boolean;
  restartReason: string | null;
  edit: RelocationEdit | null;
  /** Record, before the write, that xend owes a restart (the write changes what a restart would load). */
  markRestart: boolean;
  /** Remove a marker left by an earlier run that no longer means anything (xend restarted or stopped since). */
  clearMarker: boolean;
}

function parseProblem(path: string, e: unknown): string {
  if (e instanceof SxpParseError) {
    return `${path} line ${e.line}: ${e.reason}; xend cannot start with this file, so it is left untouched (fix it by hand first)`;
  }
  throw e;
}

/** The file's effective settings, or a problem in words when xend could not parse it. */
export function currentSettings(path: string, text: string | null): RelocationSettings | string {
  try {
    return effectiveRelocation(parseSxp(text ?? "")).settings;
  } catch (e) {
    return parseProblem(path, e);
  }
}

/**
 * @param desired  what to reach; default: the inputs (delete passes the settings found before create)
 */
export function planRelocation(host: string, i: XendRelocationInputs, f: RelocationFacts, desired?: DesiredRelocation): RelocationPlan {
  const plan: RelocationPlan = {
    errors: [], warnings: [], write: null, actions: [], restart: false, restartReason: null, edit: null, markRestart: false, clearMarker: false,
  };
  if (f.toolstack === "xl") plan.errors.push(xlHostMessage(host));
  if (f.toolstack === "none") plan.errors.push(`${host} has no Xen toolstack (neither xend nor xl was found)`);
  if (plan.errors.length > 0) return plan;
  const current = currentSettings(i.configPath, f.config);
  if (typeof current === "string") {
    plan.errors.push(current);
    return plan;
  }
  desired ??= desiredRelocation(i, current);
  if (desired.hostsAllow === "" && desired.server) {
    plan.warnings.push(
      `the relocation server on ${host}:${i.port} accepts migrations from every host (allowAllHosts): the stream ` +
        `is unencrypted and lets any client start domains here; keep this to an isolated network`,
    );
  }
  const edit = editRelocation(f.config ?? "", desired);
  plan.edit = edit;
  if (edit.changed) {
    plan.write = edit.text;
    plan.actions = edit.actions;
  }
  if (!f.xendRunning) {
    plan.warnings.push(`xend is not running on ${host}: the relocation settings take effect when it starts (service xend start)`);
    plan.clearMarker = f.pending.marked;
    return plan;
  }
  if (edit.effectiveChanged) {
    plan.restart = true;
    plan.restartReason = "the effective relocation settings changed";
  } else if (desired.server && !listensOn(f.listening, desired.port, desired.address)) {
    plan.restart = true;
    plan.restartReason = `xend runs but does not listen on ${desired.address || "*"}:${desired.port} as its file says (started before the file was changed)`;
  } else if (restartLost(f.pending)) {
    plan.restart = true;
    plan.restartReason = `the restart owed since an earlier change of ${i.configPath} never happened: xend (pid ${f.pending.xendPid ?? "unknown"}) still runs the settings it started with`;
  }
  plan.markRestart = plan.restart && plan.write !== null;
  plan.clearMarker = f.pending.marked && !plan.restart;
  return plan;
}

/** Differences between the inputs and the host, in words. */
export function relocationDrift(i: XendRelocationInputs, f: RelocationFacts): string[] {
  if (f.toolstack !== "xm") return [`the host runs ${f.toolstack === "xl" ? "the xl toolstack" : "no Xen toolstack"}`];
  const eff = currentSettings(i.configPath, f.config);
  if (typeof eff === "string") return [eff];
  const want = desiredRelocation(i, eff);
  const drift: string[] = [];
  const cmp = (what: string, have: unknown, wanted: unknown) => {
    if (have !== wanted) drift.push(`${what}: the file gives ${JSON.stringify(have)}, wanted ${JSON.stringify(wanted)}`);
  };
  cmp("xend-relocation-server", eff.server, want.server);
  cmp("xend-relocation-port", eff.port, want.port);
  cmp("xend-relocation-address", eff.address, want.address);
  cmp("xend-relocation-hosts-allow", eff.hostsAllow, want.hostsAllow);
  cmp("xend-relocation-ssl-server", eff.sslServer, want.sslServer);
  if (f.xendRunning && want.server && !listensOn(f.listening, want.port, want.address)) {
    drift.push(`xend is not listening on ${want.address || "*"}:${want.port}`);
  }
  if (f.xendRunning && restartLost(f.pending)) drift.push("xend still runs the settings it started with: the restart owed since the file changed never happened");
  return drift;
}

/** The inputs as the host has them, for read: the engine then shows drift field by field. */
export function inputsFromHost(olds: XendRelocationInputs, s: RelocationSettings): Partial<XendRelocationInputs> {
  const sameHosts = !olds.allowAllHosts && s.hostsAllow === hostsAllowValue(olds.hostsAllow ?? []);
  const hostsAllow: HostsAllowItem[] = sameHosts ? olds.hostsAllow : s.hostsAllow === "" ? [] : s.hostsAllow.split(" ").map((regex) => ({ regex }));
  return {
    enabled: s.server,
    port: s.port,
    address: s.address,
    hostsAllow,
    allowAllHosts: s.hostsAllow === "",
    ...(s.sslServer
      ? { ssl: { port: s.sslPort, keyFile: s.sslKeyFile ?? "", certFile: s.sslCertFile ?? "" } }
      : { ssl: undefined }),
  };
}
