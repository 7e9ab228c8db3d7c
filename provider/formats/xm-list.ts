/**
 * `xm list` and `xl list` tables (the short form, not `-l`).
 *
 * Layouts seen in the wild (runbook.md, xen-samples/outputs/):
 * - xm 3.0.x: `%-40s %3d %8d %5d %5s %8.1f` under `Name ID Mem(MiB) VCPUs State Time(s)`;
 * - xm 3.2–4.x: `%-40s %5s %5s %5s %10s %9s` under `Name ID Mem VCPUs State Time(s)`; inactive
 *   xend-managed domains have an empty ID;
 * - xl: `%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f` under a header with TABs before State and Time(s).
 * `%-40s` pads but never truncates, so a long name pushes the other columns right: rows are therefore split
 * on white space and read from the right (Time, State, VCPUs, Mem, optional ID), the rest being the name.
 */

/** One row of the table. */
export interface DomainListRow {
  /** the name exactly as listed, e.g. `migrating-test01` */
  name: string;
  /** absent for an inactive xend-managed domain */
  id: number | null;
  memMiB: number;
  vcpus: number;
  /** the six state letters as printed, e.g. `-b----` */
  state: string;
  flags: DomainStateFlags;
  timeS: number;
}

export interface DomainStateFlags {
  running: boolean;
  blocked: boolean;
  paused: boolean;
  shutdown: boolean;
  /** xm: the 5th letter `c`; xl prints the shutdown reason there, where `c` also means crash */
  crashed: boolean;
  dying: boolean;
}

export class DomainListParseError extends Error {
  constructor(
    readonly lineNo: number,
    readonly line: string,
    reason: string,
  ) {
    super(`xm/xl list, line ${lineNo}: ${reason}: ${JSON.stringify(line)}`);
    this.name = "DomainListParseError";
  }
}

const STATE = /^[-rbpscdSw]{6}$/;
const NUMBER = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

export function parseStateLetters(state: string): DomainStateFlags {
  return {
    running: state[0] === "r",
    blocked: state[1] === "b",
    paused: state[2] === "p",
    shutdown: state[3] === "s",
    crashed: state[4] === "c",
    dying: state[5] === "d",
  };
}

/**
 * Parses the whole output of `xm list`, `xm list NAME`, `xl list` or `xl list NAME`. A line that is not the
 * header and not a well-formed row is an error rather than skipped: a silently dropped row would make a
 * running domain look absent, which is the one mistake placement logic must never make.
 */
export function parseDomainList(text: string): DomainListRow[] {
  const rows: DomainListRow[] = [];
  const lines = text.split(/\r?\n/);
  let sawHeader = false;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === "") return;
    if (!sawHeader && /^Name\s+ID\s+Mem/.test(line)) {
      sawHeader = true;
      return;
    }
    rows.push(parseRow(line, i + 1));
  });
  if (!sawHeader && rows.length > 0) throw new DomainListParseError(1, lines[0], "missing the Name/ID/Mem header");
  return rows;
}

function parseRow(line: string, lineNo: number): DomainListRow {
  const words = line.trim().split(/\s+/);
  if (words.length < 5) throw new DomainListParseError(lineNo, line, "too few columns");
  const time = words.pop()!;
  const state = words.pop()!;
  const vcpus = words.pop()!;
  const mem = words.pop()!;
  if (!NUMBER.test(time)) throw new DomainListParseError(lineNo, line, "Time(s) is not a number");
  if (!STATE.test(state)) throw new DomainListParseError(lineNo, line, "State is not six state letters");
  if (!INTEGER.test(vcpus) || !INTEGER.test(mem)) throw new DomainListParseError(lineNo, line, "Mem/VCPUs not integers");
  // The ID is absent for inactive managed domains (xm 3.2+ prints an empty %5s).
  let id: number | null = null;
  if (words.length >= 2 && INTEGER.test(words[words.length - 1])) id = Number(words.pop());
  if (words.length === 0) throw new DomainListParseError(lineNo, line, "no name");
  return {
    name: words.join(" "),
    id,
    memMiB: Number(mem),
    vcpus: Number(vcpus),
    state,
    flags: parseStateLetters(state),
    timeS: Number(time),
  };
}

/**
 * How a listed name relates to the domain we look for. The toolstacks rename a domain while it moves:
 * xm's source lists `migrating-NAME` (restored to NAME if the move fails); xl's target lists
 * `NAME--incoming` (paused, not yet started) and its source `NAME--migratedaway` (suspended, about to be
 * destroyed).
 */
export type ListedAs = "normal" | "migrating" | "incoming" | "migratedaway";

export function listedAs(listedName: string, domain: string): ListedAs | null {
  if (listedName === domain) return "normal";
  if (listedName === `migrating-${domain}`) return "migrating";
  if (listedName === `${domain}--incoming`) return "incoming";
  if (listedName === `${domain}--migratedaway`) return "migratedaway";
  return null;
}

export interface DomainSighting {
  listedAs: ListedAs;
  row: DomainListRow;
}

/** Every row that is the domain under any of its names, in table order. */
export function findDomain(rows: readonly DomainListRow[], domain: string): DomainSighting[] {
  const out: DomainSighting[] = [];
  for (const row of rows) {
    const as = listedAs(row.name, domain);
    if (as) out.push({ listedAs: as, row });
  }
  return out;
}
