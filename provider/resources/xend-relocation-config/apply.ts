/**
 * Runs XendRelocationConfig's plan on a host, under the host's lock: atomic write with a backup, then a xend
 * restart only when the plan asks for one, verified (xend answers `xm list` and the relocation port listens
 * on the expected address). If xend does not come up, the previous file is put back, xend is started again,
 * and the error carries the tail of xend.log.
 */
import { gatherFacts, type Probe } from "../../host/facts";
import { withHostLock } from "../../host/lock";
import { service } from "../../host/service";
import { writeFileAtomic } from "../../host/write-file";
import type { RemoteHost } from "../../ssh/remote-host";
import type { DesiredRelocation } from "../../formats/sxp-xend-relocation";
import type { ProviderContext } from "../../core/impl";
import { refuseOnPlanErrors } from "../../core/errors";
import {
  listenersProbe, listensOn, pendingRestartProbe, RESTART_MARKER, relocationProbes, type RelocationFacts, XEND_LOG_TAIL_SCRIPT, xendAnswersProbe,
} from "./facts";
import { planRelocation, type RelocationPlan } from "./plan";
import type { XendRelocationInputs } from "./schema";

export const LOCK_NAME = "xend-config";

/** xend did not come up; `restored` says whether the host is back as it was before the change. */
export class XendStartError extends Error {
  constructor(message: string, readonly restored: boolean) {
    super(message);
    this.name = "XendStartError";
  }
}

export async function relocationFacts(h: RemoteHost, i: XendRelocationInputs): Promise<RelocationFacts> {
  return gatherFacts(h, relocationProbes(i.configPath), { timeoutMs: i.timeoutSeconds * 1000 });
}

