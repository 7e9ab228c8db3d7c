import * as fs from "fs";
import * as path from "path";

/** Writes `file` under `root` with `mode`, replacing whatever was there (a symlink is replaced, not followed). */
export function writeFile(root: string, file: string, content: string, mode = 0o644): void {
  const p = path.join(root, file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.writeFileSync(p, content, { mode });
  fs.chmodSync(p, mode);
}

/** Writes JSON through a temp file and rename, so a reader never sees half of it. */
export function writeJsonAtomic(p: string, value: unknown): void {
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, p);
}
