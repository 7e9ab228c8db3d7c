/**
 * What XenDomainConfig needs to know about a Xen host, in ONE round trip: toolstack, the file, the autostart
 * link, the bridges, each disk's existence, the mounts (to tell shared storage), and the running domain's long
 * listing. Scripts are constants; user values are positional arguments. Parsers are pure.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { parseMountInfo, type MountInfo } from "../../formats/mountinfo";
import { parseXmListLong, type DomainDetails } from "../../formats/xm-list-long";
import { parseXlListLong } from "../../formats/xl-list-long";
import { fileProbe } from "../../host/file-probe";
import { toolstackProbe, type InstalledToolstack as Toolstack } from "../../host/toolstack";

export const AUTO_DIR = "/etc/xen/auto";

export type AutostartFact = { kind: "none" } | { kind: "link"; target: string } | { kind: "other" };

export const autostartProbe = (name: string): Probe<AutostartFact> => ({
  script: `l=${AUTO_DIR}/$1
if [ -L "$l" ]; then echo link; readlink -- "$l"; elif [ -e "$l" ]; then echo other; else echo none; fi`,
  args: [name],
  parse: (o: ProbeOutput) => {
    const [kind, target = ""] = o.stdout.split("\n");
    if (kind === "link") return { kind, target };
    if (kind === "other" || kind === "none") return { kind };
    throw new Error(`unexpected output ${JSON.stringify(o.stdout)}`);
  },
});

export const bridgesProbe: Probe<string[]> = {
  script: `for d in /sys/class/net/*/bridge; do [ -d "$d" ] && { d=\${d%/bridge}; echo "\${d##*/}"; }; done; exit 0`,
  parse: (o: ProbeOutput) => o.stdout.split("\n").filter((l) => l !== "").sort(),
};

/** For each path: whether it exists (as a file or block device). */
export const pathsProbe = (paths: readonly string[]): Probe<Record<string, boolean>> => ({
  script: `for p in "$@"; do if [ -f "$p" ] || [ -b "$p" ]; then echo "1 $p"; else echo "0 $p"; fi; done`,
  args: [...paths],
  parse: (o: ProbeOutput) => {
    const out: Record<string, boolean> = {};
    for (const line of o.stdout.split("\n")) if (line.length > 2) out[line.slice(2)] = line[0] === "1";
    return out;
  },
});

export const mountsProbe: Probe<MountInfo[]> = {
  script: "exec cat /proc/self/mountinfo",
  parse: (o: ProbeOutput) => parseMountInfo(o.stdout),
};

/** The running domain as its toolstack lists it (`xm list -l NAME` / `xl list -l NAME`), or null if not running. */
export const runningProbe = (name: string): Probe<DomainDetails | null> => ({
  script: `PATH=$PATH:/sbin:/usr/sbin
if [ -e /etc/init.d/xend ] || command -v xend >/dev/null 2>&1; then echo xm; exec xm list -l "$1"
elif command -v xl >/dev/null 2>&1; then echo xl; exec xl list -l "$1"; fi
echo none`,
  args: [name],
  parse: (o: ProbeOutput) => {
    const nl = o.stdout.indexOf("\n");
    const tool = o.stdout.slice(0, nl < 0 ? undefined : nl);
    const body = nl < 0 ? "" : o.stdout.slice(nl + 1);
    if (tool === "none" || o.code !== 0 || body.trim() === "") return null;
    const all = tool === "xm" ? parseXmListLong(body) : parseXlListLong(body);
    return all.find((d) => d.name === name) ?? null;
  },
});

export interface DomainConfigFacts {
  toolstack: Toolstack;
  file: string | null;
  autostart: AutostartFact;
  bridges: string[];
  paths: Record<string, boolean>;
  mounts: MountInfo[];
  running: DomainDetails | null;
}

export function domainConfigProbes(name: string, path: string, diskPaths: readonly string[]) {
  return {
    toolstack: toolstackProbe,
    file: fileProbe(path),
    autostart: autostartProbe(name),
    bridges: bridgesProbe,
    paths: pathsProbe(diskPaths),
    mounts: mountsProbe,
    running: runningProbe(name),
  };
}

