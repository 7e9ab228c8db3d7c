/**
 * /etc/exports (exports(5)): a parser that keeps every byte, and an editor that changes one path's entry.
 *
 * Round trip: `renderExports(parseExports(t)) === t` for any text. The file is cut into logical lines the way
 * nfs-utils reads it (support/nfs/xio.c): a backslash right before a newline continues the line, a `#` at the
 * start of a token starts a comment that runs to the end of the physical line (and never continues), double
 * quotes group a token that holds blanks, and an export path may use `\040`-style octal escapes.
 *
 * An entry is `PATH [-DEFAULT_OPTIONS] CLIENT[(OPTIONS)] ...`. Clients without parentheses take the default
 * options; clients with parentheses take the defaults overridden by their own (nfs-utils copies the defaults,
 * then parses the client's options on top), which is what {@link effectiveOptions} returns.
 *
 * Duplicates: when several active entries export the same path, the editor keeps the FIRST one (rewritten in
 * place) and comments every physical line of the others out with {@link EXPORTS_DUPLICATE_MARK} in front of
 * the original text; exportfs would otherwise merge or warn about them, and the operator keeps seeing them.
 */
import { mangleOctal, normalizeMountPath, unmangleOctal } from "./fstab-octal-escape";

export const EXPORTS_DUPLICATE_MARK = "# xen-ha: disabled duplicate: ";

export interface ExportClient {
  /** Host, wildcard, CIDR, `@netgroup`, or `*`; empty when the options stand alone (`(ro)` means everyone). */
  host: string;
  /** Options in parentheses; null when the client has none (it then takes the default options). */
  options: string[] | null;
}

export interface ExportEntry {
  /** Exported directory (decoded). */
  path: string;
  /** Options of a `-opt,opt` token right after the path; null when there is none. */
  defaultOptions: string[] | null;
  clients: ExportClient[];
}

interface EntryLayout {
  /** Indentation before the path. */
  lead: string;
  /** Whitespace between the path and the next token when it stays on the path's physical line. */
  sep: string;
  /** A trailing `# comment` with the whitespace before it, or "". */
  comment: string;
}

export type ExportsLine =
  | { kind: "blank" | "comment" | "invalid"; raw: string; eol: string }
  | { kind: "entry"; raw: string; eol: string; entry: ExportEntry; layout: EntryLayout };

export interface ExportsFile {
  lines: ExportsLine[];
}

/** Cuts text into logical lines: continuation lines stay inside their line's raw text. */
function splitLogicalLines(text: string): { raw: string; eol: string }[] {
  const out: { raw: string; eol: string }[] = [];
  let start = 0;
  let inQuote = false;
  let tokenStart = true;
  let inComment = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      out.push({ raw: text.slice(start, i), eol: "\n" });
      i += 1;
      start = i;
      inQuote = false;
      tokenStart = true;
      inComment = false;
    } else if (inComment) {
      i += 1;
    } else if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      if (!inQuote) tokenStart = true;
    } else if (c === '"') {
      inQuote = !inQuote;
      tokenStart = false;
      i += 1;
    } else if (!inQuote && (c === " " || c === "\t")) {
      tokenStart = true;
      i += 1;
    } else if (!inQuote && tokenStart && c === "#") {
      inComment = true;
      i += 1;
    } else {
      tokenStart = false;
      i += 1;
    }
  }
  if (start < text.length) out.push({ raw: text.slice(start), eol: "" });
  return out;
}

interface Token {
  /** The token with quotes removed (escapes not yet decoded). */
  value: string;
  /** Whitespace (including continuations) before it. */
  before: string;
}

function tokenize(raw: string): { tokens: Token[]; comment: string; unbalanced: boolean } {
  const tokens: Token[] = [];
  let i = 0;
  let comment = "";
  let unbalanced = false;
  while (i < raw.length) {
    const wsStart = i;
    while (i < raw.length) {
      if (raw[i] === " " || raw[i] === "\t") i += 1;
      else if (raw[i] === "\\" && raw[i + 1] === "\n") i += 2;
      else break;
    }
    const before = raw.slice(wsStart, i);
    if (i >= raw.length) {
      comment = before;
      break;
    }
    if (raw[i] === "#") {
      comment = raw.slice(wsStart);
      break;
    }
    let value = "";
    let inQuote = false;
    while (i < raw.length) {
      const c = raw[i];
      if (c === '"') {
        inQuote = !inQuote;
        i += 1;
      } else if (c === "\\" && raw[i + 1] === "\n") {
        if (!inQuote) break;
        value += " ";
        i += 2;
      } else if (!inQuote && (c === " " || c === "\t")) {
        break;
      } else {
        value += c;
        i += 1;
      }
    }
    if (inQuote) unbalanced = true;
    tokens.push({ value, before });
  }
  return { tokens, comment, unbalanced };
}

function parseClient(token: string): ExportClient | null {
  const open = token.indexOf("(");
  if (open < 0) return { host: token, options: null };
  if (!token.endsWith(")") || token.indexOf(")") !== token.length - 1) return null;
  const inner = token.slice(open + 1, -1);
  return { host: token.slice(0, open), options: inner === "" ? [] : inner.split(",") };
}

