/**
 * NfsExport's plan: a PURE function of the desired inputs and the facts, returning the steps that converge the
 * server (empty when it already matches: a second apply writes nothing and runs nothing), or the reasons it
 * cannot. Also the drift report that read returns.
 */
import {
  findExports,
  parseExports,
  removeExport,
  renderExportEntry,
  renderExports,
  setExport,
  effectiveOptions,
  exportEntryEquals,
  type ExportEntry,
} from "../../formats/exports";
import type { LiveExport } from "../../formats/exports-exportfs";
import type { ExportFacts } from "./facts";
import type { NfsExportInputs } from "./schema";

export type ExportStep =
  | { kind: "createDirectory"; path: string; owner?: string; group?: string; mode?: number }
  | { kind: "setDirectoryAttributes"; path: string; owner?: string; group?: string; mode?: number }
  | { kind: "writeExports"; content: string; duplicates: number[] }
  | { kind: "enableService"; name: string }
  | { kind: "startService"; name: string }
  /** `exportfs -ra`, then confirm with `exportfs -v` that every client is live. */
  | { kind: "reexport" };

export interface ExportPlan {
  steps: ExportStep[];
  /** Reasons the desired state cannot be reached; when non-empty nothing must be done. */
  errors: string[];
}

export function desiredEntry(i: Pick<NfsExportInputs, "path" | "clients">): ExportEntry {
  return { path: i.path, defaultOptions: null, clients: i.clients.map((c) => ({ host: c.host, options: [...c.options] })) };
}

/** exportfs prints `*` (and an options-only client) as `<world>`. */
export function liveClientName(host: string): string {
  return host === "*" || host === "" ? "<world>" : host;
}

/** Clients of `path` that the live export table lacks. */
export function missingLiveClients(i: Pick<NfsExportInputs, "path" | "clients">, live: readonly LiveExport[]): string[] {
  return i.clients
    .filter((c) => !live.some((l) => l.path === i.path && l.client === liveClientName(c.host)))
    .map((c) => c.host);
}

function directoryAttributes(i: NfsExportInputs, d: ExportFacts["directory"]): { owner?: string; group?: string; mode?: number } {
  const wantMode = i.mode === undefined ? undefined : parseInt(i.mode, 8);
  const out: { owner?: string; group?: string; mode?: number } = {};
  if (i.owner !== undefined && i.owner !== d.owner && i.owner !== String(d.uid)) out.owner = i.owner;
  if (i.group !== undefined && i.group !== d.group && i.group !== String(d.gid)) out.group = i.group;
  if (wantMode !== undefined && wantMode !== d.mode) out.mode = wantMode;
  return out;
}

export function planExport(i: NfsExportInputs, f: ExportFacts): ExportPlan {
  const steps: ExportStep[] = [];
  const errors: string[] = [];
  if (f.directory.kind === "other") errors.push(`${i.path} exists on the server and is not a directory`);
  if (f.directory.kind === "missing") {
    if (!i.createDirectory) errors.push(`${i.path} does not exist on the server (createDirectory is false)`);
    else {
      steps.push({
        kind: "createDirectory",
        path: i.path,
        owner: i.owner,
        group: i.group,
        mode: i.mode === undefined ? undefined : parseInt(i.mode, 8),
      });
    }
  }
  if (f.directory.kind === "directory") {
    const attrs = directoryAttributes(i, f.directory);
    if (Object.keys(attrs).length > 0) steps.push({ kind: "setDirectoryAttributes", path: i.path, ...attrs });
  }
  if ((i.serviceEnabled || i.serviceRunning) && f.service.name === null) {
    errors.push(
      `no NFS server service found (looked for ${i.serviceName ?? "nfs-server, nfs-kernel-server, nfs"} on ` +
        `${f.service.init}); install the NFS server (nfs-utils or nfs-kernel-server) or set serviceName`,
    );
  }
  if (f.live.exports === null) errors.push(f.live.error ?? "exportfs is not available");
  if (errors.length > 0) return { steps: [], errors };

  const text = f.exports ?? "";
  const edit = setExport(parseExports(text), desiredEntry(i));
  const content = renderExports(edit.file);
  if (edit.changed || f.exports === null) steps.push({ kind: "writeExports", content, duplicates: edit.duplicates });
  const name = f.service.name;
  if (name !== null && i.serviceEnabled && !f.service.enabledAtBoot) steps.push({ kind: "enableService", name });
  if (name !== null && i.serviceRunning && !f.service.running) steps.push({ kind: "startService", name });
  const liveMissing = missingLiveClients(i, f.live.exports ?? []);
  if (steps.some((s) => s.kind === "writeExports" || s.kind === "startService") || liveMissing.length > 0) {
    steps.push({ kind: "reexport" });
  }
  return { steps, errors };
}

/** Removing the export: the entry goes, the server re-exports; the directory and the service stay. */
export function planExportDelete(path: string, f: Pick<ExportFacts, "exports" | "live">): ExportStep[] {
  const steps: ExportStep[] = [];
  if (f.exports !== null) {
    const edit = removeExport(parseExports(f.exports), path);
    if (edit.changed) steps.push({ kind: "writeExports", content: renderExports(edit.file), duplicates: edit.duplicates });
  }
  const stillLive = (f.live.exports ?? []).some((l) => l.path === path);
  if (steps.length > 0 || stillLive) steps.push({ kind: "reexport" });
  return steps;
}

/** The export as the server really has it, in the inputs' shape (for read), plus the differences in words. */
export function observeExport(
  i: NfsExportInputs,
  f: ExportFacts,
): { clients: NfsExportInputs["clients"]; entry: string | null; drift: string[] } {
  const file = parseExports(f.exports ?? "");
  const found = findExports(file, i.path);
  const drift: string[] = [];
  const first = found[0]?.entry;
  const clients = first ? first.clients.map((c) => ({ host: c.host, options: effectiveOptions(first, c) })) : [];
  if (!first) drift.push(`/etc/exports has no entry for ${i.path}`);
  if (found.length > 1) drift.push(`/etc/exports has ${found.length} entries for ${i.path}`);
  if (first && !exportEntryEquals(first, desiredEntry(i))) {
    drift.push(`/etc/exports says ${renderExportEntry(first)}`);
  }
  if (f.live.exports !== null) {
    const missing = missingLiveClients(i, f.live.exports);
    if (missing.length > 0) drift.push(`not exported live to ${missing.join(", ")} (exportfs -v)`);
  }
  if (f.directory.kind !== "directory") drift.push(`${i.path} is ${f.directory.kind === "missing" ? "missing" : "not a directory"}`);
  else if (Object.keys(directoryAttributes(i, f.directory)).length > 0) drift.push(`${i.path} has other owner, group or mode`);
  if (f.service.name !== null) {
    if (i.serviceRunning && !f.service.running) drift.push(`service ${f.service.name} is not running`);
    if (i.serviceEnabled && !f.service.enabledAtBoot) drift.push(`service ${f.service.name} is not enabled at boot`);
  }
  return { clients, entry: first ? file.lines[found[0].index].raw : null, drift };
}
