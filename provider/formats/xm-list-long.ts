/**
 * `xm list -l [NAME]`: one `(domain …)` S-expression per domain (xen-samples/outputs/xm-list-l.*.sxp), read
 * into the few facts a migration depends on: memory, disks and the bridges of its vifs.
 */
import { parseSxp, SxpValue } from "./sxp";

/** A disk as both toolstacks describe it, reduced to what must exist on a migration target. */
export interface DomainDisk {
  /** the toolstack's own spelling: `file:/data/test01.img`, `phy:/dev/sdb7`, or xl's pdev_path */
  spec: string;
  /** file: an image file; block: a block device; other: a backend we cannot check (drbd:, iscsi:, …) */
  kind: "file" | "block" | "other";
  /** the path on the host, or null for `other` */
  path: string | null;
  /** guest device, e.g. `xvda` (xm's `xvda:disk` suffix removed) */
  vdev: string | null;
  cdrom: boolean;
}

export interface DomainVif {
  /** null when the toolstack did not say (xm then used its default bridge script's choice) */
  bridge: string | null;
  mac: string | null;
}

/** What a migration needs to know about a running domain, from either toolstack's long listing. */
export interface DomainDetails {
  name: string;
  domid: number | null;
  memoryMiB: number | null;
  maxMemoryMiB: number | null;
  vcpus: number | null;
  disks: DomainDisk[];
  vifs: DomainVif[];
}

export class DomainDetailsParseError extends Error {
  constructor(reason: string) {
    super(`domain long listing: ${reason}`);
    this.name = "DomainDetailsParseError";
  }
}

/** Reads a disk spec such as `file:/x`, `phy:sdb7`, `tap:aio:/x`, `tap2:tapdisk:aio:/x`, or a bare path. */
export function parseDiskSpec(spec: string, vdev: string | null = null): DomainDisk {
  const cdrom = vdev !== null && /:cdrom$/.test(vdev);
  const dev = vdev === null ? null : vdev.replace(/:(disk|cdrom)$/, "");
  if (spec.startsWith("/")) {
    return { spec, kind: spec.startsWith("/dev/") ? "block" : "file", path: spec, vdev: dev, cdrom };
  }
  const m = /^phy:(.+)$/.exec(spec);
  if (m) {
    const p = m[1].startsWith("/") ? m[1] : `/dev/${m[1]}`;
    return { spec, kind: "block", path: p, vdev: dev, cdrom };
  }
  // file:, tap:aio:, tap:qcow:, tap2:tapdisk:aio:, … : the path is whatever follows the last prefix.
  const slash = spec.indexOf(":/");
  if (/^(file|tap|tap2):/.test(spec) && slash >= 0) {
    return { spec, kind: "file", path: spec.slice(slash + 1), vdev: dev, cdrom };
  }
  return { spec, kind: "other", path: null, vdev: dev, cdrom };
}

type List = SxpValue[];

function child(list: List, key: string): List | undefined {
  for (const item of list) {
    if (Array.isArray(item) && item[0] === key) return item;
  }
  return undefined;
}

function value(list: List, key: string): string | undefined {
  const c = child(list, key);
  const v = c?.[1];
  return typeof v === "string" ? v : undefined;
}

function intOrNull(v: string | undefined): number | null {
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null;
}

function domainFromSxp(d: List): DomainDetails {
  const name = value(d, "name");
  if (name === undefined) throw new DomainDetailsParseError("a (domain …) without (name …)");
  const disks: DomainDisk[] = [];
  const vifs: DomainVif[] = [];
  for (const item of d) {
    if (!Array.isArray(item) || item[0] !== "device") continue;
    const dev = item[1];
    if (!Array.isArray(dev)) continue;
    const kind = dev[0];
    if (kind === "vbd" || kind === "tap" || kind === "tap2") {
      const uname = value(dev, "uname");
      if (uname) disks.push(parseDiskSpec(uname, value(dev, "dev") ?? null));
    } else if (kind === "vif") {
      vifs.push({ bridge: value(dev, "bridge") || null, mac: value(dev, "mac") || null });
    }
  }
  return {
    name,
    domid: intOrNull(value(d, "domid")),
    memoryMiB: intOrNull(value(d, "memory")),
    maxMemoryMiB: intOrNull(value(d, "maxmem")),
    vcpus: intOrNull(value(d, "vcpus")),
    disks,
    vifs,
  };
}

/** Parses `xm list -l` output (one or many domains). Text before the first `(`, such as a prompt, is ignored. */
export function parseXmListLong(text: string): DomainDetails[] {
  const start = text.indexOf("(");
  if (start < 0) throw new DomainDetailsParseError("no S-expression in the output");
  let doc;
  try {
    doc = parseSxp(text.slice(start));
  } catch (e) {
    throw new DomainDetailsParseError(`not a valid S-expression: ${(e as Error).message}`);
  }
  return doc.nodes
    .map((n) => n.value)
    .filter((v): v is List => Array.isArray(v) && v[0] === "domain")
    .map(domainFromSxp);
}
