/**
 * LiveMigration's probes: constant scripts (user values only as positional arguments) with pure parsers, run
 * through gatherFacts so that each host costs one round trip per phase. Locate asks one question per host; the
 * preflight asks the source twice (its domain's devices first, then those devices' files) and the target once.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { findDomain, parseDomainList } from "../../formats/xm-list";
import { parseXenInfo, type XenInfo } from "../../formats/xm-info";
import { parseXmListLong, type DomainDetails } from "../../formats/xm-list-long";
import { parseXlListLong } from "../../formats/xl-list-long";
import { mountContaining, parseMountInfo, type MountInfo } from "../../formats/mountinfo";
import type { BridgeFact, DiskFact, HostLocation, RelocationProbe, Sighting, SshProbe } from "./plan";
import type { Toolstack } from "./schema";
import { FORCED_COMMAND_REFUSAL } from "../xl-migration-trust/refusal";

/** xm lives in /usr/sbin, which a non-login SSH command's PATH lacks on RHEL 5. */
const PATH_LINE = "PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin; export PATH";

/** Absent file, path or device: distinct from any toolstack's exit code. */
const ABSENT = 44;

const firstLine = (o: ProbeOutput): string => (o.stderr.trim() || o.stdout.trim()).split("\n").slice(-3).join(" ").trim();

// ---------------------------------------------------------------------------------------------------------
// Locate

/**
 * Lists the host's domains with the requested toolstack. `detect` takes xm when xend answers (xm list works),
 * else xl, else reports xm's own error. The first stdout line says which toolstack answered.
 */
export const LOCATE_SCRIPT = `${PATH_LINE}
have() { command -v "$1" >/dev/null 2>&1; }
case $1 in
  xm|xl)
    have "$1" || { echo "toolstack=none"; echo "$1: command not found" >&2; exit 127; }
    echo "toolstack=$1"; exec "$1" list ;;
esac
if have xm && out=$(xm list 2>/dev/null); then echo toolstack=xm; printf '%s\\n' "$out"; exit 0; fi
if have xl; then echo toolstack=xl; exec xl list; fi
if have xm; then echo toolstack=xm; exec xm list; fi
echo toolstack=none; echo "neither xm nor xl is installed" >&2; exit 127
`;

export interface ListingFact {
  toolstack: Toolstack | null;
  ok: boolean;
  error?: string;
  sightings: Sighting[];
}

export function parseListing(domain: string, o: ProbeOutput): ListingFact {
  const [head, ...rest] = o.stdout.split("\n");
  const m = /^toolstack=(xm|xl|none)$/.exec(head.trim());
  const toolstack = m && m[1] !== "none" ? (m[1] as Toolstack) : null;
  if (o.code !== 0) {
    return { toolstack, ok: false, error: `${toolstack ?? "toolstack"} list failed (exit ${o.code}): ${firstLine(o) || "no message"}`, sightings: [] };
  }
  try {
    const rows = parseDomainList(rest.join("\n"));
    const sightings = findDomain(rows, domain).map(({ listedAs, row }) => ({
      listedAs,
      id: row.id,
      state: row.state,
      paused: row.flags.paused,
      down: row.flags.shutdown || row.flags.crashed || row.flags.dying,
      memMiB: row.memMiB,
    }));
    return { toolstack, ok: true, sightings };
  } catch (e) {
    return { toolstack, ok: false, error: `cannot read ${toolstack} list: ${(e as Error).message}`, sightings: [] };
  }
}

export function locateProbe(domain: string, toolstack: Toolstack | "detect"): Record<"list", Probe<ListingFact>> {
  return { list: { script: LOCATE_SCRIPT, args: [toolstack], parse: (o) => parseListing(domain, o) } };
}

export function locationFrom(host: string, fact: ListingFact): HostLocation {
  return fact.ok
    ? { host, status: "ok", toolstack: fact.toolstack, sightings: fact.sightings }
    : { host, status: "toolstack-down", error: fact.error, toolstack: fact.toolstack, sightings: [] };
}

// ---------------------------------------------------------------------------------------------------------
// Preflight probes

const TOOLSTACK_CMD = `${PATH_LINE}
ts=$1; shift
exec "$ts" "$@"`;

export function infoProbe(ts: Toolstack): Probe<{ info: XenInfo | null; error?: string }> {
  return {
    script: TOOLSTACK_CMD,
    args: [ts, "info"],
    parse: (o) => {
      if (o.code !== 0) return { info: null, error: `${ts} info failed (exit ${o.code}): ${firstLine(o) || "no message"}` };
      try {
        return { info: parseXenInfo(o.stdout) };
      } catch (e) {
        return { info: null, error: (e as Error).message };
      }
    },
  };
}

