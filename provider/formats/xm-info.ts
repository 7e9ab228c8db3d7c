/**
 * `xm info` and `xl info`: one `%-23s: value` line per key (both toolstacks print the same layout). Values
 * may be empty (`virt_caps              : `) and may contain colons (`node_to_cpu : node0:0-1`).
 */

export interface XenInfo {
  /** every key as printed, values trimmed */
  raw: Record<string, string>;
  host: string | null;
  totalMemoryMiB: number | null;
  freeMemoryMiB: number | null;
  xenMajor: number | null;
  xenMinor: number | null;
  /** e.g. `.2`, `.7` */
  xenExtra: string | null;
  /** `4.17.7` style, assembled from major/minor/extra when the toolstack does not print xen_version */
  xenVersion: string | null;
}

export class XenInfoParseError extends Error {
  constructor(reason: string) {
    super(`xm/xl info: ${reason}`);
    this.name = "XenInfoParseError";
  }
}

const LINE = /^([A-Za-z0-9_]+)\s*:(.*)$/;

export function parseXenInfo(text: string): XenInfo {
  const raw: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (!m) continue;
    // The first occurrence wins: a key is never repeated by the toolstack, so a repeat is noise.
    if (!(m[1] in raw)) raw[m[1]] = m[2].trim();
  }
  if (!("xen_major" in raw) && !("total_memory" in raw)) {
    throw new XenInfoParseError("no xen_major or total_memory line: not the output of xm/xl info");
  }
  const int = (k: string): number | null => (raw[k] !== undefined && /^\d+$/.test(raw[k]) ? Number(raw[k]) : null);
  const major = int("xen_major");
  const minor = int("xen_minor");
  const extra = raw.xen_extra ?? null;
  const version =
    raw.xen_version || (major !== null && minor !== null ? `${major}.${minor}${extra ?? ""}` : null) || null;
  return {
    raw,
    host: raw.host ?? null,
    totalMemoryMiB: int("total_memory"),
    freeMemoryMiB: int("free_memory"),
    xenMajor: major,
    xenMinor: minor,
    xenExtra: extra,
    xenVersion: version,
  };
}
