/**
 * xl.cfg syntax (libxlu's config grammar): `KEY = VALUE` or `KEY += VALUE`, ended by a newline or `;`; values
 * are "double" or 'single' quoted strings, numbers, or [lists] (newlines and a trailing comma allowed inside);
 * `#` comments. Not Python: no expressions, no names as values. Errors read like xl's:
 * `FILE:LINE: config parsing error near `TOKEN': syntax error, ...`.
 */
export type XlValue = string | XlValue[];

export class XlConfigError extends Error {}

interface Tok { t: "id" | "str" | "num" | "op" | "nl" | "eof"; v: string; line: number }

function tokenize(src: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") { toks.push({ t: "nl", v: "\n", line }); line++; i++; continue; }
    if (" \t\r".includes(c)) { i++; continue; }
    if (c === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let buf = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\n") break;
        if (c === '"' && src[j] === "\\" && j + 1 < src.length) {
          const e = src[j + 1];
          buf += ({ n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" } as Record<string, string>)[e] ?? "\\" + e;
          j += 2;
          continue;
        }
        buf += src[j++];
      }
      if (src[j] !== c) throw new XlConfigError(`${file}:${line}: config parsing error near \`${src.slice(i, j)}': unterminated string`);
      toks.push({ t: "str", v: buf, line });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (id) { toks.push({ t: "id", v: id[0], line }); i += id[0].length; continue; }
    const num = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9][0-9.]*)/.exec(src.slice(i));
    if (num) { toks.push({ t: "num", v: num[0], line }); i += num[0].length; continue; }
    const op = /^(\+=|[=[\],;])/.exec(src.slice(i));
    if (!op) throw new XlConfigError(`${file}:${line}: config parsing error near \`${c}': syntax error`);
    toks.push({ t: "op", v: op[0], line });
    i += op[0].length;
  }
  toks.push({ t: "nl", v: "\n", line }, { t: "eof", v: "", line });
  return toks;
}

export function parseXlConfig(src: string, file: string): Record<string, XlValue> {
  const toks = tokenize(src, file);
  const out: Record<string, XlValue> = {};
  let p = 0;
  const fail = (tok: Tok, expecting: string): never => {
    const near = tok.t === "nl" ? "\n" : tok.v;
    const kind = { id: "IDENT", str: "STRING", num: "NUMBER", op: `'${tok.v}'`, nl: "NEWLINE", eof: "$end" }[tok.t];
    throw new XlConfigError(`${file}:${tok.line}: config parsing error near \`${near}': syntax error, unexpected ${kind}, expecting ${expecting}`);
  };
  const skipNl = (): void => { while (toks[p].t === "nl") p++; };
  const value = (): XlValue => {
    const tok = toks[p];
    if (tok.t === "str" || tok.t === "num") { p++; return tok.v; }
    if (tok.v === "[") {
      p++;
      const items: XlValue[] = [];
      skipNl();
      while (toks[p].v !== "]") {
        items.push(value());
        skipNl();
        if (toks[p].v === ",") { p++; skipNl(); continue; }
        if (toks[p].v !== "]") fail(toks[p], "',' or ']'");
      }
      p++;
      return items;
    }
    return fail(tok, "STRING or NUMBER or '['");
  };
  while (toks[p].t !== "eof") {
    const tok = toks[p];
    if (tok.t === "nl" || tok.v === ";") { p++; continue; }
    if (tok.t !== "id") fail(tok, "IDENT");
    p++;
    const op = toks[p];
    if (op.v !== "=" && op.v !== "+=") fail(op, "'=' or '+='");
    p++;
    const v = value();
    if (op.v === "+=") {
      const old = out[tok.v];
      out[tok.v] = Array.isArray(old) && Array.isArray(v) ? [...old, ...v] : v;
    } else out[tok.v] = v;
    if (toks[p].t !== "nl" && toks[p].v !== ";") fail(toks[p], "NEWLINE or ';'");
  }
  return out;
}
