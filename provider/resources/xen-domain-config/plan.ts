/**
 * XenDomainConfig's plan: a PURE function of the inputs and the host's facts. The file is rendered from the
 * inputs deterministically (same inputs → same bytes on every host); the host is checked before anything is
 * written (disks exist, on shared storage when asked, bridges exist), and the running domain is compared with
 * the file, never restarted.
 */
import { type DomainConfigModel, modelValues, parseDomainConfig, renderDomainConfig } from "../../formats/domain-config/model";
import type { DiskSpec, VifSpec } from "../../formats/domain-config/specs";
import { renderValue, type ConfigValue } from "../../formats/domain-config/syntax";
import type { DomainDetails } from "../../formats/xm-list-long";
import { isSharedFsType, mountContaining } from "../../formats/mountinfo";
import { AUTO_DIR, type DomainConfigFacts } from "./facts";
import { domainConfigPath, type XenDomainConfigInputs } from "./schema";

const VIF_FIELDS = ["mac", "bridge", "ip", "script", "model", "type", "vifname"] as const;

/** The typed vif keys that are set (the input and the file model share them; unknown keys are not inputs). */
function vifKeys(v: Partial<Record<(typeof VIF_FIELDS)[number], string>>): VifSpec {
  const out: VifSpec = {};
  for (const k of VIF_FIELDS) if (v[k] !== undefined) out[k] = v[k];
  return out;
}

export function desiredModel(i: XenDomainConfigInputs): DomainConfigModel {
  const m: DomainConfigModel = { disks: [], vifs: [], vfbs: [], others: { ...i.extraKeys } };
  m.name = i.name;
  if (i.uuid !== undefined) m.uuid = i.uuid;
  m.memory = i.memory;
  if (i.maxmem !== undefined) m.maxmem = i.maxmem;
  m.vcpus = i.vcpus;
  const b = i.boot;
  if (b.bootloader !== undefined) m.bootloader = b.bootloader;
  if (b.bootloaderArgs !== undefined) m.bootloaderArgs = b.bootloaderArgs;
  if (b.kernel !== undefined) m.kernel = b.kernel;
  if (b.ramdisk !== undefined) m.ramdisk = b.ramdisk;
  if (b.root !== undefined) m.root = b.root;
  if (b.extra !== undefined) m.extra = b.extra;
  m.disks = i.disks.map((d): DiskSpec => ({ type: d.type, path: d.path, vdev: d.vdev, ...(d.cdrom ? { devtype: "cdrom" } : {}), mode: d.mode }));
  m.vifs = i.vifs.map(vifKeys);
  m.vfbs = i.vfbs.map((f) => {
    const pairs: Array<[string, string]> = [[f.type, "1"]];
    if (f.vnclisten !== undefined) pairs.push(["vnclisten", f.vnclisten]);
    if (f.vncdisplay !== undefined) pairs.push(["vncdisplay", String(f.vncdisplay)]);
    if (f.vncunused !== undefined) pairs.push(["vncunused", f.vncunused ? "1" : "0"]);
    if (f.vncpasswd !== undefined) pairs.push(["vncpasswd", f.vncpasswd]);
    if (f.keymap !== undefined) pairs.push(["keymap", f.keymap]);
    return pairs;
  });
  m.onPoweroff = i.onPoweroff;
  m.onReboot = i.onReboot;
  m.onCrash = i.onCrash;
  return m;
}

export function desiredContent(i: XenDomainConfigInputs): string {
  return renderDomainConfig(desiredModel(i), i.flavour);
}

/** Differences between two models, key by key, in words ("memory: the file has 256, wanted 128"). */
export function modelDrift(found: DomainConfigModel, wanted: DomainConfigModel): string[] {
  const have = new Map(modelValues(found));
  const want = new Map(modelValues(wanted));
  const show = (v: ConfigValue | undefined) => (v === undefined ? "nothing" : renderValue(v));
  const out: string[] = [];
  for (const k of new Set([...want.keys(), ...have.keys()])) {
    const a = have.get(k);
    const b = want.get(k);
    if ((a === undefined ? "" : renderValue(a)) !== (b === undefined ? "" : renderValue(b))) {
      out.push(`${k}: the file has ${show(a)}, wanted ${show(b)}`);
    }
  }
  return out;
}

