/**
 * Minimal, deterministic edits of top-level `(key value)` entries in an sxp file such as xend-config.sxp.
 * Every byte outside the edited entries is kept: comments, blank lines, spacing and unrelated entries.
 *
 * For each key, so that xend's "first active entry wins" gives the desired value:
 * - the first active entry, if its value is not already the desired one, gets its value token replaced in place;
 * - later active entries that contradict the desired value are commented out (a `#` before each of their
 *   lines), or, when they share a line with other content, get their value replaced too;
 * - with no active entry (and a built-in default that is not the desired value), a new line is inserted right
 *   after the last commented-out template of that key (`#(key …)`), with the template's indentation, or
 *   appended at the end of the file when there is no template.
 * The same input and the same changes always give the same bytes, and a second run changes nothing.
 */
import { parseSxp, sxpEntries, SxpDocument, SxpNode, SxpValue } from "./sxp";

export interface SxpEntryChange {
  key: string;
  /** the value as it is written in the file, e.g. `yes`, `8002`, `'^node2$'` */
  token: string;
  /** whether a current value (undefined: absent, so xend's built-in default applies) is already the desired one */
  satisfiedBy(current: SxpValue | undefined): boolean;
}

export interface SxpEditResult {
  text: string;
  /** one human-readable line per edit made, naming the line; empty when nothing changed */
  actions: string[];
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf("\n", offset);
  return i < 0 ? text.length : i;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function valueOf(node: SxpNode): SxpValue | undefined {
  return node.items?.[1]?.value;
}

/** Replaces the value of `(key value)` (or fills in `(key)`), keeping the spacing inside the entry. */
function replaceValue(text: string, node: SxpNode, key: string, token: string): string {
  const valueNode = node.items?.[1];
  if (valueNode) return splice(text, valueNode.start, valueNode.end, token);
  return splice(text, node.start, node.end, `(${key} ${token})`);
}

/** Comments out an entry that is alone on its lines; returns null when it shares a line with other content. */
function commentOut(doc: SxpDocument, node: SxpNode): string | null {
  const text = doc.text;
  const first = lineStart(text, node.start);
  const lastEnd = lineEnd(text, node.end);
  if (text.slice(first, node.start).trim() !== "") return null;
  const after = text.slice(node.end, lastEnd);
  if (after.trim() !== "" && !after.trimStart().startsWith("#")) return null;
  const block = text.slice(first, lastEnd);
  return splice(text, first, lastEnd, block.replace(/^/gm, "#"));
}

function templateComment(doc: SxpDocument, key: string) {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^#+\\s*\\(\\s*${escaped}(?=[\\s)])`);
  const text = doc.text;
  const candidates = doc.comments.filter((c) => re.test(c.text) && text.slice(lineStart(text, c.start), c.start).trim() === "");
  return candidates[candidates.length - 1];
}

function applyOne(text: string, change: SxpEntryChange, actions: string[]): string {
  const { key, token } = change;
  const entry = `(${key} ${token})`;
  let doc = parseSxp(text);
  const entries = sxpEntries(doc, key);
  if (entries.length > 0) {
    const [head, ...rest] = entries;
    if (!change.satisfiedBy(valueOf(head))) {
      text = replaceValue(text, head, key, token);
      actions.push(`line ${head.line}: set ${entry}`);
    }
    // later contradicting entries are shadowed, but would mislead a reader: comment them out, last first so
    // that earlier offsets stay valid
    for (let i = rest.length - 1; i >= 0; i--) {
      doc = parseSxp(text);
      const node = sxpEntries(doc, key)[i + 1];
      if (change.satisfiedBy(valueOf(node))) continue;
      const commented = commentOut(doc, node);
      if (commented !== null) {
        text = commented;
        actions.push(`line ${node.line}: commented out the later, contradicting (${key} …)`);
      } else {
        text = replaceValue(text, node, key, token);
        actions.push(`line ${node.line}: set the later (${key} …) to ${token}`);
      }
    }
    return text;
  }
  if (change.satisfiedBy(undefined)) return text;
  const template = templateComment(doc, key);
  if (template) {
    const indent = text.slice(lineStart(text, template.start), template.start);
    const end = lineEnd(text, template.start);
    const insertion = end === text.length ? `\n${indent}${entry}\n` : `${indent}${entry}\n`;
    const at = end === text.length ? end : end + 1;
    actions.push(`line ${template.line + 1}: inserted ${entry} after the commented template`);
    return splice(text, at, at, insertion);
  }
  const sep = text.length === 0 || text.endsWith("\n") ? "" : "\n";
  const line = text.length === 0 ? 1 : text.split("\n").length + (sep ? 1 : 0);
  actions.push(`line ${line}: appended ${entry}`);
  return text + sep + entry + "\n";
}

/** Applies the changes in order; throws SxpParseError when the file cannot be parsed as xend would. */
export function setSxpEntries(text: string, changes: readonly SxpEntryChange[]): SxpEditResult {
  const actions: string[] = [];
  parseSxp(text);
  for (const change of changes) text = applyOne(text, change, actions);
  return { text, actions };
}
