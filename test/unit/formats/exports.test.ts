import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  EXPORTS_DUPLICATE_MARK,
  exportLineNumbers,
  effectiveOptions,
  findExports,
  parseExports,
  removeExport,
  renderExports,
  setExport,
  type ExportEntry,
} from "../../../provider/formats/exports";
import { parseExportfsVerbose } from "../../../provider/formats/exports-exportfs";

const dir = join(__dirname, "../../fixtures/exports");
const fixture = (name: string): string => readFileSync(join(dir, name), "utf8");
const wanted: ExportEntry = {
  path: "/data",
  defaultOptions: null,
  clients: [
    { host: "10.10.10.10", options: ["rw", "sync", "no_root_squash", "no_subtree_check"] },
    { host: "10.10.10.20", options: ["rw", "sync", "no_root_squash", "no_subtree_check"] },
  ],
};
const entries = (text: string): ExportEntry[] =>
  parseExports(text).lines.flatMap((l) => (l.kind === "entry" ? [l.entry] : []));

describe("exports round trip", () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".exports"))) {
    it(`${name} renders back byte-for-byte`, () => {
      const text = fixture(name);
      expect(renderExports(parseExports(text))).toBe(text);
    });
  }
  it.each(["", "\n", "/a \\\n", '"/unbalanced h(rw)\n', "/a h(rw \\\n# c \\\n/b", "\\\n\\\n"])("odd text %j", (t) => {
    expect(renderExports(parseExports(t))).toBe(t);
  });
});

describe("exports parsing", () => {
  it("reads Debian's default file as comments only", () => {
    expect(entries(fixture("debian12-default.exports"))).toEqual([]);
  });
  it("reads every kind of entry in the messy file", () => {
    const e = entries(fixture("rhel5-messy.exports"));
    expect(e.map((x) => x.path)).toEqual([
      "/data",
      "/srv/iso",
      "/export/old stuff",
      "/export/quoted dir",
      "/home",
      "/data",
      "/var/ftp/pub",
      "/srv/v6",
      "/srv/old",
    ]);
    expect(e[0].clients).toEqual([
      { host: "10.10.10.0/24", options: ["rw", "sync", "no_root_squash"] },
      { host: "192.168.233.0/255.255.255.0", options: ["ro"] },
    ]);
    expect(e[1].clients.map((c) => c.host)).toEqual(["*.lab.example.com", "@xenhosts"]);
    // Continuation lines belong to /home; defaults apply to both clients, the second adds its own on top.
    expect(e[4].defaultOptions).toEqual(["rw", "sync"]);
    expect(e[4].clients.map((c) => effectiveOptions(e[4], c))).toEqual([["rw", "sync"], ["rw", "sync", "no_root_squash"]]);
    expect(e[6].clients).toEqual([{ host: "", options: ["ro", "insecure"] }]);
    expect(e[7].clients.map((c) => c.host)).toEqual(["2001:db8::/64", "fe80::1"]);
  });
  it("treats # inside a token as part of it, and at a token start as a comment", () => {
    expect(entries("/a#b h(rw) #c h2(ro)\n")).toEqual([
      { path: "/a#b", defaultOptions: null, clients: [{ host: "h", options: ["rw"] }] },
    ]);
  });
  it("marks a line that is not an entry as invalid and keeps it", () => {
    const f = parseExports("data h(rw)\n/x h(rw\n");
    expect(f.lines.map((l) => l.kind)).toEqual(["invalid", "invalid"]);
  });
});

