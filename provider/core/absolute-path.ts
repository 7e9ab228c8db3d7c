/**
 * Absolute paths on a host, as every resource takes them. What a path may contain depends on the file it ends up
 * in (an exports line, a domain's disk spec, an authorized_keys command), so each resource passes its own
 * character set; the shape rules are the same everywhere: absolute, normalised (a path that can be written two
 * ways would defeat "is it already there?"), never `/` itself, no white space or control characters, within
 * Linux's length limits.
 */
import { z } from "zod";

export interface PathCharacters {
  /** matches ONE allowed character */
  allowed: RegExp;
  /** the rule in words, for the error: "only letters, digits and . _ - / are allowed" */
  rule: string;
}

/** Letters, digits and the punctuation that no shell, exports line or fstab field gives a meaning to. */
export const SHELL_SAFE_PATH: PathCharacters = {
  allowed: /[A-Za-z0-9._+,:@%=~/-]/,
  rule: "only letters, digits and . _ - + , : @ % = ~ / are allowed (no shell metacharacters)",
};

export function absolutePath(what: string, chars: PathCharacters = SHELL_SAFE_PATH): z.ZodString {
  return z
    .string({ error: `must be an absolute path (the ${what})` })
    .superRefine((p, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (!p.startsWith("/")) return fail(`must be an absolute path starting with "/", got ${JSON.stringify(p)}`);
      if (/\s/.test(p)) return fail(`must not contain white space (spaces, tabs or newlines): ${JSON.stringify(p)}`);
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(p)) return fail(`must not contain control characters: ${JSON.stringify(p)}`);
      const bad = [...new Set([...p].filter((c) => !chars.allowed.test(c)))];
      if (bad.length > 0) return fail(`contains ${bad.join(" ")}: ${chars.rule}`);
      if (p === "/") return fail(`must not be "/" itself`);
      if (p.endsWith("/")) return fail(`must not end with "/": ${JSON.stringify(p)}`);
      if (p.includes("//")) return fail(`must not contain "//": ${JSON.stringify(p)}`);
      if (p.split("/").some((s) => s === "." || s === "..")) return fail(`must not contain "." or ".." parts: ${p}`);
      // Linux's limits (PATH_MAX, NAME_MAX): a longer path or part fails on the host with ENAMETOOLONG
      if (Buffer.byteLength(p) >= 4096) return fail(`is ${Buffer.byteLength(p)} bytes long: Linux allows at most 4095`);
      const long = p.split("/").find((s) => Buffer.byteLength(s) > 255);
      if (long) return fail(`has a part of ${Buffer.byteLength(long)} bytes (${long.slice(0, 16)}…): Linux allows at most 255`);
    });
}
