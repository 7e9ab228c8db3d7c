/**
 * Seeded random inputs around each rule's edges for the two NFS resources: whatever check accepts is written
 * into /etc/exports or /etc/fstab and read back exactly (no value splits a field, starts a comment or adds an
 * option), and every path is one argv word that no command reads as an option.
 */
import { checkInputs } from "../../../provider/core/check";
import { findExports, parseExports, renderExports, setExport } from "../../../provider/formats/exports";
import { findFstabEntries, parseFstab, renderFstab, setFstabEntry } from "../../../provider/formats/fstab";
import { nfsExportInputsSchema } from "../../../provider/resources/nfs-export/schema";
import { nfsMountInputsSchema } from "../../../provider/resources/nfs-mount/schema";
import { pick, rng } from "../../support/seeded";

const SEED = 20261207;
// never an option (it starts with "/"), never two words, nothing a shell gives a meaning to
// eslint-disable-next-line no-control-regex
const oneWord = (p: string) => p.startsWith("/") && !/[\s\x00-\x1f\x7f;$`'"\\#()]/.test(p);
const conn = { host: "198.18.0.30", password: "pw" };
const PATH = ["/", "data", "a", "-", ".", "..", "//", " ", "\t", "\n", "#", ",", "(", ")", "\\", "\"", "'", "$", ";", "é", "\u0000", "%", "=", ":"];
const HOST = ["node1", "10.10.10.", "1", "0/24", "*", "?", "@", "-", ".", "(", ")", " ", ",", "#", "[", "::", "é"];
const OPTION = ["rw", "ro", "sync", "no_root_squash", "hard", "soft", "rsize=", "32768", "x", "=", ",", " ", "#", "-", "(", "vers=4.2", "é"];

test(`seeded (seed ${SEED}): an accepted export reads back from /etc/exports exactly`, () => {
  const next = rng(SEED);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const path = next() < 0.3 ? "/data" : `/${pick(next, PATH, 6)}`;
    const host = next() < 0.2 ? "10.10.10.11" : pick(next, HOST, 5);
    const options = next() < 0.3 ? undefined : Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, OPTION, 3));
    const r = checkInputs(nfsExportInputsSchema, { connection: conn, path, clients: [{ host, ...(options ? { options } : {}) }] });
    if (r.failures.length > 0) continue;
    accepted++;
    const i0 = r.inputs as { path: string; clients: { host: string; options: string[] }[] };
    const entry = { path: i0.path, defaultOptions: null, clients: i0.clients.map((c) => ({ host: c.host, options: c.options })) };
    const text = renderExports(setExport(parseExports("# managed\n"), entry).file);
    const back = findExports(parseExports(text), i0.path);
    expect({ text, back: back.map((b) => ({ path: b.entry.path, clients: b.entry.clients })) }).toEqual({ text, back: [{ path: entry.path, clients: entry.clients }] });
    expect({ p: i0.path, oneWord: oneWord(i0.path) }).toEqual({ p: i0.path, oneWord: true });
  }
  expect(accepted).toBeGreaterThan(100); // or the generator proves nothing
});

test(`seeded (seed ${SEED}): an accepted mount reads back from /etc/fstab exactly`, () => {
  const next = rng(SEED + 2);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const mountPoint = next() < 0.3 ? "/data" : `/${pick(next, PATH, 6)}`;
    const exportPath = next() < 0.5 ? "/data" : `/${pick(next, PATH, 4)}`;
    const options = next() < 0.2 ? undefined : Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(next, OPTION, 3));
    const r = checkInputs(nfsMountInputsSchema, { connection: conn, server: "10.10.10.30", exportPath, mountPoint, ...(options ? { options } : {}) });
    if (r.failures.length > 0) continue;
    accepted++;
    const m = r.inputs as { server: string; exportPath: string; mountPoint: string; options: string[]; dump: number; pass: number };
    const entry = { source: `${m.server}:${m.exportPath}`, mountPoint: m.mountPoint, fsType: "nfs", options: m.options, dump: m.dump, pass: m.pass };
    const text = renderFstab(setFstabEntry(parseFstab("# /etc/fstab\n"), entry).file);
    const back = findFstabEntries(parseFstab(text), m.mountPoint).map((b) => {
      const { source, mountPoint: mp, fsType, options: o, dump, pass } = b.entry;
      return { source, mountPoint: mp, fsType, options: o, dump, pass };
    });
    expect({ text, back }).toEqual({ text, back: [entry] });
    for (const p of [m.mountPoint, m.exportPath]) expect({ p, oneWord: oneWord(p) }).toEqual({ p, oneWord: true });
  }
  expect(accepted).toBeGreaterThan(100);
});
