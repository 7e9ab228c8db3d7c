/**
 * Runs NfsExport's steps on the NFS server, under the host's lock. Every step has a time limit. `exportfs -ra`
 * exits 0 after some errors (nfs-utils 1.0.x always does), so its stderr is read as well, and the result is
 * confirmed in the live table (`exportfs -v`).
 */
import type { ProviderContext } from "../../core";
import { withTimeout } from "../../core";
import { classifyExportfsStderr } from "../../formats/exports-exportfs";
import { exportLineNumbers, parseExports } from "../../formats/exports";
import { gatherFacts } from "../../host/facts";
import { service } from "../../host/service";
import { writeFileAtomic } from "../../host/write-file";
import { ExecError, type RemoteHost } from "../../ssh/remote-host";
import { EXPORTS_PATH, exportProbes, liveProbe, type ExportFacts } from "./facts";
import { missingLiveClients, type ExportStep } from "./plan";
import type { NfsExportInputs } from "./schema";

export const EXPORT_LOCK = "nfs-export";

export function gatherExportFacts(h: RemoteHost, i: Pick<NfsExportInputs, "path" | "serviceName" | "timeoutSeconds">): Promise<ExportFacts> {
  return gatherFacts(h, exportProbes(i.path, i.serviceName), { timeoutMs: i.timeoutSeconds * 1000 });
}

const MKDIR = `mkdir -p -- "$1" || exit 1
if [ -n "$2" ]; then chown -- "$2" "$1" || exit 1; fi
if [ -n "$3" ]; then chmod -- "$3" "$1" || exit 1; fi`;

const REEXPORT = `PATH=$PATH:/sbin:/usr/sbin
exec exportfs -ra`;

function ownerSpec(owner?: string, group?: string): string {
  if (owner === undefined && group === undefined) return "";
  return `${owner ?? ""}${group === undefined ? "" : `:${group}`}`;
}

export interface ExportApplyResult {
  backupPath: string | null;
  /** exportfs warnings and problems of other exports, for the log. */
  warnings: string[];
}

/**
 * `exportfs -ra`, then the live table must list every client of `path` (or, when removing, none of `path`).
 * Errors about our path (or the whole run) fail the step even when exportfs exited 0.
 */
async function reexport(h: RemoteHost, i: NfsExportInputs, removing: boolean, fileText: string | null, ctx: ProviderContext): Promise<string[]> {
  const limit = i.timeoutSeconds * 1000;
  const argv = ["sh", "-c", REEXPORT];
  const r = await h.exec(argv, { timeoutMs: limit });
  const lines = fileText === null ? [] : exportLineNumbers(parseExports(fileText), i.path);
  const msgs = classifyExportfsStderr(r.stderr, i.path, lines);
  for (const w of msgs.warnings) ctx.log.warn(w);
  if (msgs.errors.length > 0) {
    throw new Error(`exportfs -ra on ${h.label} (exit ${r.code}) reported: ${msgs.errors.join(" | ")}`);
  }
  if (r.code !== 0 && msgs.warnings.length === 0) throw new ExecError(h.label, argv, r);
  const live = (await gatherFacts(h, { live: liveProbe }, { timeoutMs: limit })).live;
  if (live.exports === null) throw new Error(`after exportfs -ra on ${h.label}: ${live.error}`);
  if (removing) {
    const still = live.exports.filter((l) => l.path === i.path).map((l) => l.client);
    if (still.length > 0) throw new Error(`after exportfs -ra, ${i.path} is still exported to ${still.join(", ")}`);
  } else {
    const missing = missingLiveClients(i, live.exports);
    if (missing.length > 0) {
      throw new Error(
        `after exportfs -ra, ${i.path} is not exported to ${missing.join(", ")} (exportfs -v); ` +
          `exportfs said: ${r.stderr.trim() || "nothing"}`,
      );
    }
  }
  return msgs.warnings;
}

/** Runs the steps in order. Throws on the first failure, with the step named. */
export async function applyExportSteps(
  h: RemoteHost,
  i: NfsExportInputs,
  steps: readonly ExportStep[],
  ctx: ProviderContext,
  opts: { removing?: boolean; exportsText?: string | null } = {},
): Promise<ExportApplyResult> {
  const limit = i.timeoutSeconds * 1000;
  let backupPath: string | null = null;
  let written: string | null = opts.exportsText ?? null;
  const warnings: string[] = [];
  for (const step of steps) {
    const what = describeStep(step);
    ctx.log.info(what);
    await withTimeout(`${what} on ${h.label}`, limit + 5_000, async () => {
      switch (step.kind) {
        case "createDirectory":
        case "setDirectoryAttributes": {
          const mode = step.mode === undefined ? "" : step.mode.toString(8).padStart(4, "0");
          await h.run(["sh", "-c", MKDIR, "sh", step.path, ownerSpec(step.owner, step.group), mode], { timeoutMs: limit });
          break;
        }
        case "writeExports": {
          const r = await writeFileAtomic(h, EXPORTS_PATH, step.content, { timeoutMs: limit });
          backupPath = r.backupPath ?? backupPath;
          written = step.content;
          if (step.duplicates.length > 0) {
            ctx.log.warn(`disabled duplicate entries for ${i.path} in ${EXPORTS_PATH} (lines ${step.duplicates.join(", ")})`);
          }
          break;
        }
        case "enableService":
          await service(h, step.name).enable();
          break;
        case "startService":
          await service(h, step.name).start();
          break;
        case "reexport":
          warnings.push(...(await reexport(h, i, opts.removing ?? false, written, ctx)));
          break;
      }
    });
  }
  return { backupPath, warnings };
}

export function describeStep(s: ExportStep): string {
  switch (s.kind) {
    case "createDirectory":
      return `creating ${s.path}`;
    case "setDirectoryAttributes":
      return `setting owner/group/mode of ${s.path}`;
    case "writeExports":
      return `writing ${EXPORTS_PATH}`;
    case "enableService":
      return `enabling ${s.name} at boot`;
    case "startService":
      return `starting ${s.name}`;
    case "reexport":
      return "exportfs -ra";
  }
}
