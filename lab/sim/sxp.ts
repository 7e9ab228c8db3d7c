/**
 * S-expressions as xend reads and prints them (tools/python/xen/xend/sxp.py and PrettyPrint.py).
 * Reading follows xend's character state machine, including its quirks: `#` starts a comment only where an
 * atom or a list item may start, an unknown backslash escape keeps its backslash (and drops the escaped character), a stray `)` at top level
 * is "syntax error: )" and an unclosed list or string is "unexpected EOF".
 */
export type Sxp = string | Sxp[];

export class SxpParseError extends Error {}

const ESCAPES: Record<string, string> = {
  a: "\x07", b: "\b", t: "\t", n: "\n", v: "\v", f: "\f", r: "\r", "\\": "\\", "'": "'", '"': '"',
};
const SPACE = " \t\n\v\f\r";
const SEPARATORS = "{}()<>[]!;";
const PRINTABLE = /^[\x20-\x7e\t\n\r\v\f]$/;

/** Every top-level value of `text`, in order (xend's `sxp.parse`, which returns None for an empty file). */
export function parseSxpAll(text: string): Sxp[] {
  const out: Sxp[] = [];
  const stack: Sxp[][] = [];
  let i = 0;
  const push = (v: Sxp): void => {
    if (stack.length) stack[stack.length - 1].push(v);
    else out.push(v);
  };
  while (i < text.length) {
    const c = text[i];
    if (SPACE.includes(c)) { i++; continue; }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "(") { stack.push([]); i++; continue; }
    if (c === ")") {
      if (!stack.length) throw new SxpParseError("syntax error: )");
      const done = stack.pop() as Sxp[];
      push(done);
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const [s, next] = readString(text, i + 1, c);
      push(s);
      i = next;
      continue;
    }
    if (c === "\x04") break;
    if (!PRINTABLE.test(c)) throw new SxpParseError(`invalid character: code ${c.charCodeAt(0)}`);
    let j = i;
    while (j < text.length && !SEPARATORS.includes(text[j]) && !SPACE.includes(text[j]) && text[j] !== "#") j++;
    if (j === i) {
      // A separator other than parentheses starts an atom of its own in xend's state machine.
      j = i + 1;
      while (j < text.length && !SEPARATORS.includes(text[j]) && !SPACE.includes(text[j]) && text[j] !== "#") j++;
    }
    push(text.slice(i, j));
    i = j;
  }
  if (stack.length) throw new SxpParseError("unexpected EOF");
  return out;
}

function readString(text: string, start: number, delim: string): [string, number] {
  let buf = "";
  let i = start;
  for (;;) {
    if (i >= text.length) throw new SxpParseError("unexpected EOF");
    const c = text[i];
    if (c === delim) return [buf, i + 1];
    if (c !== "\\") { buf += c; i++; continue; }
    i++;
    if (i >= text.length) throw new SxpParseError("unexpected EOF");
    const e = text[i];
    if (ESCAPES[e] !== undefined) { buf += ESCAPES[e]; i++; continue; }
    if (e === "x") {
      let digits = "";
      i++;
      while (digits.length < 2 && i < text.length && /[0-9a-fA-F]/.test(text[i])) digits += text[i++];
      if (i >= text.length && digits.length < 2) throw new SxpParseError("unexpected EOF");
      buf += String.fromCharCode(parseInt(digits || "0", 16));
      continue;
    }
    if (/[0-7]/.test(e)) {
      let digits = "";
      while (digits.length < 3 && i < text.length && /[0-7]/.test(text[i])) digits += text[i++];
      const v = parseInt(digits, 8);
      if (v > 0xff) throw new SxpParseError("invalid octal escape: out of range " + digits);
      buf += String.fromCharCode(v);
      continue;
    }
    // Unknown escape: sxp.py's state_escape appends a backslash and pops without re-reading the character,
    // so "\\q" reads as a lone backslash and the q is lost.
    buf += "\\";
    i++;
  }
}

/** The first child list of `list` whose name is `name` (xend's sxp.child: the first entry wins). */
export function child(list: Sxp, name: string): Sxp[] | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const x of list.slice(1)) if (Array.isArray(x) && x[0] === name) return x;
  return undefined;
}

/** Value of the first `(name value)` child, or undefined (xend's sxp.child_value). */
export function childValue(list: Sxp, name: string): Sxp | undefined {
  const c = child(list, name);
  return c && c.length > 1 ? c[1] : undefined;
}

/** True when xend prints `s` bare rather than quoted (sxp.atomp). */
export function isAtom(s: string): boolean {
  if (s === "@" || /^[A-Za-z0-9]+$/.test(s)) return true;
  if (s === "") return false;
  return /^[A-Za-z0-9._:/~-]+$/.test(s);
}

/** Python 2 repr() of a str, which is how xend prints a string that is not an atom. */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code >= 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}

function showAtom(s: string): string {
  return isAtom(s) ? s : pyRepr(s);
}

/** One-line rendering (sxp.show). */
export function showSxp(v: Sxp): string {
  if (typeof v === "string") return showAtom(v);
  return "(" + v.map(showSxp).join(" ") + ")";
}

/**
 * Rendering of `xm list -l` (PrettyPrint.prettyprint, width 80, indent 4): a list that fits on the rest of
 * the line prints flat; otherwise its children go one per line, indented, and the `)` on a line of its own.
 */
export function prettySxp(v: Sxp, width = 80): string {
  const lines: string[] = [];
  const emit = (x: Sxp, indent: number): void => {
    const pad = " ".repeat(indent);
    const flat = showSxp(x);
    if (typeof x === "string" || indent + flat.length <= width || x.length === 0) {
      lines.push(pad + flat);
      return;
    }
    const [head, ...rest] = x;
    lines.push(pad + "(" + (typeof head === "string" ? showAtom(head) : showSxp(head)));
    for (const c of rest) emit(c, indent + 4);
    lines.push(pad + ")");
  };
  emit(v, 0);
  return lines.join("\n");
}