/** Where the running domain differs from the desired file (it keeps running as it is until restarted). */
export function runningDiffers(m: DomainConfigModel, d: DomainDetails | null): string[] {
  if (d === null) return [];
  const out: string[] = [];
  if (m.memory !== undefined && d.memoryMiB !== null && d.memoryMiB !== m.memory) out.push(`memory: running ${d.memoryMiB} MiB, file ${m.memory} MiB`);
  const maxmem = m.maxmem ?? m.memory;
  if (maxmem !== undefined && d.maxMemoryMiB !== null && d.maxMemoryMiB !== maxmem) out.push(`maxmem: running ${d.maxMemoryMiB} MiB, file ${maxmem} MiB`);
  if (m.vcpus !== undefined && d.vcpus !== null && d.vcpus !== m.vcpus) out.push(`vcpus: running ${d.vcpus}, file ${m.vcpus}`);
  const runDisks = d.disks.map((x) => `${x.path ?? x.spec} as ${x.vdev ?? "?"}`).sort();
  const fileDisks = m.disks.filter((x) => x.path !== "").map((x) => `${x.path} as ${x.vdev}`).sort();
  if (runDisks.join("; ") !== fileDisks.join("; ")) out.push(`disks: running [${runDisks.join("; ")}], file [${fileDisks.join("; ")}]`);
  const runVifs = d.vifs.map((v) => `${v.mac ?? "?"} on ${v.bridge ?? "?"}`);
  const fileVifs = m.vifs.map((v, i) => `${v.mac ?? d.vifs[i]?.mac ?? "?"} on ${v.bridge ?? d.vifs[i]?.bridge ?? "?"}`);
  if (runVifs.join("; ") !== fileVifs.join("; ")) out.push(`vifs: running [${runVifs.join("; ")}], file [${fileVifs.join("; ")}]`);
  return out;
}

export type AutostartStep = { kind: "link"; link: string; target: string } | { kind: "unlink"; link: string; target: string };

export interface DomainConfigPlan {
  /** Reasons nothing may be done, each naming the host and the missing thing; when non-empty nothing is written. */
  errors: string[];
  warnings: string[];
  path: string;
  content: string;
  /** Whether the file must be (re)written. */
  write: boolean;
  autostart: AutostartStep | null;
  /** The file on the host as the toolstack reads it (null when absent or not readable). */
  found: DomainConfigModel | null;
  drift: string[];
  runningDiffers: string[];
}

