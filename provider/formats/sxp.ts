/**
 * S-expression reader with the exact lexical rules of xend's sxp.py (Xen 3.0–4.1), keeping byte offsets so
 * that an editor can change one value and leave every other byte of the file alone.
 *
 * Rules reproduced from xend (tools/python/xen/xend/sxp.py):
 * - `#` starts a comment to the end of the line, outside strings; inside an atom it ends the atom.
 * - strings are '…' or "…"; escapes \a \b \t \n \v \f \r \\ \' \" , octal \NNN and hex \xHH. An unknown
 *   escape keeps its backslash and (as xend's state machine does) drops the escaped character.
 * - atoms start with any printable ASCII character and end at white space, `#`, or one of `{}()<>[]!;`.
 * - a `)` with no open list, or end of file inside a list or string, is a parse error; so is a byte that is
 *   neither printable ASCII nor white space outside comments and strings.
 */

/** A decoded value, as xend's sxp.parse returns it: atoms and strings are strings, lists are arrays. */
export type SxpValue = string | SxpValue[];

export interface SxpNode {
  kind: "list" | "atom" | "string";
  /** offset of the first character (the `(`, the quote, or the atom's first character) */
  start: number;
  /** offset just past the last character */
  end: number;
  /** 1-based line of `start` */
  line: number;
  value: SxpValue;
  /** for lists: the element nodes */
  items?: SxpNode[];
}

export interface SxpComment {
  start: number;
  /** offset of the end of the comment (the newline is not part of it) */
  end: number;
  line: number;
  text: string;
}

export interface SxpDocument {
  text: string;
  /** top-level values in file order */
  nodes: SxpNode[];
  comments: SxpComment[];
}

export class SxpParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "SxpParseError";
  }
}

const SPACE = " \t\n\v\f\r";
const SEPARATORS = "{}()<>[]!;";
const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

function isPrintableAscii(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0x21 && code <= 0x7e;
}

class Reader {
  pos = 0;
  line = 1;
  readonly comments: SxpComment[] = [];
  constructor(readonly text: string) {}

  private advance(): string {
    const c = this.text[this.pos++];
    if (c === "\n") this.line++;
    return c;
  }

  /** Skips white space and comments; returns false at end of input. */
  private skip(): boolean {
    for (;;) {
      if (this.pos >= this.text.length) return false;
      const c = this.text[this.pos];
      if (c === "\x04") {
        // ctrl-D is end of text for xend's parser
        this.pos = this.text.length;
        return false;
      }
      if (SPACE.includes(c)) {
        this.advance();
      } else if (c === "#") {
        const start = this.pos;
        let end = this.text.indexOf("\n", start);
        if (end < 0) end = this.text.length;
        this.comments.push({ start, end, line: this.line, text: this.text.slice(start, end) });
        this.pos = end;
      } else {
        return true;
      }
    }
  }

  readAll(): SxpNode[] {
    const nodes: SxpNode[] = [];
    while (this.skip()) {
      if (this.text[this.pos] === ")") throw new SxpParseError(this.line, "syntax error: )");
      nodes.push(this.readValue());
    }
    return nodes;
  }

  private readValue(): SxpNode {
    const c = this.text[this.pos];
    if (c === "(") return this.readList();
    if (c === "'" || c === '"') return this.readString();
    if (isPrintableAscii(c)) return this.readAtom();
    throw new SxpParseError(this.line, `invalid character: code ${c.charCodeAt(0)}`);
  }

  private readList(): SxpNode {
    const start = this.pos;
    const line = this.line;
    this.advance();
    const items: SxpNode[] = [];
    for (;;) {
      if (!this.skip()) throw new SxpParseError(line, "unexpected EOF: unbalanced parenthesis (list opened here)");
      if (this.text[this.pos] === ")") {
        this.advance();
        return { kind: "list", start, end: this.pos, line, value: items.map((i) => i.value), items };
      }
      items.push(this.readValue());
    }
  }

  private readAtom(): SxpNode {
    const start = this.pos;
    const line = this.line;
    // an atom always takes its first character, even a separator
    this.advance();
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (SPACE.includes(c) || SEPARATORS.includes(c) || c === "#") break;
      this.advance();
    }
    return { kind: "atom", start, end: this.pos, line, value: this.text.slice(start, this.pos) };
  }

  private readString(): SxpNode {
    const start = this.pos;
    const line = this.line;
    const delim = this.advance();
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) throw new SxpParseError(line, "unexpected EOF: unterminated string");
      const c = this.advance();
      if (c === delim) break;
      if (c !== "\\") {
        out += c;
        continue;
      }
      if (this.pos >= this.text.length) throw new SxpParseError(line, "unexpected EOF: unterminated string");
      const e = this.advance();
      if (ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
      } else if (e === "x") {
        let digits = "";
        while (digits.length < 2 && /[0-9a-fA-F]/.test(this.text[this.pos] ?? "")) digits += this.advance();
        out += String.fromCharCode(digits ? parseInt(digits, 16) : 0);
      } else if (e >= "0" && e <= "7") {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(this.text[this.pos] ?? "")) digits += this.advance();
        const code = parseInt(digits, 8);
        if (code > 0xff) throw new SxpParseError(this.line, `invalid octal escape: out of range ${digits}`);
        out += String.fromCharCode(code);
      } else {
        out += "\\";
      }
    }
    return { kind: "string", start, end: this.pos, line, value: out };
  }
}

/** Parses a whole file; throws SxpParseError (with a 1-based line number) where xend would refuse it. */
export function parseSxp(text: string): SxpDocument {
  const r = new Reader(text);
  const nodes = r.readAll();
  return { text, nodes, comments: r.comments };
}

/** The element name of a list node (its first item when that is an atom or string). */
export function sxpName(node: SxpNode): string | undefined {
  if (node.kind !== "list" || !node.items || node.items.length === 0) return undefined;
  const first = node.items[0];
  return typeof first.value === "string" ? first.value : undefined;
}

/** Top-level lists named `key`, in file order. xend uses the first one (sxp.child_value). */
export function sxpEntries(doc: SxpDocument, key: string): SxpNode[] {
  return doc.nodes.filter((n) => sxpName(n) === key);
}

/**
 * xend's `child_value(config, key)`: the first item after the name of the FIRST top-level list named
 * `key`, or undefined when there is no such list or it has no value.
 */
export function sxpChildValue(doc: SxpDocument, key: string): SxpValue | undefined {
  const first = sxpEntries(doc, key)[0];
  return first?.items?.[1]?.value;
}

/** Same test as xend's sxp.atomp: can `s` be written without quotes and read back unchanged? */
export function isBareAtom(s: string): boolean {
  return /^[A-Za-z0-9._:/~-]+$/.test(s);
}

const QUOTE_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
};

/** Renders a string as a single-quoted sxp string that xend decodes back to exactly `s`. */
export function quoteSxp(s: string): string {
  return "'" + [...s].map((c) => QUOTE_ESCAPES[c] ?? c).join("") + "'";
}

/** Renders a string as a bare atom when that reads back unchanged, else quoted. */
export function renderSxpString(s: string): string {
  return isBareAtom(s) ? s : quoteSxp(s);
}

/** Compact rendering of a decoded value, for messages. */
export function showSxp(v: SxpValue): string {
  return Array.isArray(v) ? "(" + v.map(showSxp).join(" ") + ")" : renderSxpString(v);
}
