/**
 * The `\ooo` octal escapes shared by fstab(5), /proc/self/mountinfo (proc(5)) and exports(5).
 *
 * libmount and the kernel only escape space, tab, newline and backslash; a backslash that is not followed by
 * exactly three octal digits is kept as a literal backslash (that is what libmount's unmangle does), so
 * decoding never fails on odd input.
 */

const MANGLED = new Set([" ", "\t", "\n", "\\"]);

/** Decodes every `\ooo` (three octal digits) into its character; anything else is kept verbatim. */
export function unmangleOctal(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Escapes space, tab, newline and backslash (plus any extra characters given) as `\ooo`. */
export function mangleOctal(text: string, extra = ""): string {
  let out = "";
  for (const ch of text) {
    if (MANGLED.has(ch) || (extra !== "" && extra.includes(ch))) {
      out += "\\" + ch.charCodeAt(0).toString(8).padStart(3, "0");
    } else {
      out += ch;
    }
  }
  return out;
}

/** Collapses repeated slashes and drops trailing ones, so `/data/` and `//data` name `/data`; `/` stays `/`. */
export function normalizeMountPath(path: string): string {
  const trimmed = path.replace(/\/{2,}/g, "/").replace(/\/+$/, "");
  return trimmed === "" && path.startsWith("/") ? "/" : trimmed;
}