describe("setExport", () => {
  it("appends to Debian's default file", () => {
    const text = fixture("debian12-default.exports");
    const r = setExport(parseExports(text), wanted);
    expect(r.changed).toBe(true);
    expect(renderExports(r.file)).toBe(
      text + "/data 10.10.10.10(rw,sync,no_root_squash,no_subtree_check) 10.10.10.20(rw,sync,no_root_squash,no_subtree_check)\n",
    );
  });

  it("converges the messy file: first /data rewritten in place with its tabs, the duplicate disabled", () => {
    const text = fixture("rhel5-messy.exports");
    const r = setExport(parseExports(text), wanted);
    const out = renderExports(r.file);
    const before = text.split("\n");
    const after = out.split("\n");
    expect(after).toHaveLength(before.length);
    const changedLines = before.flatMap((l, i) => (l === after[i] ? [] : [i]));
    expect(changedLines).toEqual([1, 9]);
    expect(after[1]).toBe(
      "/data\t\t10.10.10.10(rw,sync,no_root_squash,no_subtree_check) 10.10.10.20(rw,sync,no_root_squash,no_subtree_check)",
    );
    expect(after[9]).toBe(EXPORTS_DUPLICATE_MARK + "/data 10.10.10.20(rw,async)");
    expect(r.duplicates).toEqual([10]);
    expect(findExports(parseExports(out), "/data")).toHaveLength(1);
    const again = setExport(parseExports(out), wanted);
    expect(again.changed).toBe(false);
    expect(renderExports(again.file)).toBe(out);
  });

  it("disables every physical line of a continued duplicate and keeps a trailing comment on rewrite", () => {
    const text = "/home 10.0.0.1(ro)  # keep me\n/home -rw \\\n\th1 \\\n\th2\n/other h(ro)\n";
    const out = renderExports(
      setExport(parseExports(text), { path: "/home", defaultOptions: null, clients: [{ host: "h1", options: ["rw"] }] }).file,
    );
    expect(out).toBe(
      "/home h1(rw)  # keep me\n" +
        `${EXPORTS_DUPLICATE_MARK}/home -rw \\\n${EXPORTS_DUPLICATE_MARK}\th1 \\\n${EXPORTS_DUPLICATE_MARK}\th2\n` +
        "/other h(ro)\n",
    );
    expect(entries(out).map((e) => e.path)).toEqual(["/home", "/other"]);
  });

  it("keeps an entry that means the same (default options, quotes, trailing slash) byte-for-byte", () => {
    const text = '"/data/" -rw,sync \\\n  10.10.10.10(no_root_squash,no_subtree_check) 10.10.10.20(no_root_squash,no_subtree_check)\n';
    const r = setExport(parseExports(text), wanted);
    expect(r.changed).toBe(false);
    expect(renderExports(r.file)).toBe(text);
  });

  it("rewrites when only the client order differs (exportfs matches clients in order)", () => {
    const text = "/data 10.10.10.20(rw,sync,no_root_squash,no_subtree_check) 10.10.10.10(rw,sync,no_root_squash,no_subtree_check)\n";
    expect(setExport(parseExports(text), wanted).changed).toBe(true);
  });

  it("escapes a path with a space so that it parses back", () => {
    const out = renderExports(setExport(parseExports(""), { ...wanted, path: "/srv/xen images" }).file);
    expect(out.startsWith("/srv/xen\\040images 10.10.10.10(")).toBe(true);
    expect(findExports(parseExports(out), "/srv/xen images")).toHaveLength(1);
  });
});

describe("removeExport", () => {
  it("removes both /data entries and nothing else", () => {
    const text = fixture("rhel5-messy.exports");
    const r = removeExport(parseExports(text), "/data");
    expect(r.changed).toBe(true);
    expect(renderExports(r.file)).toBe(text.split("\n").filter((_l, i) => i !== 1 && i !== 9).join("\n"));
  });
  it("removes a continued entry with all its lines", () => {
    const text = fixture("rhel5-messy.exports");
    const out = renderExports(removeExport(parseExports(text), "/home").file);
    expect(out).toBe(text.split("\n").filter((_l, i) => i < 6 || i > 8).join("\n"));
  });
  it("is a no-op when absent", () => {
    expect(removeExport(parseExports("/x h\n"), "/data").changed).toBe(false);
  });
});

describe("exportfs -v", () => {
  it("reads short and long paths and <world>", () => {
    const live = parseExportfsVerbose(fixture("exportfs-v.nfs-utils-2.6.txt"));
    expect(live.map((l) => [l.path, l.client])).toEqual([
      ["/data", "10.10.10.10"],
      ["/data", "10.10.10.20"],
      ["/srv/exports/very-long-name", "10.10.10.0/24"],
      ["/pub", "<world>"],
    ]);
    expect(live[0].options).toContain("no_root_squash");
  });
  it("reads plain exportfs without options", () => {
    expect(parseExportfsVerbose(fixture("exportfs.plain.txt"))).toEqual([
      { path: "/data", client: "10.10.10.0/24", options: null },
      { path: "/srv/exports/very-long-name", client: "<world>", options: null },
    ]);
  });
});

describe("exportLineNumbers", () => {
  it("gives the physical lines of every entry for a path, continuation lines included", () => {
    const f = parseExports(fixture("rhel5-messy.exports"));
    expect(exportLineNumbers(f, "/data")).toEqual([2, 10]);
    expect(exportLineNumbers(f, "/home")).toEqual([7, 8, 9]);
    expect(exportLineNumbers(f, "/none")).toEqual([]);
  });
});
