/**
 * Values that end up in Python 2 (xend and `xm create` are Python 2 programs): config keys assigned in an xm
 * domain file, which `xm create` runs as Python source, and the hosts-allow patterns xend compiles with `re`.
 * JavaScript's rules are not Python 2's, so a value that JavaScript accepts is checked against what Python 2
 * would do with it (the Python 2.7 Language Reference, 2.3.1 Keywords; the `re` module's syntax, 7.2.1).
 */
/** Python 2's reserved words, and the three names an assignment cannot (None) or should not (True, False) take. */
export const PYTHON2_KEYWORDS = [
  "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else", "except", "exec", "finally",
  "for", "from", "global", "if", "import", "in", "is", "lambda", "not", "or", "pass", "print", "raise", "return",
  "try", "while", "with", "yield", "None", "True", "False",
];

/** Why `k` cannot be the left side of `k = ...` in Python 2 source, or null. */
export function pythonIdentifierProblem(k: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return "must be a config key: ASCII letters, digits and _, not starting with a digit";
  if (PYTHON2_KEYWORDS.includes(k)) return `is a Python keyword: \`${k} = ...\` is a syntax error for xm create`;
  return null;
}

/** Printable ASCII and nothing else: Python 2 refuses other bytes in a source file that declares no coding. */
export const nonAsciiProblem = (s: string): string | null =>
  // eslint-disable-next-line no-control-regex
  /[^\x00-\x7f]/.test(s) ? "must be ASCII (xm create reads the file as Python 2 source, which has no coding line)" : null;

/**
 * Why `p`, a pattern JavaScript compiles, would not compile in Python 2's `re` or would match something else
 * there, or null. A conservative reading: what it cannot prove the same, it refuses.
 */
export function python2RegexProblem(p: string): string | null {
  if (nonAsciiProblem(p)) return "must be ASCII (xend reads its config as bytes)";
  const lookbehinds: number[] = []; // depth of each open look-behind group
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      const e = p[i + 1] ?? "";
      // escapes that mean one thing to JavaScript and another (or a plain letter) to Python 2: \\u \\c \\k \\p are
      // JavaScript escapes, \\A \\Z \\a Python ones that JavaScript reads as the letter
      if ("uckpPAZa".includes(e)) return `uses \\${e}, which Python 2's re does not know (it would read a plain "${e}")`;
      if (e === "x" && !/^[0-9A-Fa-f]{2}$/.test(p.slice(i + 2, i + 4))) return "uses \\x without two hex digits, which Python 2's re refuses";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      // `[]` and `[^]` are a class of their own in JavaScript; Python 2 reads the `]` as a member
      if (p[i + 1] === "]" || (p[i + 1] === "^" && p[i + 2] === "]")) return "uses [] or [^], which Python 2's re reads differently";
      inClass = true;
      if (p[i + 1] === "^") i++;
      if (p[i + 1] === "]") i++;
      continue;
    }
    if (c === "(") {
      depth++;
      if (p[i + 1] !== "?") continue;
      const ext = p.slice(i + 2, i + 4);
      if (ext === "<=" || ext === "<!") {
        lookbehinds.push(depth);
        i += 3;
      } else if (ext[0] === "<") return "uses a named group (?<name>...), which Python 2 writes (?P<name>...)";
      else if (!":=!".includes(ext[0] ?? "")) return `uses (?${ext[0] ?? ""}, which Python 2's re does not read as JavaScript does`;
      else i += 2;
      continue;
    }
    if (c === ")") {
      if (lookbehinds[lookbehinds.length - 1] === depth) lookbehinds.pop();
      depth--;
      continue;
    }
    if (lookbehinds.length > 0 && "*+?{|".includes(c)) {
      return "has a look-behind of no fixed width (a quantifier or | inside it): Python 2's re refuses it";
    }
    if (c === "{" && /^\{,\d*\}/.test(p.slice(i))) return "uses {,n}, which Python 2 reads as a repeat and JavaScript as text";
  }
  return null;
}
