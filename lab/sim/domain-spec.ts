/**
 * A domain as the simulator keeps it, built from an xm config (Python locals) or an xl.cfg. The disk and vif
 * spec strings are parsed with the real toolstacks' rules: xm `TYPE:PATH,VDEV[:cdrom],MODE`; xl positional
 * `target,format,vdev,access` or `key=value` (plus xm's legacy form); vif `key=value,...` with mac, bridge,
 * ip (a real vif key), script, type, model, vifname.
 */
import { PyValue } from "./python-config";
import { XlValue } from "./xl-config";

export interface DiskSpec {
  spec: string;
  /** file, phy, tap (tap:aio: and friends), or "" for an empty cdrom drive. */
  kind: "file" | "phy" | "tap" | "";
  path: string;
  vdev: string;
  devType: "disk" | "cdrom";
  mode: "r" | "w";
}

export interface VifSpec {
  spec: string;
  mac: string | null;
  bridge: string | null;
  /** Space-separated addresses, as vif-bridge accepts them. */
  ip: string | null;
  script: string | null;
  type: string | null;
  model: string | null;
  vifname: string | null;
}

export interface DomainSpec {
  name: string;
  uuid: string | null;
  type: "pv" | "hvm" | "pvh";
  memory: number;
  maxmem: number;
  vcpus: number;
  kernel: string | null;
  ramdisk: string | null;
  extra: string | null;
  root: string | null;
  bootloader: string | null;
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
  disks: DiskSpec[];
  vifs: VifSpec[];
}

export class DomainSpecError extends Error {}

export function parseVif(spec: string): VifSpec {
  const v: VifSpec = { spec, mac: null, bridge: null, ip: null, script: null, type: null, model: null, vifname: null };
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    if (eq < 0) throw new DomainSpecError(`Invalid vif spec: ${spec}`);
    const key = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim();
    if (key === "mac" || key === "bridge" || key === "ip" || key === "script" || key === "type" || key === "model" || key === "vifname") {
      v[key] = val;
    }
  }
  return v;
}

const TAP_PREFIXES = ["tap2:tapdisk:aio:", "tap:tapdisk:aio:", "tap:aio:", "tap:qcow:", "tap:qcow2:", "tap:vhd:", "tap:sync:", "tap2:aio:", "aio:"];

function splitTarget(target: string): { kind: DiskSpec["kind"]; path: string } {
  if (target === "") return { kind: "", path: "" };
  for (const p of TAP_PREFIXES) if (target.startsWith(p)) return { kind: "tap", path: target.slice(p.length) };
  if (target.startsWith("file:")) return { kind: "file", path: target.slice(5) };
  if (target.startsWith("phy:")) {
    const path = target.slice(4);
    return { kind: "phy", path: path.startsWith("/") ? path : "/dev/" + path };
  }
  return { kind: target.startsWith("/dev/") ? "phy" : "file", path: target };
}

/** xm's disk spec: `uname,dev,mode` where dev may end in `:cdrom` or `:disk`. */
export function parseXmDisk(spec: string): DiskSpec {
  const parts = spec.split(",");
  if (parts.length !== 3) throw new DomainSpecError(`Invalid disk specifier: ${spec}`);
  const [uname, dev, mode] = parts.map((s) => s.trim());
  const [vdev, devType] = dev.split(":");
  if (!/^[rw]!?$/.test(mode)) throw new DomainSpecError(`Invalid disk specifier: ${spec}`);
  const t = splitTarget(uname);
  return { spec, kind: t.kind, path: t.path, vdev, devType: devType === "cdrom" ? "cdrom" : "disk", mode: mode.startsWith("w") ? "w" : "r" };
}

const XL_FORMATS = ["raw", "qcow", "qcow2", "vhd", "qed", "empty", ""];

/** xl's disk spec (xl-disk-configuration(5)), including xm's legacy three-part form. */
export function parseXlDisk(spec: string): DiskSpec {
  const positional: string[] = [];
  const kv: Record<string, string> = {};
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    const m = /^(target|format|vdev|access|devtype|backendtype|script)=(.*)$/.exec(item);
    if (m) kv[m[1]] = m[2];
    else if (item === "cdrom") kv.devtype = "cdrom";
    else positional.push(item);
  }
  let target = kv.target;
  let vdev = kv.vdev;
  let access = kv.access;
  if (positional.length) {
    if (positional.length === 3 && !XL_FORMATS.includes(positional[1])) [target, vdev, access] = positional;
    else [target, , vdev, access] = [positional[0], positional[1], positional[2], positional[3]];
  }
  if (!vdev) throw new DomainSpecError(`no vdev specified`);
  const [bareVdev, devType] = vdev.split(":");
  const t = splitTarget(target ?? "");
  return {
    spec, kind: t.kind, path: t.path, vdev: bareVdev,
    devType: devType === "cdrom" || kv.devtype === "cdrom" ? "cdrom" : "disk",
    mode: access === undefined || /^(w|rw)$/.test(access) ? "w" : "r",
  };
}

