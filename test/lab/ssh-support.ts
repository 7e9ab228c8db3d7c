/** Shared bits of the ssh/host lab tests: connections from the inventory and server-side observations. */
import { readFileSync } from "fs";
import { join } from "path";
import { type LabHost, loadInventory, toConnection } from "../../lab/inventory";
import type { ConnectionInput } from "../../provider/ssh/connection";

export const inv = loadInventory();

export function conn(h: LabHost, extra: Partial<ConnectionInput> = {}): ConnectionInput {
  return { ...toConnection(h), ...extra };
}

/**
 * Connections sshd accepted on a host, counted from its own log (/var/log/auth.log inside the host), read
 * from the harness side through the host's root so that counting opens no connection itself.
 */
export function acceptedConnections(h: LabHost): number {
  const log = readFileSync(join(h.root, "var/log/auth.log"), "utf8");
  return log.split("\n").filter((l) => /^Accepted publickey for /.test(l)).length;
}

/** Lines of a host's sshd log that appeared after `since` lines. */
export function authLogSince(h: LabHost, since: number): string[] {
  const lines = readFileSync(join(h.root, "var/log/auth.log"), "utf8").split("\n");
  return lines.filter((l) => /^Accepted publickey for /.test(l)).slice(since);
}

/** A file inside a host, read from the harness side (independent of the library under test). */
export function hostFile(h: LabHost, path: string): string | null {
  try {
    return readFileSync(join(h.root, path), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** An address inside the lab's lan0 subnet that no host and no guest has. */
export function unusedLabAddress(): string {
  const seg = inv.network.segments[0];
  const used = new Set(Object.values(inv.hosts).flatMap((h) => h.interfaces.map((i) => i.address)));
  const base = seg.subnet.split(".").slice(0, 3).join(".");
  for (let octet = 250; octet > inv.network.guestOctets.last; octet--) {
    const a = `${base}.${octet}`;
    if (!used.has(a) && a !== seg.harnessAddress) return a;
  }
  throw new Error("no unused address in the lab subnet");
}

export async function eventually<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, tries = 50): Promise<T> {
  let v = await f();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await f();
  }
  return v;
}
