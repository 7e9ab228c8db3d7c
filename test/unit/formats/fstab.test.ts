import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  FSTAB_DUPLICATE_MARK,
  findFstabEntries,
  parseFstab,
  removeFstabEntry,
  renderFstab,
  setFstabEntry,
  type FstabEntry,
} from "../../../provider/formats/fstab";
import { mangleOctal, unmangleOctal } from "../../../provider/formats/fstab-octal-escape";

const dir = join(__dirname, "../../fixtures/fstab");
const fixture = (name: string): string => readFileSync(join(dir, name), "utf8");
const runbookLine: FstabEntry = {
  source: "10.10.10.30:/data",
  mountPoint: "/data",
  fsType: "nfs",
  options: ["hard", "rw", "rsize=32768", "wsize=32768"],
  dump: 0,
  pass: 0,
};

describe("fstab round trip", () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".fstab"))) {
    it(`${name} renders back byte-for-byte`, () => {
      const text = fixture(name);
      expect(renderFstab(parseFstab(text))).toBe(text);
    });
  }
  it.each(["", "\n", "a", "  \t\n\n", "x y\r\n", "#c\\\n/d /e", "/a /b nfs o 0 0 # c\n\\134 /x"])("odd text %j", (t) => {
    expect(renderFstab(parseFstab(t))).toBe(t);
  });
});

describe("fstab parsing", () => {
  it("reads the RHEL 5 file with LABEL= sources and defaults", () => {
    const f = parseFstab(fixture("rhel5-default.fstab"));
    const entries = f.lines.flatMap((l) => (l.kind === "entry" ? [l.entry] : []));
    expect(entries).toHaveLength(7);
    expect(entries[0]).toEqual({ source: "LABEL=/", mountPoint: "/", fsType: "ext3", options: ["defaults"], dump: 1, pass: 1 });
    expect(entries[3].options).toEqual(["gid=5", "mode=620"]);
  });
  it("decodes \\040, keeps trailing comments out of the fields, defaults short lines", () => {
    const f = parseFstab(fixture("rhel5-messy.fstab"));
    expect(findFstabEntries(f, "/srv/xen images")).toHaveLength(1);
    const data = findFstabEntries(f, "/data");
    expect(data.map((d) => d.entry)).toEqual([
      { source: "10.10.10.30:/data", mountPoint: "/data", fsType: "nfs", options: ["hard", "intr"], dump: 0, pass: 0 },
      { source: "10.10.10.30:/data", mountPoint: "/data/", fsType: "nfs", options: ["defaults"], dump: 0, pass: 0 },
    ]);
    const two = parseFstab("srv:/x /mnt\n").lines[0];
    expect(two.kind === "entry" && two.entry.fsType).toBeNull();
    expect(parseFstab("lonely\n").lines[0].kind).toBe("invalid");
    expect(parseFstab("  # indented comment\n").lines[0].kind).toBe("comment");
  });
  it("reads UUID= lines and multi-type fields of Debian 12", () => {
    const f = parseFstab(fixture("debian12-default.fstab"));
    expect(findFstabEntries(f, "/")[0].entry.source).toBe("UUID=4f3b0c36-5b1d-4c61-9a0e-5c1a8e2d7f11");
    expect(findFstabEntries(f, "/media/cdrom0")[0].entry.fsType).toBe("udf,iso9660");
  });
  it("octal escapes round trip and unknown escapes stay literal", () => {
    expect(mangleOctal("a b\tc\\d\ne")).toBe("a\\040b\\011c\\134d\\012e");
    expect(unmangleOctal(mangleOctal("a b\tc\\d\ne"))).toBe("a b\tc\\d\ne");
    expect(unmangleOctal("a\\x\\04\\0401")).toBe("a\\x\\04 1");
  });
});

