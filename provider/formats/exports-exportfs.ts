/**
 * `exportfs -v` (and plain `exportfs`) output: what the server really exports now.
 *
 * nfs-utils prints `PATH<TAB>CLIENT(OPTIONS)` per client; a path longer than 14 characters is printed alone and
 * its clients follow on lines indented with tabs. The anonymous client (`*`, or an empty host) is `<world>`.
 * Without -v there are no options.
 */
export interface LiveExport {
  path: string;
  /** Client as exportfs prints it (`*` is reported as `<world>` by nfs-utils; kept as printed). */
  client: string;
  /** Options as reported, or null when the listing carries none (plain `exportfs`). */
  options: string[] | null;
}

const CLIENT = String.raw`(\S+?)(?:\(([^()]*)\))?`;

export function parseExportfsVerbose(text: string): LiveExport[] {
  const out: LiveExport[] = [];
  let pendingPath: string | null = null;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let m: RegExpExecArray | null;
    if (/^\s/.test(line)) {
      m = new RegExp(`^\\s+${CLIENT}\\s*$`).exec(line);
      if (m && pendingPath !== null) out.push({ path: pendingPath, client: m[1], options: splitOptions(m[2]) });
      continue;
    }
    m = new RegExp(`^(/\\S*)\\s+${CLIENT}\\s*$`).exec(line);
    if (m) {
      out.push({ path: m[1], client: m[2], options: splitOptions(m[3]) });
      pendingPath = m[1];
      continue;
    }
    m = /^(\/\S*)\s*$/.exec(line);
    pendingPath = m ? m[1] : null;
  }
  return out;
}

function splitOptions(s: string | undefined): string[] | null {
  if (s === undefined) return null;
  return s === "" ? [] : s.split(",");
}

export interface ExportfsMessages {
  /** Errors about the given path, the file lines given, or the whole run (no other path named). */
  errors: string[];
  /** Warnings, and errors about OTHER exports (problems that were there before us). */
  warnings: string[];
}

const WARNING = /warning|suggest|assuming default|NOTE:|neither 'subtree_check'/i;

/**
 * Sorts what `exportfs -ra` printed on stderr. Its exit code is 0 even when it could not export some entries
 * (e.g. `exportfs: Failed to stat /data: No such file or directory`), so stderr is the only signal. Indented
 * lines continue the previous message.
 */
export function classifyExportfsStderr(stderr: string, path: string, fileLines: readonly number[] = []): ExportfsMessages {
  const messages: string[] = [];
  for (const line of stderr.split("\n")) {
    if (line.trim() === "") continue;
    if (/^\s/.test(line) && messages.length > 0) messages[messages.length - 1] += `\n${line}`;
    else messages.push(line);
  }
  const out: ExportfsMessages = { errors: [], warnings: [] };
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const aboutPath = new RegExp(`(^|[\\s:"'(])${escaped}($|[\\s:"')])`);
  for (const m of messages) {
    if (WARNING.test(m)) {
      out.warnings.push(m);
      continue;
    }
    const fileLine = /\/etc\/exports(?::| \[)(\d+)/.exec(m);
    const ours = fileLine
      ? fileLines.includes(Number(fileLine[1]))
      : aboutPath.test(m) || !/(^|[\s:"'])\/[^\s:"']/.test(m.replace(/^exportfs:\s*/, ""));
    (ours ? out.errors : out.warnings).push(m);
  }
  return out;
}
