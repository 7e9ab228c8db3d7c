/**
 * /etc/fstab (fstab(5)): a parser that keeps every byte, and an editor that changes one mount point's line.
 *
 * Round trip: `renderFstab(parseFstab(t)) === t` for any text. Each physical line is kept verbatim unless the
 * editor rewrites it; a rewritten line keeps its leading whitespace, the whitespace between fields (tabs stay
 * tabs) and its trailing comment.
 *
 * Field rules follow glibc's getmntent and libmount: fields are separated by runs of blanks, `\040`-style octal
 * escapes stand for space, tab, newline and backslash, missing trailing fields default (options `defaults`,
 * dump 0, pass 0; a missing type is reported as null). A token that starts with `#` after the first field
 * starts a trailing comment.
 *
 * Duplicates: when several active lines name the same mount point, the editor keeps the FIRST one (rewritten in
 * place) and comments the others out with {@link FSTAB_DUPLICATE_MARK} in front of their original text, so the
 * operator can still see what was there and nothing is lost.
 */
import { mangleOctal, normalizeMountPath, unmangleOctal } from "./fstab-octal-escape";

export const FSTAB_DUPLICATE_MARK = "# xen-ha: disabled duplicate: ";

export interface FstabEntry {
  /** Device or remote filesystem (decoded): `10.10.10.30:/data`, `UUID=…`, `LABEL=…`, `/dev/sda1`. */
  source: string;
  /** Mount point (decoded). */
  mountPoint: string;
  /** Filesystem type; null when the line stops before it. */
  fsType: string | null;
  /** Mount options; `["defaults"]` when the line stops before them. */
  options: string[];
  dump: number;
  pass: number;
}

interface EntryLayout {
  /** Whitespace before each field; `seps[0]` is the line's indentation. */
  seps: string[];
  /** Raw field texts as written. */
  fields: string[];
  /** Whatever follows the last field: trailing blanks, a `# comment`, extra tokens. */
  tail: string;
}

export type FstabLine =
  | { kind: "blank" | "comment" | "invalid"; raw: string; eol: string }
  | { kind: "entry"; raw: string; eol: string; entry: FstabEntry; layout: EntryLayout };

export interface FstabFile {
  lines: FstabLine[];
}

/** Splits text into physical lines, each with its own end of line ("\n" or "" for the last). */
export function splitPhysicalLines(text: string): { body: string; eol: string }[] {
  const out: { body: string; eol: string }[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) {
      out.push({ body: text.slice(start), eol: "" });
      break;
    }
    out.push({ body: text.slice(start, nl), eol: "\n" });
    start = nl + 1;
  }
  return out;
}

function parseLine(body: string, eol: string): FstabLine {
  if (/^[ \t]*$/.test(body)) return { kind: "blank", raw: body, eol };
  if (/^[ \t]*#/.test(body)) return { kind: "comment", raw: body, eol };
  const seps: string[] = [];
  const fields: string[] = [];
  let pos = 0;
  let tail = "";
  const re = /([ \t\r]*)([^ \t\r]+)/y;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) {
      tail = body.slice(pos);
      break;
    }
    if (fields.length >= 6 || (fields.length >= 1 && m[2].startsWith("#"))) {
      tail = body.slice(pos);
      break;
    }
    seps.push(m[1]);
    fields.push(m[2]);
    pos = re.lastIndex;
  }
  if (fields.length < 2) return { kind: "invalid", raw: body, eol };
  const num = (s: string | undefined): number => (s !== undefined && /^\d+$/.test(s) ? Number(s) : 0);
  const entry: FstabEntry = {
    source: unmangleOctal(fields[0]),
    mountPoint: unmangleOctal(fields[1]),
    fsType: fields[2] !== undefined ? unmangleOctal(fields[2]) : null,
    options: fields[3] !== undefined ? unmangleOctal(fields[3]).split(",") : ["defaults"],
    dump: num(fields[4]),
    pass: num(fields[5]),
  };
  return { kind: "entry", raw: body, eol, entry, layout: { seps, fields, tail } };
}

export function parseFstab(text: string): FstabFile {
  return { lines: splitPhysicalLines(text).map(({ body, eol }) => parseLine(body, eol)) };
}

export function renderFstab(file: FstabFile): string {
  return file.lines.map((l) => l.raw + l.eol).join("");
}

