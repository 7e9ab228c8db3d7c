/** Property paths as Pulumi shows them in check failures and diffs: `connection.host`, `clients[0].options`. */
export type PropertyPath = readonly PropertyKey[];

export function formatPath(path: PropertyPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "symbol") out += `[${String(key)}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** The values met while walking `path` into `root`: [root, root[p0], root[p0][p1], ...]; stops at a non-object. */
export function valuesAlong(root: unknown, path: PropertyPath): unknown[] {
  const seen: unknown[] = [root];
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") break;
    current = (current as Record<PropertyKey, unknown>)[key];
    seen.push(current);
  }
  return seen;
}
