/**
 * The subset of Python that xm domain configuration files use in practice: assignments of string, number,
 * list and tuple literals, `+` and `%` on strings, names assigned earlier, comments, bracket and backslash
 * continuations, and `import` lines (ignored). xm executes the file as Python and keeps only the locals whose
 * type is exactly str, list, int or float; other statements are rejected here with a SyntaxError-like
 * message naming the line, as xm would reject a file it cannot execute.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] };

export class PyConfigError extends Error {
  constructor(readonly line: number, readonly text: string, message: string) {
    super(message);
  }
}

interface Tok { t: "str" | "num" | "name" | "op" | "nl" | "eof"; v: string; line: number; float?: boolean }

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      if (depth === 0) toks.push({ t: "nl", v: "\n", line });
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f") { i++; continue; }
    if (c === "\\" && src[i + 1] === "\n") { i += 2; line++; continue; }
    if (c === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    const strStart = /^([rRuUbB]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (strStart && (strStart[1] === "" || /[A-Za-z]/.test(c))) {
      const raw = /r/i.test(strStart[1]);
      const q = strStart[2];
      let j = i + strStart[0].length;
      let buf = "";
      const startLine = line;
      for (;;) {
        if (j >= src.length) throw new PyConfigError(startLine, "", "EOF while scanning string literal");
        if (src.startsWith(q, j)) { j += q.length; break; }
        const ch = src[j];
        if (ch === "\n") {
          if (q.length === 1) throw new PyConfigError(line, "", "EOL while scanning string literal");
          line++;
        }
        if (ch === "\\" && j + 1 < src.length) {
          const e = src[j + 1];
          if (raw) { buf += ch + e; j += 2; continue; }
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "\n": "" };
          if (e in map) { buf += map[e]; if (e === "\n") line++; j += 2; continue; }
          if (e === "x" && /^[0-9a-fA-F]{2}$/.test(src.slice(j + 2, j + 4))) { buf += String.fromCharCode(parseInt(src.slice(j + 2, j + 4), 16)); j += 4; continue; }
          if (/[0-7]/.test(e)) {
            const m = /^[0-7]{1,3}/.exec(src.slice(j + 1)) as RegExpExecArray;
            buf += String.fromCharCode(parseInt(m[0], 8));
            j += 1 + m[0].length;
            continue;
          }
          buf += "\\" + e; // Python keeps unknown escapes verbatim
          j += 2;
          continue;
        }
        buf += ch;
        j++;
      }
      toks.push({ t: "str", v: buf, line: startLine });
      i = j;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)[lL]?/.exec(src.slice(i));
    if (num) {
      toks.push({ t: "num", v: num[1], line, float: /[.eE]/.test(num[1]) && !/^0[xX]/.test(num[1]) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) { toks.push({ t: "name", v: name[0], line }); i += name[0].length; continue; }
    const op = /^(\+=|==|!=|<=|>=|\*\*|\/\/|[-+*/%=()[\]{},:;.<>])/.exec(src.slice(i));
    if (!op) throw new PyConfigError(line, "", "invalid syntax");
    if ("([{".includes(op[0])) depth++;
    if (")]}".includes(op[0])) depth = Math.max(0, depth - 1);
    toks.push({ t: "op", v: op[0], line });
    i += op[0].length;
  }
  toks.push({ t: "nl", v: "\n", line });
  toks.push({ t: "eof", v: "", line });
  return toks;
}