/** The six fields as fstab text (escaped). */
export function fstabFields(e: FstabEntry): string[] {
  return [
    mangleOctal(e.source),
    mangleOctal(e.mountPoint),
    mangleOctal(e.fsType ?? "auto"),
    mangleOctal(e.options.join(",")),
    String(e.dump),
    String(e.pass),
  ];
}

/** True when the two entries mean the same line (options compared in order, as mount(8) applies them). */
export function fstabEntryEquals(a: FstabEntry, b: FstabEntry): boolean {
  return (
    a.source === b.source &&
    normalizeMountPath(a.mountPoint) === normalizeMountPath(b.mountPoint) &&
    a.fsType === b.fsType &&
    a.options.join(",") === b.options.join(",") &&
    a.dump === b.dump &&
    a.pass === b.pass
  );
}

/** The separator style of the file: a tab if any entry separates its fields with tabs, else one space. */
function fileSeparator(file: FstabFile): string {
  for (const l of file.lines) if (l.kind === "entry" && l.layout.seps.slice(1).some((s) => s.includes("\t"))) return "\t";
  return " ";
}

function renderEntryBody(e: FstabEntry, layout: EntryLayout | null, defaultSep: string): string {
  const fields = fstabFields(e);
  const seps = layout?.seps ?? [""];
  let lastSep = seps.length > 1 ? seps[seps.length - 1] : defaultSep;
  let out = seps[0];
  fields.forEach((f, i) => {
    if (i > 0) {
      const sep = seps[i];
      if (sep !== undefined && sep !== "") lastSep = sep;
      out += sep !== undefined && sep !== "" ? sep : lastSep;
    }
    out += f;
  });
  return out + (layout?.tail ?? "");
}

/** Active entries whose mount point is `mountPoint` (after normalising slashes), in file order. */
export function findFstabEntries(file: FstabFile, mountPoint: string): { index: number; entry: FstabEntry }[] {
  const want = normalizeMountPath(mountPoint);
  const out: { index: number; entry: FstabEntry }[] = [];
  file.lines.forEach((l, index) => {
    if (l.kind === "entry" && normalizeMountPath(l.entry.mountPoint) === want) out.push({ index, entry: l.entry });
  });
  return out;
}

export interface FstabEdit {
  file: FstabFile;
  changed: boolean;
  /** 1-based line numbers of duplicates that were commented out (or removed, for removeFstabEntry). */
  duplicates: number[];
}

/**
 * Makes `entry` the one active line for its mount point: the first existing line is rewritten in place (or
 * kept byte-for-byte when it already says the same), later duplicates are commented out, and when there is
 * none the line is appended at the end.
 */
export function setFstabEntry(file: FstabFile, entry: FstabEntry): FstabEdit {
  const matches = findFstabEntries(file, entry.mountPoint);
  const lines = file.lines.slice();
  let changed = false;
  const duplicates: number[] = [];
  if (matches.length === 0) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.eol === "") lines[lines.length - 1] = { ...last, eol: "\n" };
    lines.push(parseLine(renderEntryBody(entry, null, fileSeparator(file)), "\n"));
    return { file: { lines }, changed: true, duplicates };
  }
  const first = lines[matches[0].index];
  if (first.kind === "entry" && !fstabEntryEquals(first.entry, entry)) {
    lines[matches[0].index] = parseLine(renderEntryBody(entry, first.layout, fileSeparator(file)), first.eol);
    changed = true;
  }
  for (const m of matches.slice(1)) {
    const l = lines[m.index];
    lines[m.index] = { kind: "comment", raw: FSTAB_DUPLICATE_MARK + l.raw, eol: l.eol };
    duplicates.push(m.index + 1);
    changed = true;
  }
  return { file: { lines }, changed, duplicates };
}

/** Removes every active line for the mount point; everything else stays byte-for-byte. */
export function removeFstabEntry(file: FstabFile, mountPoint: string): FstabEdit {
  const matches = findFstabEntries(file, mountPoint);
  if (matches.length === 0) return { file, changed: false, duplicates: [] };
  const drop = new Set(matches.map((m) => m.index));
  const lines = file.lines.filter((_l, i) => !drop.has(i));
  return { file: { lines }, changed: true, duplicates: matches.slice(1).map((m) => m.index + 1) };
}
