/**
 * NfsMount's plan: a PURE function of the desired inputs and the facts, returning the steps that converge the
 * host (empty when it already matches: no write, no remount), or the reasons it must not act. Also the drift
 * report for read and the delete plan.
 *
 * Order: mount changes first, /etc/fstab last, so that a mount that fails leaves fstab as it was.
 */
import {
  findFstabEntries,
  parseFstab,
  removeFstabEntry,
  renderFstab,
  setFstabEntry,
  type FstabEntry,
} from "../../formats/fstab";
import { findMount, isNfsType, mountsBelow, normalizeNfsSource, type MountInfo } from "../../formats/mountinfo";
import { mountOptionMismatches } from "../../formats/mountinfo-options";
import type { MountFacts, MountPointEntry } from "./facts";
import { mountSource, type NfsMountInputs, type ObservedMount } from "./schema";

export type MountStep =
  | { kind: "createMountPoint" }
  /** Unmount what is mounted at the mount point; apply checks first that nothing uses it. */
  | { kind: "unmount"; source: string; fsType: string; reason: string }
  | { kind: "mount" }
  /** Move the existing content aside, mount, copy it onto the share, verify, drop the aside copy. */
  | { kind: "carryAndMount"; entries: MountPointEntry[] }
  | { kind: "remount"; mismatches: string[] }
  | { kind: "writeFstab"; content: string; duplicates: number[] }
  | { kind: "removeMountPoint" };

export interface MountPlan {
  steps: MountStep[];
  /** Reasons not to act; when non-empty, steps is empty and nothing must be done. */
  errors: string[];
  /** Gather facts and plan again after these steps (what an unmount uncovers is not known before). */
  replan: boolean;
}

/** Filesystems whose content is gone once unmounted: replaceDifferentSource never unmounts these. */
const MEMORY_FS = new Set(["tmpfs", "ramfs"]);

export function desiredFstabEntry(i: NfsMountInputs): FstabEntry {
  return {
    source: mountSource(i),
    mountPoint: i.mountPoint,
    fsType: i.fsType,
    options: [...i.options],
    dump: i.dump,
    pass: i.pass,
  };
}

/** True when the mount at the mount point is this export (any NFS flavour, FUSE included). */
export function isOurMount(i: NfsMountInputs, m: MountInfo): boolean {
  return isNfsType(m.fsType) && normalizeNfsSource(m.source) === normalizeNfsSource(mountSource(i));
}

/** What would be hidden, for a message: the first few names with sizes, and how many in all. */
export function describeEntries(entries: readonly MountPointEntry[], incomplete: boolean, max = 10): string {
  const shown = entries.slice(0, max).map((e) => `${JSON.stringify(e.name)}${e.type === "d" ? "/" : ` (${e.size} bytes)`}`);
  const more = entries.length > max ? `, and ${entries.length - max} more` : "";
  return `${shown.join(", ")}${more}${incomplete ? " (listing incomplete)" : ""}`;
}

function fstabEdit(i: NfsMountInputs, fstab: string | null): MountStep[] {
  const file = parseFstab(fstab ?? "");
  const edit = i.inFstab ? setFstabEntry(file, desiredFstabEntry(i)) : removeFstabEntry(file, i.mountPoint);
  return edit.changed ? [{ kind: "writeFstab", content: renderFstab(edit.file), duplicates: edit.duplicates }] : [];
}

export function planMount(i: NfsMountInputs, f: MountFacts): MountPlan {
  const steps: MountStep[] = [];
  const errors: string[] = [];
  const mp = i.mountPoint;
  const current = findMount(f.mounts, mp);
  const below = mountsBelow(f.mounts, mp);

  if (f.mountPoint.kind === "timeout") {
    errors.push(`${mp} did not answer within ${i.probeTimeoutSeconds} s (a dead hard mount on it or above it?)`);
  } else if (f.mountPoint.kind === "other") {
    errors.push(`${mp} exists and is not a directory`);
  }
  if (current !== null && f.mountPoint.responding === false && (i.mounted || isOurMount(i, current))) {
    errors.push(
      `${current.source} (${current.fsType}) mounted on ${mp} is not responding (statfs gave no answer within ` +
        `${i.probeTimeoutSeconds} s): its server is unreachable; nothing was changed`,
    );
  }
  if (errors.length > 0) return { steps: [], errors, replan: false };

  if (i.mounted) {
    if (f.mountPoint.kind === "missing") steps.push({ kind: "createMountPoint" });
    if (current !== null && isOurMount(i, current)) {
      const mismatches = mountOptionMismatches(i.options, current);
      if (mismatches.length > 0) steps.push({ kind: "remount", mismatches });
    } else {
      if (current !== null) {
        const what = `${current.source || "(no source)"} (${current.fsType})`;
        if (!i.replaceDifferentSource) {
          errors.push(
            `${mp} has ${what} mounted, not ${mountSource(i)}: NFS cannot switch source with a remount. ` +
              `Unmount it yourself, or set replaceDifferentSource to unmount it (refused while in use)`,
          );
          return { steps: [], errors, replan: false };
        }
        if (MEMORY_FS.has(current.fsType)) {
          errors.push(
            `${mp} has ${what} mounted: its content lives only in memory and unmounting it would destroy it; ` +
              `unmount it yourself once it holds nothing you need`,
          );
          return { steps: [], errors, replan: false };
        }
        // What lies under it is only known once it is unmounted: apply plans again after this step.
        steps.push({ kind: "unmount", source: current.source, fsType: current.fsType, reason: `it is not ${mountSource(i)}` });
        return { steps, errors, replan: true };
      }
      const entries = f.mountPoint.entries ?? [];
      if (below.length > 0) {
        errors.push(`${mp} has mounts below it (${below.map((m) => m.mountPoint).join(", ")}); a mount would hide them`);
      } else if (entries.length > 0 || f.mountPoint.listingIncomplete) {
        if (i.existingContent === "refuse") {
          errors.push(
            `${mp} is not empty; mounting would hide: ${describeEntries(entries, f.mountPoint.listingIncomplete)}. ` +
              `Move them away, or set existingContent to "carry" to move them onto the share`,
          );
        } else if (f.mountPoint.listingIncomplete) {
          errors.push(`${mp}: the listing of what is in it did not complete; cannot carry content safely`);
        } else {
          steps.push({ kind: "carryAndMount", entries });
        }
      } else {
        steps.push({ kind: "mount" });
      }
    }
  } else if (current !== null && isOurMount(i, current)) {
    steps.push({ kind: "unmount", source: current.source, fsType: current.fsType, reason: "mounted is false" });
  }
  if (errors.length > 0) return { steps: [], errors, replan: false };
  return { steps: [...steps, ...fstabEdit(i, f.fstab)], errors, replan: false };
}

