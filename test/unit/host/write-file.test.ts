import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { WRITE_SCRIPT, parseWriteOutput } from "../../../provider/host/write-file";
import { checkRemotePath } from "../../../provider/host/paths";

describe("parseWriteOutput", () => {
  it("reads the script's report", () => {
    expect(parseWriteOutput("unchanged\n")).toEqual({ changed: false, backupPath: null });
    expect(parseWriteOutput("changed\n\n")).toEqual({ changed: true, backupPath: null });
    expect(parseWriteOutput("changed\n/etc/exports.xen-ha-20261125T224202Z.bak\n"))
      .toEqual({ changed: true, backupPath: "/etc/exports.xen-ha-20261125T224202Z.bak" });
    expect(() => parseWriteOutput("garbage")).toThrow(/unexpected output/);
  });
});

describe("checkRemotePath", () => {
  it.each(["/etc/exports", "/etc/xen/a b;c", "/tmp/$(x)`y`'z\"", "/"])("accepts %j", (p) => {
    expect(checkRemotePath(p)).toBe(p);
  });
  it.each([
    ["", /non-empty/], ["etc/exports", /absolute/], ["/etc/a\nb", /control characters/], ["/etc/a\0", /control/],
    ["/etc/", /not end in/], ["/etc/../root/x", /\.\./],
  ])("rejects %j", (p, why) => {
    expect(() => checkRemotePath(p)).toThrow(why);
  });
});

/** The write script run by a local sh (the script's logic; the lab tests run it over SSH). */
function write(path: string, content: string, opts: { mode?: string; backup?: boolean; size?: number; keep?: number } = {}) {
  const data = Buffer.from(content);
  const sum = createHash("sha256").update(data).digest("hex");
  return spawnSync("sh", ["-c", WRITE_SCRIPT, "sh", path, opts.mode ?? "", "", opts.backup === false ? "0" : "1",
    String(opts.size ?? data.length), sum, String(opts.keep ?? 5)], { input: data, encoding: "utf8" });
}

describe("the write script", () => {
  const dir = mkdtempSync(join(tmpdir(), "xenha-write-"));

  it("creates, keeps identical content untouched, backs up on change", () => {
    const p = join(dir, "a.conf");
    expect(write(p, "one\n").stdout).toBe("changed\n\n");
    expect(statSync(p).mode & 0o777).toBe(0o644);
    expect(write(p, "one\n").stdout).toBe("unchanged\n");
    const r = write(p, "two\n", { mode: "0600" });
    const backup = parseWriteOutput(r.stdout).backupPath as string;
    expect(backup).toMatch(/a\.conf\.xen-ha-\d{8}T\d{6}Z(-\d+)?\.bak$/);
    expect(readFileSync(backup, "utf8")).toBe("one\n");
    expect(statSync(backup).mode & 0o777).toBe(0o644);
    expect(readFileSync(p, "utf8")).toBe("two\n");
    expect(statSync(p).mode & 0o777).toBe(0o600);
    const r2 = write(p, "three\n");
    expect(parseWriteOutput(r2.stdout).backupPath).not.toBe(backup); // never overwrites an older backup
    expect(statSync(p).mode & 0o777).toBe(0o600); // kept from the old file
  });

  it("refuses a short transfer and leaves the old file and no temp file", () => {
    const p = join(dir, "b.conf");
    writeFileSync(p, "old\n");
    const r = write(p, "new content\n", { size: 1000 });
    expect(r.status).toBe(74);
    expect(r.stderr).toMatch(/received 12 of 1000 bytes/);
    expect(readFileSync(p, "utf8")).toBe("old\n");
    expect(readdirSync(dir).filter((f) => f.startsWith(".xen-ha."))).toEqual([]);
  });

  it("follows a symlink: the target changes, the link stays", () => {
    const target = join(dir, "target.conf");
    const link = join(dir, "link.conf");
    writeFileSync(target, "old\n");
    symlinkSync(target, link);
    expect(write(link, "new\n").status).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("new\n");
    expect(readFileSync(link, "utf8")).toBe("new\n");
  });

  it("refuses to replace a directory or write into a missing folder", () => {
    expect(write(dir, "x").status).toBe(75);
    expect(write(join(dir, "missing", "f"), "x").status).toBe(76);
  });

  it("writes hostile names verbatim", () => {
    const p = join(dir, "; rm -rf $(echo x) `id` 'q\" *");
    expect(write(p, "ok\n").status).toBe(0);
    expect(readFileSync(p, "utf8")).toBe("ok\n");
  });
});
