/**
 * Lossless reader for Xen domain config files in both flavours:
 * - xm: Python executed by xend (`xm create`); only str, list, int and float locals count, and the last
 *   assignment of a name wins. Statements that are not literal assignments (def, calls, `%` formatting) are
 *   kept as code and their names reported as not evaluable.
 * - xl: xl.cfg(5), not Python: `KEY = VALUE` or `KEY += VALUE`, separated by newlines or `;`; values are
 *   quoted strings, numbers or lists of them; `#` comments.
 * The file is split into segments whose texts concatenate back to the exact input.
 */

export type Flavour = "xm" | "xl";
export type ConfigValue = string | number | ConfigValue[];

export type Segment =
  /** blank lines and comment-only lines */
  | { kind: "trivia"; text: string; line: number }
  /** `key = literal` (or `+=` in xl); value undefined when the right-hand side is not a literal we evaluate */
  | {
      kind: "assign";
      text: string;
      line: number;
      key: string;
      op: "=" | "+=";
      value: ConfigValue | undefined;
      /** why value is undefined: a computed expression, or a Python type xend ignores (tuple, bool, None) */
      unevaluated?: string;
    }
  /** any other statement (xm only): def, calls, control flow */
  | { kind: "code"; text: string; line: number };

export interface ConfigDocument {
  flavour: Flavour;
  segments: Segment[];
}

