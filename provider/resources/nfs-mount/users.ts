/**
 * Who uses a mount point: processes with a file, folder, program or mapping under it (a /proc scan of this
 * host's mount namespace, no fuser/lsof needed, and no stat of the possibly dead mount itself), and Xen
 * domains whose disks are under it (`xm list -l` or `xl list -l`). Gathered before an unmount or a carry,
 * which are refused while anything is listed.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { parseXlListLong } from "../../formats/xl-list-long";
import { parseXmListLong } from "../../formats/xm-list-long";
import { LIMIT_FN } from "./facts";

/**
 * find's -lname matches the link text without following it, so a dead mount is never touched. Processes of
 * other mount namespaces (other containers, or other lab hosts) are skipped: their paths mean other things.
 */
const PROCESSES_SCRIPT = `mp=$1
self=$(readlink /proc/self/ns/mnt 2>/dev/null)
{
  find /proc/[0-9]*/fd /proc/[0-9]*/cwd /proc/[0-9]*/exe /proc/[0-9]*/root -maxdepth 1 \\( -lname "$mp" -o -lname "$mp/*" \\) -printf '%p %l\\n'
  awk -v mp="$mp" '$6 == mp || index($6, mp "/") == 1 { print FILENAME " " $6 }' /proc/[0-9]*/maps
} 2>/dev/null | while read -r p target; do
  pid=\${p#/proc/}; pid=\${pid%%/*}
  if [ -n "$self" ]; then [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$self" ] || continue; fi
  name=$(sed -n 's/^Name:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
  printf '%s %s %s\\n' "$pid" "$name" "$target"
done | sort -u -k1,1n -k3
exit 0`;

export interface ProcessUser {
  pid: number;
  name: string;
  /** The file under the mount point it holds (first one found). */
  path: string;
}

export function parseProcessUsers(o: ProbeOutput, ownPids: readonly number[] = []): ProcessUser[] {
  const seen = new Set<number>();
  const out: ProcessUser[] = [];
  for (const line of o.stdout.split("\n")) {
    const m = /^(\d+) (\S*) (.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    if (seen.has(pid) || ownPids.includes(pid)) continue;
    seen.add(pid);
    out.push({ pid, name: m[2], path: m[3] });
  }
  return out;
}

export interface DomainUser {
  domain: string;
  /** Disk paths of the domain under the mount point. */
  disks: string[];
}

export interface DomainUsers {
  toolstack: "xm" | "xl" | "none";
  domains: DomainUser[];
  /** Set when the toolstack is installed but could not list domains: then nobody can say it is idle. */
  error: string | null;
}

const DOMAINS_SCRIPT = `${LIMIT_FN}
PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin
if command -v xm >/dev/null 2>&1; then ts=xm; elif command -v xl >/dev/null 2>&1; then ts=xl; else echo "toolstack none"; exit 0; fi
echo "toolstack $ts"
limit "$1" "$ts" list -l`;

export function parseDomainUsers(o: ProbeOutput, mountPoint: string): DomainUsers {
  const nl = o.stdout.indexOf("\n");
  const first = nl < 0 ? o.stdout : o.stdout.slice(0, nl);
  const body = nl < 0 ? "" : o.stdout.slice(nl + 1);
  const toolstack = first === "toolstack xm" ? "xm" : first === "toolstack xl" ? "xl" : first === "toolstack none" ? "none" : null;
  if (toolstack === null) throw new Error(`unexpected output ${JSON.stringify(o.stdout.slice(0, 100))}`);
  if (toolstack === "none") return { toolstack, domains: [], error: null };
  if (o.code !== 0) {
    const why = o.code === 124 ? "no answer in time" : body.trim().split("\n").slice(-3).join(" ") || `exit ${o.code}`;
    return { toolstack, domains: [], error: `${toolstack} list -l failed: ${why}` };
  }
  let details;
  try {
    details = toolstack === "xm" ? parseXmListLong(body) : parseXlListLong(body);
  } catch (e) {
    return { toolstack, domains: [], error: `cannot read ${toolstack} list -l: ${(e as Error).message}` };
  }
  const under = (p: string | null) => p !== null && (p === mountPoint || p.startsWith(`${mountPoint}/`));
  const domains = details
    .filter((d) => d.domid !== 0 && d.name !== "Domain-0")
    .map((d) => ({ domain: d.name, disks: d.disks.map((k) => k.path).filter(under) as string[] }))
    .filter((d) => d.disks.length > 0);
  return { toolstack, domains, error: null };
}

export interface MountUsers {
  processes: ProcessUser[];
  domains: DomainUsers;
}

export function usersProbes(mountPoint: string, timeoutSeconds: number) {
  return {
    processes: { script: PROCESSES_SCRIPT, args: [mountPoint], parse: (o: ProbeOutput) => parseProcessUsers(o) } as Probe<ProcessUser[]>,
    domains: {
      script: DOMAINS_SCRIPT,
      args: [String(timeoutSeconds)],
      parse: (o: ProbeOutput) => parseDomainUsers(o, mountPoint),
    } as Probe<DomainUsers>,
  };
}

/** Why the mount point must not be unmounted or carried, or null when nobody uses it. */
export function describeUsers(mountPoint: string, u: MountUsers): string | null {
  const parts: string[] = [];
  for (const d of u.domains.domains) parts.push(`domain ${d.domain} (disk ${d.disks.join(", ")})`);
  for (const p of u.processes.slice(0, 10)) parts.push(`process ${p.pid} (${p.name}) using ${p.path}`);
  if (u.processes.length > 10) parts.push(`and ${u.processes.length - 10} more processes`);
  if (u.domains.error !== null) parts.push(`cannot tell which domains use it: ${u.domains.error}`);
  return parts.length === 0 ? null : `${mountPoint} is in use: ${parts.join("; ")}`;
}
