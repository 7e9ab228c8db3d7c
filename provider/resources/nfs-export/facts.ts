/**
 * What NfsExport needs to know about the NFS server, gathered in ONE round trip: /etc/exports, the directory,
 * the NFS server service and the live export table (`exportfs -v`). Scripts are constants; user values are
 * positional arguments. Parsers are pure.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { fileProbe } from "../../host/file-probe";
import { serviceProbe, type ServiceFact } from "../../host/service";
import { parseExportfsVerbose, type LiveExport } from "../../formats/exports-exportfs";

export const EXPORTS_PATH = "/etc/exports";

/** Service names of the NFS server, tried in this order when none is given. */
export const NFS_SERVICE_CANDIDATES = ["nfs-server", "nfs-kernel-server", "nfs"];

export interface DirectoryFact {
  kind: "directory" | "other" | "missing";
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  /** Permission bits, e.g. 0o755. */
  mode?: number;
}

export function parseDirectory(o: ProbeOutput): DirectoryFact {
  const [kind, attrs = ""] = o.stdout.split("\n");
  if (kind === "missing" || kind === "other") return { kind };
  if (kind !== "directory") throw new Error(`unexpected output ${JSON.stringify(o.stdout.slice(0, 100))}`);
  const m = /^(\S+) (\S+) (\d+) (\d+) ([0-7]+)$/.exec(attrs.trim());
  if (!m) throw new Error(`unexpected stat output ${JSON.stringify(attrs)}`);
  return { kind, owner: m[1], group: m[2], uid: Number(m[3]), gid: Number(m[4]), mode: parseInt(m[5], 8) };
}

export const directoryProbe = (path: string): Probe<DirectoryFact> => ({
  script: `if [ -d "$1" ]; then echo directory; stat -c '%U %G %u %g %a' -- "$1"
elif [ -e "$1" ] || [ -L "$1" ]; then echo other; else echo missing; fi`,
  args: [path],
  parse: parseDirectory,
});

export interface LiveFact {
  /** The export table, or null when exportfs could not be run. */
  exports: LiveExport[] | null;
  /** Why exportfs could not be run. */
  error: string | null;
}

export function parseLive(o: ProbeOutput): LiveFact {
  if (o.code === 127) return { exports: null, error: "exportfs is not installed (no NFS server tools)" };
  if (o.code !== 0) return { exports: null, error: `exportfs -v failed (exit ${o.code}): ${o.stderr.trim()}` };
  return { exports: parseExportfsVerbose(o.stdout), error: null };
}

export const liveProbe: Probe<LiveFact> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
command -v exportfs >/dev/null 2>&1 || exit 127
exec exportfs -v`,
  parse: parseLive,
};

export interface ExportFacts {
  exports: string | null;
  directory: DirectoryFact;
  service: ServiceFact;
  live: LiveFact;
}

export function exportProbes(path: string, serviceName: string | undefined) {
  return {
    exports: fileProbe(EXPORTS_PATH),
    directory: directoryProbe(path),
    service: serviceProbe(serviceName ? [serviceName] : NFS_SERVICE_CANDIDATES),
    live: liveProbe,
  };
}
