/**
 * What a reader of the REAL outputs expects, derived from the samples: the unit tests check the samples and
 * the formatters against these, and the lab tests check the simulator's live output against the same ones.
 */
import { sample } from "./samples";

const xmSample = sample("outputs/xm-migrate-failure-and-localhost.xen-3.3.txt").split("\n");
const xlSample = sample("outputs/xl-transcripts.xen-4.17.txt").split("\n");

/** `xm list` header of Xen 3.2+ (the sample is 3.3; 4.x prints the same). */
export const XM_LIST_HEADER = xmSample.find((l) => l.startsWith("Name ")) as string;
/** A row: %-40s %5s %5d %5d %10s %8.1f */
export const XM_LIST_ROW = /^(\S.{39}) ([ \d]{5}) ([ \d]{5}) ([ \d]{5}) ([ rbpscd-]{10}) ([ \d.]{8})$/;
/** `xl list` header, TABs included. */
export const XL_LIST_HEADER = xlSample.find((l) => l.startsWith("Name ")) as string;
/** A row: %-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f */
export const XL_LIST_ROW = /^(\S.{39}) ([ \d]{5}) ([ \d]{5}) ([ \d]{5}) {5}([rbpscd-]{6}) {2}([ \d.]{8})$/;
/** `xm info` / `xl info` line: key padded to 23, ": ", value. */
export const INFO_LINE = /^([a-z_0-9]{1,23}) *: (.*)$/;

export function infoKeys(text: string): string[] {
  return text.trim().split("\n").map((l) => (INFO_LINE.exec(l) ?? ["", "?"])[1]);
}

/** Keys of real `xm info` (3.4) and `xl info` (4.17), in order. */
export const XM_INFO_KEYS = infoKeys(sample("outputs/xm-info.xen-3.4.2-centos5.txt"));
export const XL_INFO_KEYS = infoKeys(sample("outputs/xl-transcripts.xen-4.17.txt").split("=== xl info\n")[1].split("xl info rc=0")[0]);

export function infoMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.trim().split("\n")) {
    const m = INFO_LINE.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
