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