export interface ApplyResult {
  plan: RelocationPlan;
  facts: RelocationFacts;
  backupPath: string | null;
  restarted: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a xend that answers gets to open its relocation port (it does so as it starts). */
const LISTEN_GRACE_MS = 10_000;
/** How long xend may be seen not running at all (its init script's status) before we stop waiting for it. */
const GONE_GRACE_MS = 5_000;

/** Whether the xend daemon runs at all (`service xend status`), answering or not yet. */
const xendProcessProbe: Probe<boolean> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
if command -v service >/dev/null 2>&1; then service xend status >/dev/null 2>&1; else /etc/init.d/xend status >/dev/null 2>&1; fi`,
  parse: (o) => o.code === 0,
};

/**
 * Waits until xend answers (up to timeoutMs; less when the daemon is seen gone for GONE_GRACE_MS) and then, when
 * the server is on, until it listens as configured (up to LISTEN_GRACE_MS more). Returns what was missing (null
 * when nothing), and the pid of the xend seen last, read in the same round trip.
 */
async function waitForXend(h: RemoteHost, want: DesiredRelocation, timeoutMs: number): Promise<{ missing: string | null; pid: string | null }> {
  let end = Date.now() + timeoutMs;
  let answered = false;
  let goneSince: number | null = null;
  for (;;) {
    const f = await gatherFacts(
      h, { answers: xendAnswersProbe, running: xendProcessProbe, listening: listenersProbe, pending: pendingRestartProbe }, { timeoutMs: 30_000 },
    );
    const seen = (missing: string | null) => ({ missing, pid: f.pending.xendPid });
    let missing: string;
    if (!f.answers) {
      missing = "xend does not answer `xm list`";
      if (f.running) goneSince = null;
      else {
        goneSince ??= Date.now();
        missing += " (the xend daemon is not running: it exited)";
        if (Date.now() - goneSince >= GONE_GRACE_MS) return seen(missing);
      }
    } else if (want.server && !listensOn(f.listening, want.port, want.address)) {
      if (!answered) end = Math.min(end, Date.now() + LISTEN_GRACE_MS);
      answered = true;
      missing = `xend answers but does not listen on ${want.address || "*"}:${want.port} (listening: ${f.listening.join(", ") || "nothing"})`;
    } else return seen(null);
    if (Date.now() >= end) return seen(missing);
    await sleep(500);
  }
}

/** The marker goes in place atomically (a rename), so it is either absent or complete. */
const MARK_SCRIPT = `umask 022; mkdir -p "$(dirname "$3")" && printf 'xend-pid=%s\\nconfig=%s\\n' "$1" "$2" > "$3.tmp" && mv -f "$3.tmp" "$3"`;

async function markRestartPending(h: RemoteHost, xendPid: string | null, configPath: string, timeoutMs: number): Promise<void> {
  const r = await h.script(MARK_SCRIPT, [xendPid ?? "", configPath, RESTART_MARKER], { timeoutMs });
  if (r.code !== 0) throw new Error(`could not record the pending xend restart in ${RESTART_MARKER}: ${r.stderr.trim()}; nothing was changed`);
}

async function clearRestartMarker(h: RemoteHost, timeoutMs: number): Promise<void> {
  await h.run(["rm", "-f", "--", RESTART_MARKER], { timeoutMs });
}

async function xendLogTail(h: RemoteHost): Promise<string> {
  try {
    const r = await h.script(XEND_LOG_TAIL_SCRIPT, [], { timeoutMs: 15_000 });
    return r.stdout.trimEnd();
  } catch (e) {
    return `(could not read xend.log: ${(e as Error).message})`;
  }
}

/**
 * Converges the host to `desired` (default: the inputs). Throws with the plan's reasons before touching
 * anything when it cannot proceed.
 */
export async function applyRelocation(
  h: RemoteHost,
  i: XendRelocationInputs,
  ctx: ProviderContext,
  desired?: DesiredRelocation,
): Promise<ApplyResult> {
  const timeoutMs = i.timeoutSeconds * 1000;
  return withHostLock(h, LOCK_NAME, async () => {
    const facts = await relocationFacts(h, i);
    const plan = planRelocation(i.connection.host, i, facts, desired);
    refuseOnPlanErrors(plan, { outcome: "nothing was changed" });
    for (const w of plan.warnings) ctx.log.warn(w);
    let backupPath: string | null = null;
    if (plan.write !== null) {
      for (const a of plan.actions) ctx.log.info(`${i.configPath} ${a}`);
      // first the debt, then the file: a run cut off between the write and the restart leaves the marker, and
      // the next run restarts xend although the file already looks converged
      if (plan.markRestart) await markRestartPending(h, facts.pending.xendPid, i.configPath, timeoutMs);
      backupPath = (await writeFileAtomic(h, i.configPath, plan.write, { timeoutMs })).backupPath;
    }
    if (!plan.restart || !plan.edit) {
      if (plan.clearMarker) await clearRestartMarker(h, timeoutMs);
      return { plan, facts, backupPath, restarted: false };
    }

    ctx.log.info(`restarting xend: ${plan.restartReason}`);
    const xend = service(h, "xend");
    const target: DesiredRelocation = {
      server: plan.edit.after.server,
      port: plan.edit.after.port,
      address: plan.edit.after.address,
      hostsAllow: plan.edit.after.hostsAllow,
      sslServer: plan.edit.after.sslServer,
    };
    let restartError = "";
    try {
      await xend.restart();
    } catch (e) {
      restartError = `service xend restart failed: ${(e as Error).message}; `;
    }
    const { missing, pid: now } = await waitForXend(h, target, Math.min(timeoutMs, 60_000));
    if (missing === null) {
      // a restart that failed while the old xend kept answering is no restart: the same pid runs the old settings
      if (now !== null && now === facts.pending.xendPid) {
        throw new XendStartError(
          `xend was not restarted on ${i.connection.host}: ${restartError}the same xend (pid ${now}) still runs the settings it started with. ` +
            `${i.configPath} holds the new settings${plan.write !== null && backupPath ? ` (the previous file is ${backupPath})` : ""}; ` +
            (plan.markRestart || facts.pending.marked
              ? `the restart is recorded in ${RESTART_MARKER}, and the next run restarts xend`
              : "the next run tries the restart again"),
          false,
        );
      }
      await clearRestartMarker(h, timeoutMs);
      return { plan, facts, backupPath, restarted: true };
    }

    // Roll back: the previous file, then xend started again with it.
    const log = await xendLogTail(h);
    let rollback: string;
    let restored = false;
    try {
      if (plan.write !== null) {
        if (facts.config === null) await h.run(["rm", "-f", "--", i.configPath], { timeoutMs });
        else await writeFileAtomic(h, i.configPath, facts.config, { timeoutMs });
      }
      try {
        await xend.restart();
      } catch {
        // waitForXend below says whether it came back
      }
      const back = (await waitForXend(h, { ...target, server: false }, Math.min(timeoutMs, 60_000))).missing;
      restored = back === null;
      // the host is as it was: xend runs the previous file, and owes nothing
      if (restored) await clearRestartMarker(h, timeoutMs);
      rollback = back === null
        ? `the previous ${i.configPath} was restored and xend runs again with it`
        : `the previous ${i.configPath} was restored, but xend still does not come up (${back}): start it by hand`;
    } catch (e) {
      rollback = `restoring the previous ${i.configPath} FAILED (${(e as Error).message}); the backup is ${backupPath ?? "missing"}`;
    }
    throw new XendStartError(
      `xend did not come up with the new relocation settings on ${i.connection.host}: ${restartError}${missing}. ` +
        `${rollback}. Last lines of /var/log/xen/xend.log:\n${log}`,
      restored,
    );
  }, { notice: ctx.log.warn });
}
