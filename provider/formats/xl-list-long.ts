/**
 * `xl list -l [NAME]`: a JSON array of `{ domid, config }` where config is libxl's domain config
 * (xen-samples/outputs/xl-list-l.xen-4.17.json). Default-valued fields are omitted by libxl, so every field is
 * optional here.
 */
import { DomainDetails, DomainDetailsParseError, DomainDisk, parseDiskSpec } from "./xm-list-long";

interface LibxlDisk {
  pdev_path?: string;
  vdev?: string;
  is_cdrom?: number | string;
}

interface LibxlNic {
  bridge?: string;
  mac?: string;
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function kbToMiB(v: unknown): number | null {
  return typeof v === "number" ? Math.floor(v / 1024) : null;
}

function diskFromLibxl(d: LibxlDisk): DomainDisk | null {
  if (!d.pdev_path) return null;
  const cdrom = d.is_cdrom === 1 || d.is_cdrom === "True";
  return { ...parseDiskSpec(d.pdev_path, d.vdev ?? null), cdrom };
}

export function parseXlListLong(text: string): DomainDetails[] {
  const start = text.search(/[[{]/);
  if (start < 0) throw new DomainDetailsParseError("no JSON in the output");
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start));
  } catch (e) {
    throw new DomainDetailsParseError(`not valid JSON: ${(e as Error).message}`);
  }
  const entries = Array.isArray(data) ? data : [data];
  return entries.map((entry) => {
    const e = asObject(entry);
    const config = asObject(e.config);
    const cInfo = asObject(config.c_info);
    const bInfo = asObject(config.b_info);
    if (typeof cInfo.name !== "string") throw new DomainDetailsParseError("an entry without config.c_info.name");
    const disks = (Array.isArray(config.disks) ? config.disks : [])
      .map((d) => diskFromLibxl(asObject(d) as LibxlDisk))
      .filter((d): d is DomainDisk => d !== null);
    const vifs = (Array.isArray(config.nics) ? config.nics : []).map((n) => {
      const nic = asObject(n) as LibxlNic;
      // libxl's default bridge is xenbr0 (xl.cfg(5)); the JSON omits it when unset.
      return { bridge: nic.bridge ?? "xenbr0", mac: nic.mac ?? null };
    });
    return {
      name: cInfo.name,
      domid: typeof e.domid === "number" ? e.domid : null,
      memoryMiB: kbToMiB(bInfo.target_memkb),
      maxMemoryMiB: kbToMiB(bInfo.max_memkb),
      vcpus: typeof bInfo.max_vcpus === "number" ? bInfo.max_vcpus : null,
      disks,
      vifs,
    };
  });
}