export function detailsProbe(ts: Toolstack, domain: string): Probe<{ details: DomainDetails | null; error?: string }> {
  return {
    script: TOOLSTACK_CMD,
    args: [ts, "list", "-l", domain],
    parse: (o) => {
      if (o.code !== 0) return { details: null, error: `${ts} list -l ${domain} failed (exit ${o.code}): ${firstLine(o)}` };
      try {
        const all = ts === "xm" ? parseXmListLong(o.stdout) : parseXlListLong(o.stdout);
        const d = all.find((x) => x.name === domain) ?? null;
        return d ? { details: d } : { details: null, error: `${ts} list -l did not describe ${domain}` };
      } catch (e) {
        return { details: null, error: (e as Error).message };
      }
    },
  };
}

export const CONFIG_SCRIPT = `[ -f "$1" ] || exit ${ABSENT}
exec cat -- "$1"`;

export function configProbe(path: string): Probe<{ path: string; content: string | null }> {
  return {
    script: CONFIG_SCRIPT,
    args: [path],
    parse: (o) => {
      if (o.code === ABSENT) return { path, content: null };
      if (o.code !== 0) throw new Error(`cannot read ${path}: ${firstLine(o)}`);
      return { path, content: o.stdout };
    },
  };
}

export const MOUNTS_PROBE: Probe<MountInfo[]> = {
  script: "exec cat /proc/self/mountinfo",
  parse: (o) => {
    if (o.code !== 0) throw new Error(`cannot read /proc/self/mountinfo: ${firstLine(o)}`);
    return parseMountInfo(o.stdout);
  },
};

/** Resolves symlinks, then prints the real path and `type|size|inode`. */
export const STAT_SCRIPT = `p=$(readlink -f -- "$1" 2>/dev/null) || p=$1
[ -n "$p" ] && [ -e "$p" ] || exit ${ABSENT}
printf '%s\\n' "$p"
exec stat -L -c '%F|%s|%i' -- "$p"`;

export interface StatFact {
  path: string;
  exists: boolean;
  realPath: string | null;
  fileType: string | null;
  size: number | null;
  inode: number | null;
}

export function statProbe(path: string): Probe<StatFact> {
  return {
    script: STAT_SCRIPT,
    args: [path],
    parse: (o) => {
      if (o.code === ABSENT) return { path, exists: false, realPath: null, fileType: null, size: null, inode: null };
      const [real, st] = o.stdout.split("\n");
      const m = /^(.+)\|(\d+)\|(\d+)$/.exec((st ?? "").trim());
      if (o.code !== 0 || !m) throw new Error(`cannot stat ${path}: ${firstLine(o)}`);
      return { path, exists: true, realPath: real, fileType: m[1], size: Number(m[2]), inode: Number(m[3]) };
    },
  };
}

/** Combines a stat and the mount table into what preflight compares between hosts. */
export function diskFact(stat: StatFact, mounts: readonly MountInfo[]): DiskFact {
  if (!stat.exists || !stat.realPath) {
    return { path: stat.path, exists: false, fileType: null, size: null, inode: null, fsType: null, mountSource: null, mountPoint: null, relativePath: null };
  }
  const m = mountContaining(mounts, stat.realPath);
  let relativePath: string | null = null;
  if (m) {
    const mp = m.mountPoint.replace(/(.)\/+$/, "$1");
    const rest = mp === "/" ? stat.realPath : stat.realPath.slice(mp.length);
    relativePath = `${m.root === "/" ? "" : m.root.replace(/\/+$/, "")}${rest.startsWith("/") ? rest : `/${rest}`}`.replace(/\/+/g, "/");
  }
  return {
    path: stat.path,
    exists: true,
    fileType: stat.fileType,
    size: stat.size,
    inode: stat.inode,
    fsType: m?.fsType ?? null,
    mountSource: m?.source ?? null,
    mountPoint: m?.mountPoint ?? null,
    relativePath,
  };
}

/** An interface that `ip` knows; `ip -d` names its kind (`bridge`) on any iproute2 of the last decade. */
export const BRIDGE_SCRIPT = `${PATH_LINE}
ip -o link show dev "$1" >/dev/null 2>&1 || exit ${ABSENT}
d=$(ip -o -d link show dev "$1" 2>/dev/null)
case " $d " in *" bridge "*) echo bridge ;; *" veth "*|*" vlan "*|*" dummy "*|*" bond "*) echo other ;; *) echo unknown ;; esac`;