export function planDomainConfig(host: string, i: XenDomainConfigInputs, f: DomainConfigFacts): DomainConfigPlan {
  const path = domainConfigPath(i);
  const model = desiredModel(i);
  const content = renderDomainConfig(model, i.flavour);
  const errors: string[] = [];
  const warnings: string[] = [];
  if (f.toolstack === "none") errors.push(`${host}: no Xen toolstack (neither xend nor xl was found)`);
  i.disks.forEach((d, n) => {
    if (d.cdrom && !f.paths[d.path]) return;
    if (!f.paths[d.path]) {
      errors.push(`${host}: disk ${d.path} (disks[${n}]) does not exist on this host${i.requireSharedStorage ? "" : " (is the shared storage mounted?)"}`);
      return;
    }
    if (i.requireSharedStorage) {
      const m = mountContaining(f.mounts, d.path);
      if (!m || !isSharedFsType(m.fsType)) {
        errors.push(`${host}: disk ${d.path} (disks[${n}]) is on ${m ? `${m.fsType} ${m.source} mounted at ${m.mountPoint}` : "an unknown filesystem"}, not on shared storage (NFS)`);
      }
    }
  });
  i.vifs.forEach((v, n) => {
    if (v.bridge !== undefined && !f.bridges.includes(v.bridge)) {
      errors.push(`${host}: bridge ${v.bridge} (vifs[${n}].bridge) does not exist on this host (bridges here: ${f.bridges.join(", ") || "none"})`);
    }
    if (v.mac !== undefined && !/^00:16:3e:/i.test(v.mac)) {
      warnings.push(`vifs[${n}].mac ${v.mac} is outside Xen's range 00:16:3e:xx:xx:xx: make sure no other machine on the network uses it`);
    }
    if (v.mac === undefined) warnings.push(`vifs[${n}] has no mac: the domain gets a random one at each start, and again after each migration's restart`);
  });
  if (f.toolstack === "xl" && i.flavour === "xm") warnings.push(`${host} runs xl: the file is written in the xm flavour, which xl create also reads (xen-ha writes only KEY = literal lines)`);

  let found: DomainConfigModel | null = null;
  let drift: string[] = [];
  if (f.file !== null) {
    try {
      const parsed = parseDomainConfig(f.file, i.flavour);
      found = parsed.model;
      drift = modelDrift(found, model);
      for (const [k, why] of Object.entries(parsed.unevaluated)) drift.push(`${k}: ${why} (cannot be compared)`);
    } catch (e) {
      drift = [`the file cannot be read as an ${i.flavour} config: ${(e as Error).message}`];
    }
  } else drift = [`${path} does not exist`];

  const link = `${AUTO_DIR}/${i.name}`;
  let autostart: AutostartStep | null = null;
  if (i.autostart) {
    if (f.autostart.kind === "other") errors.push(`${host}: ${link} exists and is not a link (xendomains would start it too); remove it first`);
    else if (f.autostart.kind === "none" || f.autostart.target !== path) autostart = { kind: "link", link, target: path };
  } else if (f.autostart.kind === "link" && f.autostart.target === path) {
    autostart = { kind: "unlink", link, target: path };
  }
  if (i.autostart !== (f.autostart.kind === "link" && f.autostart.target === path)) drift.push(`autostart: ${link} ${i.autostart ? "missing" : "present"}`);

  return {
    errors,
    warnings,
    path,
    content,
    write: f.file !== content,
    autostart,
    found,
    drift,
    runningDiffers: runningDiffers(model, f.running),
  };
}

/** The inputs as the file on the host has them, for read: the engine then shows drift field by field. */
export function inputsFromModel(olds: XenDomainConfigInputs, m: DomainConfigModel): Partial<XenDomainConfigInputs> {
  const boot: XenDomainConfigInputs["boot"] = {};
  if (m.bootloader !== undefined) boot.bootloader = m.bootloader;
  if (m.bootloaderArgs !== undefined) boot.bootloaderArgs = m.bootloaderArgs;
  if (m.kernel !== undefined) boot.kernel = m.kernel;
  if (m.ramdisk !== undefined) boot.ramdisk = m.ramdisk;
  if (m.extra !== undefined) boot.extra = m.extra;
  if (m.root !== undefined) boot.root = m.root;
  const out: Partial<XenDomainConfigInputs> = {
    boot,
    disks: m.disks.map((d) => ({
      path: d.path,
      vdev: d.vdev,
      mode: d.mode,
      type: (d.type ?? "file") as "file" | "phy" | "tap:aio",
      cdrom: d.devtype === "cdrom",
    })),
    vifs: m.vifs.map(vifKeys),
    onPoweroff: (m.onPoweroff ?? "destroy") as XenDomainConfigInputs["onPoweroff"],
    onReboot: (m.onReboot ?? "restart") as XenDomainConfigInputs["onReboot"],
    onCrash: (m.onCrash ?? (olds.flavour === "xl" ? "destroy" : "restart")) as XenDomainConfigInputs["onCrash"],
    extraKeys: m.others as XenDomainConfigInputs["extraKeys"],
  };
  if (m.memory !== undefined) out.memory = m.memory;
  out.maxmem = m.maxmem;
  if (m.vcpus !== undefined) out.vcpus = m.vcpus;
  out.uuid = m.uuid;
  // vfbs are kept as the user wrote them unless the file's differ
  const sameVfbs = JSON.stringify(m.vfbs) === JSON.stringify(desiredModel(olds).vfbs);
  if (!sameVfbs) out.vfbs = m.vfbs.map((pairs) => Object.fromEntries(pairs)) as never;
  return out;
}
