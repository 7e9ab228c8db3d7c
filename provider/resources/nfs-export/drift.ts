import { mergeDiffs, type DiffResult } from "../../core";

/**
 * read() reports what differs on the host (a hand edit, a manual unmount, a stopped service) as `drift`; a
 * recorded drift makes the next `up` an update, which converges it, even when no input changed.
 */
export function withDrift(fields: DiffResult, drift: readonly string[] | undefined): DiffResult {
  if (!drift || drift.length === 0) return fields;
  return mergeDiffs(fields, { changes: true, replaces: [], deleteBeforeReplace: false, diffs: ["drift"] });
}