/** Delete: unmount this export (if mounted), remove the fstab line, remove the mount point if we made it. */
export function planMountDelete(i: NfsMountInputs, f: MountFacts, createdMountPoint: boolean): MountPlan {
  const steps: MountStep[] = [];
  const current = findMount(f.mounts, i.mountPoint);
  if (current !== null && isOurMount(i, current)) {
    if (f.mountPoint.responding === false) {
      return {
        steps: [],
        errors: [`${current.source} on ${i.mountPoint} is not responding; unmount it by hand (umount -f) and retry`],
        replan: false,
      };
    }
    steps.push({ kind: "unmount", source: current.source, fsType: current.fsType, reason: "the resource is deleted" });
  }
  const edit = removeFstabEntry(parseFstab(f.fstab ?? ""), i.mountPoint);
  if (edit.changed) steps.push({ kind: "writeFstab", content: renderFstab(edit.file), duplicates: edit.duplicates });
  const stillOccupied = current !== null && !isOurMount(i, current);
  if (createdMountPoint && !stillOccupied && f.mountPoint.kind === "directory") steps.push({ kind: "removeMountPoint" });
  return { steps, errors: [], replan: false };
}

export function observedMount(m: MountInfo | null, responding: boolean | null): ObservedMount | null {
  if (m === null) return null;
  return {
    source: m.source,
    fsType: m.fsType,
    options: [...m.mountOptions, ...m.superOptions],
    mountId: m.mountId,
    responding: responding !== false,
  };
}

/** The host's state in the inputs' shape (for read, so refresh shows drift), plus the differences in words. */
export function observeMount(
  i: NfsMountInputs,
  f: MountFacts,
): { mounted: boolean; inFstab: boolean; options: string[]; mount: ObservedMount | null; fstabLine: string | null; drift: string[] } {
  const current = findMount(f.mounts, i.mountPoint);
  const ours = current !== null && isOurMount(i, current);
  const file = parseFstab(f.fstab ?? "");
  const lines = findFstabEntries(file, i.mountPoint);
  const first = lines[0];
  const drift: string[] = [];
  if (i.mounted && !ours) {
    drift.push(current === null ? `${i.mountPoint} is not mounted` : `${i.mountPoint} has ${current.source} (${current.fsType}) mounted`);
  }
  if (!i.mounted && ours) drift.push(`${i.mountPoint} is mounted`);
  if (ours && i.mounted) {
    const mismatches = mountOptionMismatches(i.options, current);
    if (mismatches.length > 0) drift.push(`mount options differ: ${mismatches.join("; ")}`);
    if (f.mountPoint.responding === false) drift.push(`${i.mountPoint} is not responding`);
  }
  if (i.inFstab) {
    if (!first) drift.push(`/etc/fstab has no line for ${i.mountPoint}`);
    else if (renderFstab(setFstabEntry(file, desiredFstabEntry(i)).file) !== (f.fstab ?? "")) {
      drift.push(`/etc/fstab says: ${file.lines[first.index].raw.trim()}${lines.length > 1 ? ` (and ${lines.length - 1} more lines)` : ""}`);
    }
  } else if (first) {
    drift.push(`/etc/fstab has a line for ${i.mountPoint}`);
  }
  return {
    mounted: ours,
    inFstab: first !== undefined,
    options: first ? first.entry.options : [...i.options],
    mount: observedMount(current, current === null ? null : f.mountPoint.responding),
    fstabLine: first ? file.lines[first.index].raw : null,
    drift,
  };
}