describe("setFstabEntry", () => {
  it("appends to a file without the mount point, fixing a missing final newline only", () => {
    const text = fixture("rhel5-default.fstab");
    const { file, changed } = setFstabEntry(parseFstab(text), runbookLine);
    expect(changed).toBe(true);
    // The RHEL file aligns with spaces only, so the new line uses single spaces, like the runbook's.
    expect(renderFstab(file)).toBe(text + "10.10.10.30:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0\n");
    const noNl = "proc /proc proc defaults 0 0";
    expect(renderFstab(setFstabEntry(parseFstab(noNl), runbookLine).file)).toBe(
      noNl + "\n10.10.10.30:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0\n",
    );
    expect(renderFstab(setFstabEntry(parseFstab(""), runbookLine).file)).toBe(
      "10.10.10.30:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0\n",
    );
  });

  it("converges the messy RHEL file: first line replaced in place (tabs, comment kept), duplicate disabled", () => {
    const text = fixture("rhel5-messy.fstab");
    const { file, changed, duplicates } = setFstabEntry(parseFstab(text), runbookLine);
    expect(changed).toBe(true);
    const out = renderFstab(file);
    const before = text.split("\n");
    const after = out.split("\n");
    expect(after).toHaveLength(before.length);
    const changedLines = before.flatMap((l, i) => (l === after[i] ? [] : [i]));
    expect(changedLines).toEqual([7, 10]);
    expect(after[7]).toBe(
      "10.10.10.30:/data\t/data\tnfs\thard,rw,rsize=32768,wsize=32768\t0 0\t# added by jdoe 2012-03-01, CHG-4411",
    );
    expect(after[10]).toBe(FSTAB_DUPLICATE_MARK + before[10]);
    expect(duplicates).toEqual([11]);
    expect(findFstabEntries(parseFstab(out), "/data")).toHaveLength(1);
    // Converged: a second edit changes nothing.
    const again = setFstabEntry(parseFstab(out), runbookLine);
    expect(again.changed).toBe(false);
    expect(renderFstab(again.file)).toBe(out);
  });

  it("replaces an indented 3-field duplicate and the nfs4 line of Debian 12 in place", () => {
    const text = fixture("debian12-messy.fstab");
    const out = renderFstab(setFstabEntry(parseFstab(text), runbookLine).file);
    const before = text.split("\n");
    const after = out.split("\n");
    const changedLines = before.flatMap((l, i) => (l === after[i] ? [] : [i]));
    expect(changedLines).toEqual([15, 17]);
    expect(after[15]).toBe("10.10.10.30:/data  /data  nfs  hard,rw,rsize=32768,wsize=32768  0  0  # shared storage for xen");
    expect(after[17]).toBe(FSTAB_DUPLICATE_MARK + "   10.10.10.31:/data /data nfs");
  });

  it("fills the missing fields of a short line with the line's last separator", () => {
    const out = renderFstab(setFstabEntry(parseFstab("srv:/data\t/data\tnfs\n"), runbookLine).file);
    expect(out).toBe("10.10.10.30:/data\t/data\tnfs\thard,rw,rsize=32768,wsize=32768\t0\t0\n");
  });

  it("keeps an identical line byte-for-byte even with odd spacing", () => {
    const text = "  10.10.10.30:/data     /data//  nfs hard,rw,rsize=32768,wsize=32768 0    0   \n";
    const r = setFstabEntry(parseFstab(text), runbookLine);
    expect(r.changed).toBe(false);
    expect(renderFstab(r.file)).toBe(text);
  });

  it("escapes a mount point with a space", () => {
    const out = renderFstab(setFstabEntry(parseFstab(""), { ...runbookLine, mountPoint: "/srv/xen images" }).file);
    expect(out).toBe("10.10.10.30:/data /srv/xen\\040images nfs hard,rw,rsize=32768,wsize=32768 0 0\n");
    expect(findFstabEntries(parseFstab(out), "/srv/xen images")).toHaveLength(1);
  });

  it("does not touch a commented-out line for the same mount point", () => {
    const text = "#10.10.10.30:/data /data nfs hard 0 0\n";
    expect(renderFstab(setFstabEntry(parseFstab(text), runbookLine).file)).toBe(
      text + "10.10.10.30:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0\n",
    );
  });
});

describe("removeFstabEntry", () => {
  it("removes every active line of the mount point and nothing else", () => {
    const text = fixture("rhel5-messy.fstab");
    const r = removeFstabEntry(parseFstab(text), "/data");
    expect(r.changed).toBe(true);
    const lines = text.split("\n");
    expect(renderFstab(r.file)).toBe(lines.filter((_l, i) => i !== 7 && i !== 10).join("\n"));
  });
  it("is a no-op when the mount point is absent", () => {
    const text = fixture("rhel5-default.fstab");
    const r = removeFstabEntry(parseFstab(text), "/data");
    expect(r.changed).toBe(false);
    expect(renderFstab(r.file)).toBe(text);
  });
});