/** Executes the assignments of `src`; returns every local (callers filter by type as xm does). */
export function execPyConfig(src: string, preset: Record<string, PyValue> = {}): Record<string, PyValue> {
  const lines = src.split("\n");
  const toks = tokenize(src);
  const locals: Record<string, PyValue> = { ...preset };
  let p = 0;
  const peek = (): Tok => toks[p];
  const fail = (tok: Tok, msg = "invalid syntax"): never => {
    throw new PyConfigError(tok.line, (lines[tok.line - 1] ?? "").trim(), msg);
  };

  const atom = (): PyValue => {
    const tok = peek();
    if (tok.t === "str") {
      let s = "";
      while (peek().t === "str") s += toks[p++].v; // adjacent literals concatenate
      return s;
    }
    if (tok.t === "num") {
      p++;
      return tok.float ? parseFloat(tok.v) : parseInt(tok.v, /^0[xX]/.test(tok.v) ? 16 : 10);
    }
    if (tok.t === "name") {
      p++;
      if (tok.v === "True") return true;
      if (tok.v === "False") return false;
      if (tok.v === "None") return null;
      if (peek().v === "(" || peek().v === ".") fail(tok, "function calls are not supported by the simulator's xm config reader");
      if (!(tok.v in locals)) fail(tok, `name '${tok.v}' is not defined`);
      return locals[tok.v];
    }
    if (tok.v === "[" || tok.v === "(") {
      const close = tok.v === "[" ? "]" : ")";
      p++;
      const items: PyValue[] = [];
      let sawComma = false;
      while (peek().v !== close) {
        items.push(expr());
        if (peek().v === ",") { p++; sawComma = true; continue; }
        if (peek().v !== close) fail(peek());
      }
      p++;
      if (close === "]") return items;
      return items.length === 1 && !sawComma ? items[0] : { tuple: items };
    }
    if (tok.v === "-") {
      p++;
      const v = atom();
      if (typeof v !== "number") fail(tok, "bad operand type for unary -");
      return -(v as number);
    }
    return fail(tok);
  };
  const term = (): PyValue => {
    let v = atom();
    while (peek().v === "%" || peek().v === "*") {
      const op = toks[p++];
      const r = atom();
      if (op.v === "%" && typeof v === "string") v = pyFormat(v, r, op);
      else if (op.v === "*" && typeof v === "number" && typeof r === "number") v = v * r;
      else if (op.v === "*" && Array.isArray(v) && typeof r === "number") v = Array.from({ length: r }, () => v as PyValue[]).flat();
      else fail(op, "unsupported operand type(s)");
    }
    return v;
  };
  const expr = (): PyValue => {
    let v = term();
    while (peek().v === "+" || peek().v === "-") {
      const op = toks[p++];
      const r = term();
      if (op.v === "+" && typeof v === "string" && typeof r === "string") v = v + r;
      else if (op.v === "+" && Array.isArray(v) && Array.isArray(r)) v = [...v, ...r];
      else if (typeof v === "number" && typeof r === "number") v = op.v === "+" ? v + r : v - r;
      else fail(op, "unsupported operand type(s)");
    }
    return v;
  };
  const pyFormat = (fmt: string, arg: PyValue, at: Tok): string => {
    const args = typeof arg === "object" && arg !== null && !Array.isArray(arg) ? [...arg.tuple] : [arg];
    const out = fmt.replace(/%([-0 ]?\d*)(?:\.(\d+))?([sdif%])/g, (_m, flags: string, prec: string | undefined, conv: string) => {
      if (conv === "%") return "%";
      if (!args.length) fail(at, "not enough arguments for format string");
      const a = args.shift() as PyValue;
      let s: string;
      if (conv === "s") s = typeof a === "string" ? a : JSON.stringify(a);
      else if (typeof a !== "number") return fail(at, `%${conv} format: a number is required`);
      else if (conv === "f") s = a.toFixed(prec === undefined ? 6 : Number(prec));
      else s = String(Math.trunc(a));
      const w = parseInt(flags.replace(/^[-0 ]/, "") || "0", 10);
      if (flags.startsWith("-")) return s.padEnd(w);
      if (flags.startsWith("0")) return s.padStart(w, "0");
      return s.padStart(w);
    });
    if (args.length) fail(at, "not all arguments converted during string formatting");
    return out;
  };

  while (peek().t !== "eof") {
    const tok = peek();
    if (tok.t === "nl" || tok.v === ";") { p++; continue; }
    if (tok.t === "name" && (tok.v === "import" || tok.v === "from")) {
      while (peek().t !== "nl") p++;
      continue;
    }
    if (tok.t !== "name" || (toks[p + 1].v !== "=" && toks[p + 1].v !== "+=")) fail(tok);
    p++;
    const op = toks[p++].v;
    const v = expr();
    if (op === "+=") {
      const old = locals[tok.v];
      if (typeof old === "string" && typeof v === "string") locals[tok.v] = old + v;
      else if (Array.isArray(old) && Array.isArray(v)) locals[tok.v] = [...old, ...v];
      else if (typeof old === "number" && typeof v === "number") locals[tok.v] = old + v;
      else fail(tok, `name '${tok.v}' is not defined`);
    } else locals[tok.v] = v;
    if (peek().t !== "nl" && peek().v !== ";") fail(peek());
  }
  return locals;
}

/** The locals xm keeps: exactly str, list, int and float (bool, None and tuples are dropped). */
export function xmConfigVars(locals: Record<string, PyValue>): Record<string, string | number | PyValue[]> {
  const out: Record<string, string | number | PyValue[]> = {};
  for (const [k, v] of Object.entries(locals)) {
    if (typeof v === "string" || typeof v === "number" || Array.isArray(v)) out[k] = v;
  }
  return out;
}
