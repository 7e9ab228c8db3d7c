/**
 * A gzipped newc cpio archive of a few small files: the per-host part of the real-Xen dom0 initramfs. The
 * kernel unpacks concatenated archives in order, so appending this one to the shared image adds or replaces
 * those files for one host.
 */
import * as zlib from "zlib";

export interface CpioEntry { path: string; mode: number; content?: string }

function header(ino: number, mode: number, size: number, name: string): Buffer {
  const f = (n: number) => n.toString(16).padStart(8, "0");
  const nameLen = Buffer.byteLength(name) + 1;
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameLen, 0].map(f).join("");
  return Buffer.concat([Buffer.from("070701" + fields), Buffer.from(name + "\0"), pad(110 + nameLen)]);
}

function pad(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

/** Directories get mode 0o040000|perm, files 0o100000|perm; list parents before their children. */
export function cpioGz(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const data = Buffer.from(e.content ?? "");
    parts.push(header(i + 1, e.mode, data.length, e.path.replace(/^\/+/, "")), data, pad(data.length));
  });
  parts.push(header(0, 0, 0, "TRAILER!!!"));
  return zlib.gzipSync(Buffer.concat(parts));
}