export class ConfigSyntaxError extends Error {
  constructor(
    readonly flavour: Flavour,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${flavour} domain config, line ${line}: ${reason}`);
    this.name = "ConfigSyntaxError";
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

interface Cursor {
  text: string;
  pos: number;
  flavour: Flavour;
  line: () => number;
}

const PY_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/** Reads a string literal at c.pos (xm: Python 2 rules incl. prefixes and triple quotes; xl: '…' or "…"). */
function readString(c: Cursor): string | undefined {
  const { text } = c;
  let p = c.pos;
  let raw = false;
  if (c.flavour === "xm") {
    const m = /^[rRuUbB]{1,2}(?=['"])/.exec(text.slice(p, p + 3));
    if (m) {
      raw = /[rR]/.test(m[0]);
      p += m[0].length;
    }
  }
  const q = text[p];
  if (q !== "'" && q !== '"') return undefined;
  const triple = c.flavour === "xm" && text.startsWith(q.repeat(3), p);
  const delim = triple ? q.repeat(3) : q;
  p += delim.length;
  let out = "";
  for (;;) {
    if (p >= text.length) throw new ConfigSyntaxError(c.flavour, c.line(), "unterminated string");
    if (text.startsWith(delim, p)) {
      p += delim.length;
      break;
    }
    const ch = text[p];
    if (ch === "\n" && !triple) throw new ConfigSyntaxError(c.flavour, c.line(), "end of line inside a string");
    if (ch !== "\\") {
      out += ch;
      p++;
      continue;
    }
    const e = text[p + 1];
    if (e === undefined) throw new ConfigSyntaxError(c.flavour, c.line(), "unterminated string");
    if (raw) {
      out += ch + e;
      p += 2;
    } else if (PY_ESCAPES[e] !== undefined) {
      out += PY_ESCAPES[e];
      p += 2;
    } else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(p + 2, p + 4))) {
      out += String.fromCharCode(parseInt(text.slice(p + 2, p + 4), 16));
      p += 4;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(text.slice(p + 1, p + 4))!;
      out += String.fromCharCode(parseInt(m[0], 8));
      p += 1 + m[0].length;
    } else {
      // Python keeps an unknown escape as written
      out += ch + e;
      p += 2;
    }
  }
  c.pos = p;
  return out;
}

function skipSpace(c: Cursor, newlines: boolean): void {
  for (;;) {
    const ch = c.text[c.pos];
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f") c.pos++;
    else if (ch === "\\" && c.flavour === "xm" && c.text[c.pos + 1] === "\n") c.pos += 2;
    else if (newlines && ch === "\n") c.pos++;
    else if (newlines && ch === "#") {
      while (c.pos < c.text.length && c.text[c.pos] !== "\n") c.pos++;
    } else return;
  }
}

/** Reads a literal; returns undefined (position unchanged) when the text there is not a literal. */
function readLiteral(c: Cursor, inList: boolean): ConfigValue | undefined {
  const start = c.pos;
  const s = readString(c);
  if (s !== undefined) {
    if (c.flavour === "xm") {
      // adjacent literals concatenate in Python
      let joined = s;
      for (;;) {
        const save = c.pos;
        skipSpace(c, inList);
        const next = readString(c);
        if (next === undefined) {
          c.pos = save;
          break;
        }
        joined += next;
      }
      return joined;
    }
    return s;
  }
  if (c.text[c.pos] === "[") {
    c.pos++;
    const items: ConfigValue[] = [];
    for (;;) {
      skipSpace(c, true);
      if (c.text[c.pos] === "]") {
        c.pos++;
        return items;
      }
      const item = readLiteral(c, true);
      if (item === undefined) {
        c.pos = start;
        return undefined;
      }
      items.push(item);
      skipSpace(c, true);
      if (c.text[c.pos] === ",") c.pos++;
      else if (c.text[c.pos] !== "]") {
        c.pos = start;
        return undefined;
      }
    }
  }
  const num =
    c.flavour === "xm"
      ? /^[+-]?(?:0[xX][0-9a-fA-F]+[lL]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[lL]?)(?![A-Za-z0-9_.])/
      : /^(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?)(?![A-Za-z0-9_.])/;
  const m = num.exec(c.text.slice(c.pos, c.pos + 64));
  if (m) {
    c.pos += m[0].length;
    const t = m[0].replace(/[lL]$/, "");
    return /^[+-]?0[xX]/.test(t) ? parseInt(t, 16) : Number(t);
  }
  return undefined;
}

/** Offset of the end of the statement starting at `from` (after its newline, or after `;` in xl). */
function statementEnd(text: string, from: number, flavour: Flavour): number {
  let depth = 0;
  let p = from;
  while (p < text.length) {
    const ch = text[p];
    if (ch === "#") {
      while (p < text.length && text[p] !== "\n") p++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const c: Cursor = { text, pos: p, flavour, line: () => lineOf(text, p) };
      readString(c);
      p = c.pos;
      continue;
    }
    if (flavour === "xm" && /[rRuUbB]/.test(ch) && /^[rRuUbB]{1,2}['"]/.test(text.slice(p, p + 3)) && !/[A-Za-z0-9_]/.test(text[p - 1] ?? "")) {
      const c: Cursor = { text, pos: p, flavour, line: () => lineOf(text, p) };
      readString(c);
      p = c.pos;
      continue;
    }
    if (ch === "\\" && flavour === "xm" && text[p + 1] === "\n") {
      p += 2;
      continue;
    }
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth = Math.max(0, depth - 1);
    else if (ch === "\n" && depth === 0) {
      // an indented block (def, if, for) continues while lines are indented or blank
      if (flavour === "xm" && /^\s*(def|if|for|while|try|class|with|elif|else|except|finally)\b.*:\s*(#.*)?$/.test(firstLine(text, from))) {
        let q = p + 1;
        while (q < text.length) {
          const e = text.indexOf("\n", q);
          const l = text.slice(q, e < 0 ? text.length : e);
          if (l.trim() !== "" && !/^[ \t]/.test(l)) break;
          q = e < 0 ? text.length : e + 1;
        }
        // blank lines after the block belong to the following trivia
        while (q > p + 1) {
          const prevStart = text.lastIndexOf("\n", q - 2) + 1;
          if (text.slice(prevStart, q).trim() !== "") break;
          q = prevStart;
        }
        return q;
      }
      return p + 1;
    } else if (ch === ";" && depth === 0 && flavour === "xl") return p + 1;
    p++;
  }
  return text.length;
}

function firstLine(text: string, from: number): string {
  const e = text.indexOf("\n", from);
  return text.slice(from, e < 0 ? text.length : e);
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") n++;
  return n;
}

function parseStatement(text: string, flavour: Flavour, line: number): Segment {
  const c: Cursor = { text, pos: 0, flavour, line: () => line };
  skipSpace(c, false);
  const id = IDENT.exec(text.slice(c.pos));
  if (id) {
    c.pos += id[0].length;
    skipSpace(c, false);
    let op: "=" | "+=" | undefined;
    if (text.startsWith("+=", c.pos) && flavour === "xl") op = "+=";
    else if (text[c.pos] === "=" && text[c.pos + 1] !== "=") op = "=";
    if (op) {
      c.pos += op.length;
      skipSpace(c, false);
      const key = id[0];
      const valueStart = c.pos;
      const value = readLiteral(c, false);
      skipSpace(c, false);
      const rest = text.slice(c.pos);
      const tailOk = /^(#[^\n]*)?\n?$/.test(rest) || (flavour === "xl" && /^;$/.test(rest.trimEnd()));
      if (value !== undefined && tailOk) return { kind: "assign", text, line, key, op, value };
      if (flavour === "xl") throw new ConfigSyntaxError(flavour, line, `cannot parse the value of ${key}`);
      const rhs = text.slice(valueStart).trim();
      const ignoredType = /^(True|False|None|\(.*\))\s*(#.*)?$/s.test(rhs);
      return {
        kind: "assign",
        text,
        line,
        key,
        op,
        value: undefined,
        unevaluated: ignoredType ? "not a str, list, int or float: xend ignores it" : "computed by Python code",
      };
    }
  }
  if (flavour === "xl") throw new ConfigSyntaxError(flavour, line, `expected KEY = VALUE, found ${JSON.stringify(text.trim())}`);
  return { kind: "code", text, line };
}

/** Splits a domain config file into segments; throws ConfigSyntaxError on what the toolstack would refuse. */
export function parseConfigDocument(text: string, flavour: Flavour): ConfigDocument {
  const segments: Segment[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const e = text.indexOf("\n", pos);
    const lineText = text.slice(pos, e < 0 ? text.length : e + 1);
    if (/^\s*(#.*)?\s*$/.test(lineText)) {
      const last = segments[segments.length - 1];
      if (last && last.kind === "trivia") last.text += lineText;
      else segments.push({ kind: "trivia", text: lineText, line });
      pos += lineText.length;
      line++;
      continue;
    }
    const end = statementEnd(text, pos, flavour);
    const stmt = text.slice(pos, end);
    segments.push(parseStatement(stmt, flavour, line));
    line += (stmt.match(/\n/g) ?? []).length;
    pos = end;
  }
  return { flavour, segments };
}

export function renderConfigDocument(doc: ConfigDocument): string {
  return doc.segments.map((s) => s.text).join("");
}

/** Evaluates the assignments the way the toolstack does: the last `=` wins, xl's `+=` appends. */
export function configValues(doc: ConfigDocument): { values: Map<string, ConfigValue>; unevaluated: Map<string, string> } {
  const values = new Map<string, ConfigValue>();
  const unevaluated = new Map<string, string>();
  for (const s of doc.segments) {
    if (s.kind !== "assign") continue;
    if (s.value === undefined) {
      values.delete(s.key);
      unevaluated.set(s.key, `line ${s.line}: ${s.unevaluated}`);
      continue;
    }
    unevaluated.delete(s.key);
    const prev = values.get(s.key);
    if (s.op === "+=" && prev !== undefined) {
      if (Array.isArray(prev) && Array.isArray(s.value)) values.set(s.key, [...prev, ...s.value]);
      else values.set(s.key, String(prev) + String(s.value));
    } else values.set(s.key, s.value);
  }
  return { values, unevaluated };
}

function quote(s: string): string {
  return '"' + s.replace(/[\\"\n\t\r]/g, (ch) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" })[ch]!) + '"';
}

/** Renders a value the same way for both flavours: double-quoted strings, decimal numbers, one-line lists. */
export function renderValue(v: ConfigValue): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return quote(v);
  if (v.length === 0) return "[]";
  return "[ " + v.map(renderValue).join(", ") + " ]";
}
