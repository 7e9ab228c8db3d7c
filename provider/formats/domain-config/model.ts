/**
 * Typed model of a Xen domain config (xm or xl flavour) and its deterministic rendering.
 * The model holds what the toolstack would evaluate; keys the model does not type are kept in `others`.
 */
import { ConfigDocument, ConfigValue, configValues, Flavour, parseConfigDocument, renderValue } from "./syntax";
import { DiskSpec, parseDiskSpec, parsePairs, parseVifSpec, renderDiskSpec, renderPairs, renderVifSpec, VifSpec } from "./specs";

export interface DomainConfigModel {
  name?: string;
  uuid?: string;
  memory?: number;
  maxmem?: number;
  vcpus?: number;
  bootloader?: string;
  bootloaderArgs?: string;
  kernel?: string;
  ramdisk?: string;
  root?: string;
  extra?: string;
  cmdline?: string;
  disks: DiskSpec[];
  vifs: VifSpec[];
  /** each vfb as its key/value pairs in written order (vnc=1, vnclisten=…, sdl=1, …) */
  vfbs: Array<Array<[string, string]>>;
  onPoweroff?: string;
  onReboot?: string;
  onCrash?: string;
  /** every other key, by name */
  others: Record<string, ConfigValue>;
}

type ScalarField = "name" | "uuid" | "bootloader" | "bootloaderArgs" | "kernel" | "ramdisk" | "root" | "extra" | "cmdline" | "onPoweroff" | "onReboot" | "onCrash";
type IntField = "memory" | "maxmem" | "vcpus";

/** Config key of every typed field, in rendering order. */
const FIELD_KEYS: Array<[ScalarField | IntField | "disks" | "vifs" | "vfbs", string]> = [
  ["name", "name"],
  ["uuid", "uuid"],
  ["memory", "memory"],
  ["maxmem", "maxmem"],
  ["vcpus", "vcpus"],
  ["bootloader", "bootloader"],
  ["bootloaderArgs", "bootloader_args"],
  ["kernel", "kernel"],
  ["ramdisk", "ramdisk"],
  ["root", "root"],
  ["extra", "extra"],
  ["cmdline", "cmdline"],
  ["disks", "disk"],
  ["vifs", "vif"],
  ["vfbs", "vfb"],
  ["onPoweroff", "on_poweroff"],
  ["onReboot", "on_reboot"],
  ["onCrash", "on_crash"],
];
const INT_FIELDS = new Set(["memory", "maxmem", "vcpus"]);
const TYPED_KEYS = new Set(FIELD_KEYS.map(([, k]) => k));

export interface ParsedDomainConfig {
  model: DomainConfigModel;
  document: ConfigDocument;
  /** keys whose value xen-ha cannot evaluate (xm Python code), with the reason and line */
  unevaluated: Record<string, string>;
  /** values of the wrong type for their key, such as a non-numeric memory */
  problems: string[];
}

function asList(key: string, v: ConfigValue, problems: string[]): string[] {
  if (!Array.isArray(v)) {
    // xl and xend both accept a single spec string where a list is expected only for some keys; report it
    problems.push(`${key} should be a list of strings, found ${renderValue(v)}`);
    return typeof v === "string" ? [v] : [];
  }
  return v.map((x) => (typeof x === "string" ? x : renderValue(x)));
}

export function modelFromValues(values: Map<string, ConfigValue>, problems: string[] = []): DomainConfigModel {
  const model: DomainConfigModel = { disks: [], vifs: [], vfbs: [], others: {} };
  for (const [field, key] of FIELD_KEYS) {
    const v = values.get(key);
    if (v === undefined) continue;
    if (field === "disks") {
      for (const s of asList(key, v, problems)) {
        try {
          model.disks.push(parseDiskSpec(s));
        } catch (e) {
          problems.push(`disk ${JSON.stringify(s)}: ${(e as Error).message}`);
        }
      }
    } else if (field === "vifs") model.vifs = asList(key, v, problems).map(parseVifSpec);
    else if (field === "vfbs") model.vfbs = asList(key, v, problems).map(parsePairs);
    else if (INT_FIELDS.has(field)) {
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      if (Number.isInteger(n)) model[field as IntField] = n;
      else problems.push(`${key} should be an integer, found ${renderValue(v)}`);
    } else if (typeof v === "string") model[field as ScalarField] = v;
    else if (typeof v === "number") model[field as ScalarField] = String(v);
    else problems.push(`${key} should be a string, found a list`);
  }
  for (const [k, v] of values) if (!TYPED_KEYS.has(k)) model.others[k] = v;
  return model;
}

export function parseDomainConfig(text: string, flavour: Flavour): ParsedDomainConfig {
  const document = parseConfigDocument(text, flavour);
  const { values, unevaluated } = configValues(document);
  const problems: string[] = [];
  const model = modelFromValues(values, problems);
  return { model, document, unevaluated: Object.fromEntries(unevaluated), problems };
}

/** The config keys and values a model stands for, in rendering order. */
export function modelValues(model: DomainConfigModel): Array<[string, ConfigValue]> {
  const out: Array<[string, ConfigValue]> = [];
  for (const [field, key] of FIELD_KEYS) {
    if (field === "disks") {
      if (model.disks.length) out.push([key, model.disks.map(renderDiskSpec)]);
    } else if (field === "vifs") {
      if (model.vifs.length) out.push([key, model.vifs.map(renderVifSpec)]);
    } else if (field === "vfbs") {
      if (model.vfbs.length) out.push([key, model.vfbs.map(renderPairs)]);
    } else {
      const v = model[field];
      if (v !== undefined) out.push([key, v]);
    }
  }
  for (const k of Object.keys(model.others).sort()) out.push([k, model.others[k]]);
  return out;
}

/**
 * Renders the whole file. The same model always gives the same bytes, whatever the host, so that the file
 * can be compared across hosts. Both flavours share the syntax used here (KEY = literal).
 */
export function renderDomainConfig(model: DomainConfigModel, flavour: Flavour): string {
  const tool = flavour === "xm" ? "xm create" : "xl create";
  const lines = [
    `# Xen domain config for ${tool}, written by xen-ha. Edits made here are replaced on the next apply.`,
    ...modelValues(model).map(([k, v]) => `${k} = ${renderValue(v)}`),
  ];
  return lines.join("\n") + "\n";
}
