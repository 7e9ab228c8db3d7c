/**
 * Disk, vif and vfb specification strings of xm and xl domain configs.
 * - disk, xm (and xl's deprecated form): `PREFIX:TARGET,VDEV[:cdrom|:disk],MODE`, e.g. `file:/data/a.img,xvda,w`,
 *   `tap:aio:/data/a.img,xvda,w`, `phy:/dev/vg/a,xvda,w`.
 * - disk, xl (xl-disk-configuration(5)): `[key=value|flag,]* [target,[format,[vdev,[access]]]] [target=…]`.
 * - vif: `key=value` pairs separated by commas (mac, bridge, ip, script, model, type, vifname, …).
 * - vfb: `key=value` pairs separated by commas (vnc=1, vnclisten=…, sdl=1, …).
 */

export type DiskMode = "r" | "w" | "w!";

export interface DiskSpec {
  /** backend prefix as written (file, phy, tap:aio, …); absent in xl's modern syntax */
  type?: string;
  /** target: an image file or device; may be relative for phy (e.g. `hda1` means /dev/hda1) */
  path: string;
  vdev: string;
  mode: DiskMode;
  /** xl's format positional/key (raw, qcow2, …) */
  format?: string;
  devtype?: string;
  /** other xl keys and flags, in the order written (flags have the value "") */
  options?: Array<[string, string]>;
}

const FLAGS = new Set(["cdrom", "discard", "no-discard", "direct-io-safe", "trusted", "untrusted"]);

function normMode(access: string): DiskMode {
  const a = access.trim();
  if (a === "r" || a === "ro") return "r";
  if (a === "w!") return "w!";
  if (a === "" || a === "w" || a === "rw") return "w";
  throw new Error(`invalid disk access mode ${JSON.stringify(access)} (expected r, ro, w, rw or w!)`);
}

function splitPrefix(target: string): { type?: string; path: string } {
  const m = /^((?:[A-Za-z0-9_]+:)+)(.*)$/s.exec(target);
  if (!m || m[2].startsWith(":")) return { path: target };
  return { type: m[1].slice(0, -1), path: m[2] };
}

function splitVdev(v: string): { vdev: string; devtype?: string } {
  const i = v.indexOf(":");
  return i < 0 ? { vdev: v } : { vdev: v.slice(0, i), devtype: v.slice(i + 1) };
}

export function parseDiskSpec(spec: string): DiskSpec {
  const parts = spec.split(",").map((p) => p.trim());
  const legacy = parts.length >= 2 && parts.length <= 3 && !parts.some((p) => p.includes("=")) && (splitPrefix(parts[0]).type !== undefined || parts[0] === "");
  if (legacy) {
    const { type, path } = splitPrefix(parts[0]);
    return { ...(type !== undefined ? { type } : {}), path, ...splitVdev(parts[1]), mode: normMode(parts[2] ?? "w") };
  }
  // xl's modern syntax; `target=` takes the rest of the string, commas included
  const named = new Map<string, string>();
  const options: Array<[string, string]> = [];
  const positional: string[] = [];
  const targetAt = spec.search(/(^|,)\s*target=/);
  const head = targetAt < 0 ? spec : spec.slice(0, targetAt);
  if (targetAt >= 0) named.set("target", spec.slice(spec.indexOf("target=", targetAt) + "target=".length));
  for (const raw of head.split(",")) {
    const p = raw.trim();
    const eq = p.indexOf("=");
    if (eq > 0) {
      const k = p.slice(0, eq);
      const v = p.slice(eq + 1);
      if (["format", "vdev", "access", "devtype"].includes(k)) named.set(k, v);
      else options.push([k, v]);
    } else if (FLAGS.has(p)) {
      if (p === "cdrom") named.set("devtype", "cdrom");
      else options.push([p, ""]);
    } else positional.push(p);
  }
  const order = ["target", "format", "vdev", "access"];
  for (const k of order) {
    if (named.has(k)) continue;
    const v = positional.shift();
    if (v !== undefined) named.set(k, v);
  }
  const format = named.get("format");
  const devtype = named.get("devtype");
  const { type, path } = splitPrefix(named.get("target") ?? "");
  const d: DiskSpec = { path, vdev: named.get("vdev") ?? "", mode: normMode(named.get("access") ?? "") };
  if (type !== undefined) d.type = type;
  if (format) d.format = format;
  if (devtype) d.devtype = devtype;
  if (options.length) d.options = options;
  return d;
}

/** The legacy form when the spec has a backend prefix (understood by xm and xl alike), else xl's modern form. */
export function renderDiskSpec(d: DiskSpec): string {
  if ((d.type !== undefined || d.path === "") && d.format === undefined && !d.options?.length) {
    const prefix = d.type !== undefined ? d.type + ":" : "";
    return `${prefix}${d.path},${d.vdev}${d.devtype ? ":" + d.devtype : ""},${d.mode}`;
  }
  const parts = d.format !== undefined ? [`format=${d.format}`] : [];
  parts.push(`vdev=${d.vdev}`, `access=${d.mode === "r" ? "ro" : d.mode === "w!" ? "w!" : "rw"}`);
  if (d.devtype) parts.push(`devtype=${d.devtype}`);
  for (const [k, v] of d.options ?? []) parts.push(v === "" ? k : `${k}=${v}`);
  parts.push(`target=${d.type !== undefined ? d.type + ":" : ""}${d.path}`);
  return parts.join(", ");
}

export interface VifSpec {
  mac?: string;
  bridge?: string;
  ip?: string;
  script?: string;
  model?: string;
  type?: string;
  vifname?: string;
  /** any other key, in the order written */
  other?: Array<[string, string]>;
}

const VIF_KEYS = ["mac", "bridge", "ip", "script", "model", "type", "vifname"] as const;

/** Key/value pairs of a comma-separated spec; an empty spec has none. */
export function parsePairs(spec: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of spec.split(",")) {
    const p = raw.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    out.push(eq < 0 ? [p, ""] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()]);
  }
  return out;
}

export function parseVifSpec(spec: string): VifSpec {
  const v: VifSpec = {};
  const other: Array<[string, string]> = [];
  for (const [k, val] of parsePairs(spec)) {
    if ((VIF_KEYS as readonly string[]).includes(k)) v[k as (typeof VIF_KEYS)[number]] = val;
    else other.push([k, val]);
  }
  if (other.length) v.other = other;
  return v;
}

export function renderVifSpec(v: VifSpec): string {
  const parts: string[] = [];
  for (const k of VIF_KEYS) if (v[k] !== undefined) parts.push(`${k}=${v[k]}`);
  for (const [k, val] of v.other ?? []) parts.push(`${k}=${val}`);
  return parts.join(",");
}

export function renderPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(",");
}
