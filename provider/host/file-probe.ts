/** A probe of one file for gatherFacts: its content, or null when it does not exist. */
import type { Probe, ProbeOutput } from "./facts";

const ABSENT = 3;

/** A file's content, or null when it does not exist (exit 3); anything else is an error. */
export function fileProbe(path: string): Probe<string | null> {
  return {
    script: `[ -e "$1" ] || exit ${ABSENT}; exec cat -- "$1"`,
    args: [path],
    parse: (o: ProbeOutput) => {
      if (o.code === ABSENT) return null;
      if (o.code !== 0) throw new Error(`cannot read ${path}: ${o.stderr.trim() || `exit code ${o.code}`}`);
      return o.stdout;
    },
  };
}