/** Linux/Xen device number of a vdev, as xend prints it in "Device N (vbd) could not be connected." */
export function vdevNumber(vdev: string): number {
  let m = /^xvd([a-z]+)(\d*)$/.exec(vdev);
  if (m) return (202 << 8) + letters(m[1]) * 16 + (m[2] ? Number(m[2]) : 0);
  m = /^hd([a-z])(\d*)$/.exec(vdev);
  if (m) {
    const n = m[1].charCodeAt(0) - 97;
    const majors = [3, 22, 33, 34, 56, 57, 88, 89, 90, 91];
    return ((majors[n >> 1] ?? 3) << 8) + (n % 2) * 64 + (m[2] ? Number(m[2]) : 0);
  }
  m = /^sd([a-z])(\d*)$/.exec(vdev);
  if (m) return (8 << 8) + (m[1].charCodeAt(0) - 97) * 16 + (m[2] ? Number(m[2]) : 0);
  return /^\d+$/.test(vdev) ? Number(vdev) : 0;
}

function letters(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 96);
  return n - 1;
}

function asStr(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return null;
}

function asInt(v: unknown, key: string, dflt: number): number {
  if (v === undefined) return dflt;
  const s = asStr(v);
  if (s === null || !/^\s*\d+(\.\d+)?\s*$/.test(s)) throw new DomainSpecError(`Invalid value for ${key}: ${JSON.stringify(v)}`);
  return Math.trunc(Number(s));
}

function strList(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) throw new DomainSpecError(`Invalid value for ${key}`);
  return v.map((x) => {
    const s = asStr(x);
    if (s === null) throw new DomainSpecError(`Invalid value for ${key}`);
    return s;
  });
}

/** From the locals xm kept (see xmConfigVars). Defaults as xm's create.py. */
export function specFromXmVars(vars: Record<string, string | number | PyValue[]>): DomainSpec {
  const name = asStr(vars.name);
  if (!name) throw new DomainSpecError("Missing domain name.");
  const memory = asInt(vars.memory, "memory", 128);
  const builder = asStr(vars.builder) ?? "linux";
  return {
    name,
    uuid: asStr(vars.uuid),
    type: builder === "hvm" ? "hvm" : "pv",
    memory,
    maxmem: asInt(vars.maxmem, "maxmem", memory),
    vcpus: asInt(vars.vcpus, "vcpus", 1),
    kernel: asStr(vars.kernel),
    ramdisk: asStr(vars.ramdisk),
    extra: asStr(vars.extra),
    root: asStr(vars.root),
    bootloader: asStr(vars.bootloader),
    onPoweroff: asStr(vars.on_poweroff) ?? "destroy",
    onReboot: asStr(vars.on_reboot) ?? "restart",
    onCrash: asStr(vars.on_crash) ?? "restart",
    disks: strList(vars.disk, "disk").map(parseXmDisk),
    vifs: strList(vars.vif, "vif").map(parseVif),
  };
}

/** From an xl.cfg. Defaults as xl.cfg(5): memory 128, vcpus 1, on_crash destroy (xm restarts). */
export function specFromXlConfig(cfg: Record<string, XlValue>): DomainSpec {
  const name = asStr(cfg.name);
  if (!name) throw new DomainSpecError("Domain name must be specified.");
  const memory = asInt(cfg.memory, "memory", 128);
  const type = asStr(cfg.type) ?? (asStr(cfg.builder) === "hvm" ? "hvm" : "pv");
  if (type !== "pv" && type !== "hvm" && type !== "pvh") throw new DomainSpecError(`Invalid domain type ${type}.`);
  return {
    name,
    uuid: asStr(cfg.uuid),
    type,
    memory,
    maxmem: asInt(cfg.maxmem, "maxmem", memory),
    vcpus: asInt(cfg.vcpus, "vcpus", 1),
    kernel: asStr(cfg.kernel),
    ramdisk: asStr(cfg.ramdisk),
    extra: asStr(cfg.extra) ?? asStr(cfg.cmdline),
    root: asStr(cfg.root),
    bootloader: asStr(cfg.bootloader),
    onPoweroff: asStr(cfg.on_poweroff) ?? "destroy",
    onReboot: asStr(cfg.on_reboot) ?? "restart",
    onCrash: asStr(cfg.on_crash) ?? "destroy",
    disks: strList(cfg.disk, "disk").map(parseXlDisk),
    vifs: strList(cfg.vif, "vif").map(parseVif),
  };
}
