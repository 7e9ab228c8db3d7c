/**
 * What NfsExport needs to know about the NFS server, gathered in ONE round trip: /etc/exports, the directory,
 * the NFS server service and the live export table (`exportfs -v`). Scripts are constants; user values are
 * positional arguments. Parsers are pure.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { parseSysvLinks, sysvState, systemdState } from "../../host/service";
import { parseExportfsVerbose, type LiveExport } from "../../formats/exports-exportfs";

export const EXPORTS_PATH = "/etc/exports";

/** Service names of the NFS server, tried in this order when none is given. */
export const NFS_SERVICE_CANDIDATES = ["nfs-server", "nfs-kernel-server", "nfs"];

const ABSENT = 3;

/** A file's content, or null when it does not exist (exit 3); anything else is an error. */
export function fileProbe(path: string): Probe<string | null> {
  return {
    script: `[ -e "$1" ] || exit ${ABSENT}; exec cat -- "$1"`,
    args: [path],
    parse: (o: ProbeOutput) => {
      if (o.code === ABSENT) return null;
      if (o.code !== 0) throw new Error(`cannot read ${path}: ${o.stderr.trim() || `exit code ${o.code}`}`);
      return o.stdout;
    },
  };
}

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

export interface ServiceFact {
  init: "systemd" | "sysv";
  /** The service found, or null when none of the candidates exists. */
  name: string | null;
  running: boolean;
  enabledAtBoot: boolean;
}

const SERVICE_SCRIPT = `PATH=$PATH:/sbin:/usr/sbin
if [ -d /run/systemd/system ]; then init=systemd; else init=sysv; fi
printf 'init %s\\n' "$init"
for n in "$@"; do
  if [ "$init" = systemd ]; then
    case "$(systemctl show -p LoadState "$n.service" 2>/dev/null)" in *=loaded) ;; *) continue ;; esac
    printf 'name %s\\n' "$n"
    printf 'active %s\\n' "$(systemctl is-active "$n" 2>/dev/null)"
    printf 'enabled %s\\n' "$(systemctl is-enabled "$n" 2>/dev/null)"
  else
    [ -x "/etc/init.d/$n" ] || continue
    printf 'name %s\\n' "$n"
    if command -v service >/dev/null 2>&1; then service "$n" status >/dev/null 2>&1; else "/etc/init.d/$n" status >/dev/null 2>&1; fi
    printf 'status %s\\n' "$?"
    for f in /etc/rc[0-6S].d/[SK][0-9][0-9]"$n" /etc/rc.d/rc[0-6].d/[SK][0-9][0-9]"$n"; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf 'link %s\\n' "$f"; fi
    done
  fi
  exit 0
done`;

export function parseService(o: ProbeOutput): ServiceFact {
  const lines = o.stdout.split("\n");
  const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
  const init = value("init") === "systemd" ? "systemd" : "sysv";
  const name = value("name") ?? null;
  if (name === null) return { init, name, running: false, enabledAtBoot: false };
  if (init === "systemd") {
    const enabled = value("enabled") ?? "";
    return {
      init,
      name,
      running: systemdState(value("active") ?? "") === "running",
      // Debian's nfs-kernel-server is an alias of nfs-server: is-enabled says "alias" for it.
      enabledAtBoot: enabled === "enabled" || enabled === "alias",
    };
  }
  const links = lines.filter((l) => l.startsWith("link ")).map((l) => l.slice(5)).join("\n");
  return { init, name, running: sysvState(Number(value("status") ?? "4")) === "running", enabledAtBoot: parseSysvLinks(links, name) };
}

export const serviceProbe = (candidates: readonly string[]): Probe<ServiceFact> => ({
  script: SERVICE_SCRIPT,
  args: [...candidates],
  parse: parseService,
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
