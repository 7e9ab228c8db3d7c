/** Checks on remote paths before they reach a command. */

/**
 * An absolute path without control characters. Paths are passed as quoted arguments, so shell syntax in them
 * is harmless; newlines and other control characters are refused because tools print paths one per line and
 * `$(...)` in scripts drops trailing newlines, which would make such a path ambiguous.
 */
export function checkRemotePath(path: string, what = "path"): string {
  if (typeof path !== "string" || path === "") throw new Error(`${what} must be a non-empty string`);
  if (!path.startsWith("/")) throw new Error(`${what} must be absolute: ${JSON.stringify(path)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) {
    throw new Error(`${what} must not contain control characters (newline, tab, NUL...): ${JSON.stringify(path)}`);
  }
  if (path.length > 1 && path.endsWith("/")) throw new Error(`${what} must name a file, not end in "/": ${path}`);
  if (path.split("/").some((part) => part === "..")) throw new Error(`${what} must not contain "..": ${path}`);
  return path;
}