export function bridgeProbe(name: string): Probe<BridgeFact> {
  return {
    script: BRIDGE_SCRIPT,
    args: [name],
    parse: (o) => {
      if (o.code === ABSENT) return { name, exists: false, isBridge: null };
      const word = o.stdout.trim();
      return { name, exists: true, isBridge: word === "bridge" ? true : word === "other" ? false : null };
    },
  };
}

/**
 * From the source: connect to the target's relocation port, then wait a second. xend admits a client by
 * waiting for its stream (the read times out: "open"); a client its hosts-allow rejects is accepted and then
 * closed at once (the read sees EOF: "closed"). A watchdog bounds a connect to a silent address.
 */
export const RELOCATION_SCRIPT = `command -v bash >/dev/null 2>&1 || { echo untestable; echo "no bash on this host for the /dev/tcp test" >&2; exit 0; }
exec bash -c '
( sleep 8; kill -9 $$ ) >/dev/null 2>&1 & w=$!
if exec 3<>"/dev/tcp/$1/$2"; then
  if read -t 1 -u 3 line; then r=open; else s=$?; if [ $s -gt 128 ]; then r=open; else r=closed; fi; fi
  exec 3<&- 3>&-
else r=refused; fi
kill $w >/dev/null 2>&1
echo $r' sh "$1" "$2"`;

export function relocationProbe(address: string, port: number): Probe<RelocationProbe> {
  return {
    script: RELOCATION_SCRIPT,
    args: [address, String(port)],
    parse: (o) => {
      const word = o.stdout.trim().split("\n").pop() ?? "";
      const detail = o.stderr
        .split("\n")
        .map((l) => l.replace(/^.*?: (connect: |line \d+: )?/, "").trim())
        .filter((l) => l !== "")
        .pop();
      if (word === "open") return { result: "open", address, port };
      if (word === "closed") return { result: "closed", address, port, detail: "" };
      if (word === "refused") return { result: "refused", address, port, detail: detail ?? "connection refused" };
      if (word === "untestable") return { result: "untestable", address, port, detail: detail ?? "" };
      return { result: "timeout", address, port, detail: `no answer within 8 s (exit ${o.code}) ${detail ?? ""}`.trim() };
    },
  };
}

/** The ssh words xl will run (`xl migrate -s`), without the host and the remote command. */
/**
 * The ssh command xl runs on the source. The target's host key must be known (XlMigrationTrust writes it to
 * known_hosts): StrictHostKeyChecking=yes on the command line, where no ssh_config (a `Host *` block saying
 * `no` or `accept-new`) can override it. It comes after the user's own words, so an explicit choice in
 * migration.sshCommand still wins (ssh takes the first value it is given).
 */
export function sshWords(sshCommand: readonly string[] | undefined, sshConfigFile: string | undefined): string[] {
  return [...(sshCommand ?? ["ssh"]), ...(sshConfigFile ? ["-F", sshConfigFile] : []), "-o", "StrictHostKeyChecking=yes"];
}

/**
 * From the source, as xl migrate does: ssh (non-interactively) to the target and find xl there. A key that
 * XlMigrationTrust restricted to `xl migrate-receive` refuses the probe's command with its own message: the login
 * worked, and xl's presence on the target is checked over the target's own connection.
 */
export function sshProbe(words: readonly string[], target: string): Probe<SshProbe> {
  return {
    script: `${PATH_LINE}\nexec "$@"`,
    args: [...words, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", target, "command -v xl"],
    parse: (o) => {
      if (o.code === 0) return { ok: true, detail: o.stdout.trim() };
      if (o.stderr.includes(FORCED_COMMAND_REFUSAL)) {
        return { ok: true, detail: "the login works; the key may only run xl migrate-receive (XlMigrationTrust)" };
      }
      if (o.code === 1 && o.stderr.trim() === "") return { ok: false, detail: `the ssh login works but ${target} has no xl` };
      return { ok: false, detail: `${firstLine(o) || "no message"} (exit ${o.code})` };
    },
  };
}

/** Where the domain's config file may be, in the order a start looks for it. */
export function configCandidates(domain: string, configPath: string | undefined): string[] {
  return configPath ? [configPath] : [`/etc/xen/${domain}`, `/etc/xen/${domain}.cfg`];
}