function parseLogicalLine(raw: string, eol: string): ExportsLine {
  if (/^[ \t]*$/.test(raw)) return { kind: "blank", raw, eol };
  if (/^[ \t]*#/.test(raw)) return { kind: "comment", raw, eol };
  const { tokens, comment, unbalanced } = tokenize(raw);
  if (unbalanced || tokens.length === 0 || !tokens[0].value.startsWith("/")) return { kind: "invalid", raw, eol };
  let rest = tokens.slice(1);
  let defaultOptions: string[] | null = null;
  if (rest.length > 0 && rest[0].value.startsWith("-")) {
    defaultOptions = rest[0].value.slice(1) === "" ? [] : rest[0].value.slice(1).split(",");
    rest = rest.slice(1);
  }
  const clients: ExportClient[] = [];
  for (const t of rest) {
    const c = parseClient(t.value);
    if (c === null) return { kind: "invalid", raw, eol };
    clients.push(c);
  }
  const sepToken = tokens[1];
  const sep = sepToken !== undefined && !sepToken.before.includes("\n") ? sepToken.before : " ";
  return {
    kind: "entry",
    raw,
    eol,
    entry: { path: unmangleOctal(tokens[0].value), defaultOptions, clients },
    layout: { lead: tokens[0].before, sep, comment },
  };
}

export function parseExports(text: string): ExportsFile {
  return { lines: splitLogicalLines(text).map(({ raw, eol }) => parseLogicalLine(raw, eol)) };
}

export function renderExports(file: ExportsFile): string {
  return file.lines.map((l) => l.raw + l.eol).join("");
}

/** The options a client really gets: the entry's defaults, then its own on top. */
export function effectiveOptions(entry: ExportEntry, client: ExportClient): string[] {
  return [...(entry.defaultOptions ?? []), ...(client.options ?? [])];
}

/** True when both entries export the same path to the same clients, in the same order, with the same options. */
export function exportEntryEquals(a: ExportEntry, b: ExportEntry): boolean {
  if (normalizeMountPath(a.path) !== normalizeMountPath(b.path) || a.clients.length !== b.clients.length) return false;
  return a.clients.every(
    (c, i) =>
      c.host === b.clients[i].host && effectiveOptions(a, c).join(",") === effectiveOptions(b, b.clients[i]).join(","),
  );
}

/** Export path as a token: blanks, newlines and backslashes as octal escapes, a leading `#`/`"` too. */
export function exportsPathToken(path: string): string {
  return mangleOctal(path, '"');
}

export function renderExportEntry(e: ExportEntry, sep = " "): string {
  const clients = e.clients.map((c) => c.host + (c.options === null ? "" : `(${c.options.join(",")})`));
  const defaults = e.defaultOptions === null ? [] : [`-${e.defaultOptions.join(",")}`];
  return [exportsPathToken(e.path), [...defaults, ...clients].join(" ")].filter((s) => s !== "").join(sep);
}

/** Active entries for `path` (slashes normalised), in file order. */
export function findExports(file: ExportsFile, path: string): { index: number; entry: ExportEntry }[] {
  const want = normalizeMountPath(path);
  const out: { index: number; entry: ExportEntry }[] = [];
  file.lines.forEach((l, index) => {
    if (l.kind === "entry" && normalizeMountPath(l.entry.path) === want) out.push({ index, entry: l.entry });
  });
  return out;
}

/** 1-based physical line number where logical line `index` starts. */
function physicalLineNumber(file: ExportsFile, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i += 1) n += physicalLineCount(file.lines[i]);
  return n;
}

function physicalLineCount(l: ExportsLine): number {
  return (l.raw.match(/\n/g) ?? []).length + (l.eol ? 1 : 0);
}

/** The 1-based physical line numbers the active entries for `path` occupy (continuation lines included). */
export function exportLineNumbers(file: ExportsFile, path: string): number[] {
  return findExports(file, path).flatMap(({ index }) => {
    const start = physicalLineNumber(file, index);
    const n = (file.lines[index].raw.match(/\n/g) ?? []).length + 1;
    return Array.from({ length: n }, (_v, k) => start + k);
  });
}

export interface ExportsEdit {
  file: ExportsFile;
  changed: boolean;
  /** 1-based line numbers where the duplicates that were disabled (or removed) started. */
  duplicates: number[];
}

/**
 * Makes `entry` the one active entry for its path: the first existing one is rewritten in place (or kept
 * byte-for-byte when it already means the same), later duplicates are commented out, and when there is none
 * the entry is appended.
 */
export function setExport(file: ExportsFile, entry: ExportEntry): ExportsEdit {
  const matches = findExports(file, entry.path);
  const lines = file.lines.slice();
  const duplicates: number[] = [];
  if (matches.length === 0) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.eol === "") lines[lines.length - 1] = { ...last, eol: "\n" };
    lines.push(parseLogicalLine(renderExportEntry(entry), "\n"));
    return { file: { lines }, changed: true, duplicates };
  }
  let changed = false;
  const first = lines[matches[0].index];
  if (first.kind === "entry" && !exportEntryEquals(first.entry, entry)) {
    const { lead, sep, comment } = first.layout;
    lines[matches[0].index] = parseLogicalLine(lead + renderExportEntry(entry, sep) + comment, first.eol);
    changed = true;
  }
  for (const m of matches.slice(1)) {
    const l = lines[m.index];
    const disabled = l.raw
      .split("\n")
      .map((p) => EXPORTS_DUPLICATE_MARK + p)
      .join("\n");
    lines[m.index] = { kind: "comment", raw: disabled, eol: l.eol };
    duplicates.push(physicalLineNumber(file, m.index));
    changed = true;
  }
  return { file: { lines }, changed, duplicates };
}

/** Removes every active entry for `path` (with its continuation lines); everything else stays byte-for-byte. */
export function removeExport(file: ExportsFile, path: string): ExportsEdit {
  const matches = findExports(file, path);
  if (matches.length === 0) return { file, changed: false, duplicates: [] };
  const drop = new Set(matches.map((m) => m.index));
  return {
    file: { lines: file.lines.filter((_l, i) => !drop.has(i)) },
    changed: true,
    duplicates: matches.slice(1).map((m) => physicalLineNumber(file, m.index)),
  };
}
