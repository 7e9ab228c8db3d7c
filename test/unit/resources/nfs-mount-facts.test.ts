/**
 * The mount point probe is a shell script: run it here with the local sh on temp folders, and parse its output
 * with the same parser the provider uses.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMIT_FN, mountPointProbe, parseMountPoint } from "../../../provider/resources/nfs-mount/facts";

function runProbe(path: string) {
  const p = mountPointProbe(path, 2);
  const r = spawnSync("sh", ["-c", p.script, "sh", ...(p.args ?? [])], { encoding: "utf8" });
  return p.parse({ stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 });
}

describe("mount point probe", () => {
  it("lists what a mount would hide, names with spaces and newlines included", () => {
    const dir = mkdtempSync(join(tmpdir(), "xenha-mp-"));
    writeFileSync(join(dir, "test01.img"), "disk");
    writeFileSync(join(dir, "odd name\nx"), "");
    mkdirSync(join(dir, "iso"));
    const f = runProbe(dir);
    expect(f.kind).toBe("directory");
    expect(f.responding).toBeNull();
    expect(f.listingIncomplete).toBe(false);
    expect(f.entries?.map((e) => [e.type, e.name]).sort()).toEqual([["d", "iso"], ["f", "odd name\nx"], ["f", "test01.img"]]);
    expect(f.entries?.find((e) => e.name === "test01.img")?.size).toBe(4);
  });

  it("reports an empty directory, a missing path and a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "xenha-mp-"));
    expect(runProbe(dir)).toEqual({ kind: "directory", responding: null, entries: [], listingIncomplete: false });
    expect(runProbe(join(dir, "none")).kind).toBe("missing");
    writeFileSync(join(dir, "f"), "");
    expect(runProbe(join(dir, "f")).kind).toBe("other");
  });

  it("checks that a mounted mount point answers instead of listing it", () => {
    // /proc is a mount point on every Linux host.
    expect(runProbe("/proc")).toEqual({ kind: "directory", responding: true, entries: null, listingIncomplete: false });
  });

  it("gives up on a command that does not finish, without waiting for it", () => {
    const r = spawnSync("sh", ["-c", `${LIMIT_FN}\nlimit 1 sleep 30; echo "rc $?"`], { encoding: "utf8", timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("rc 124\n");
    const ok = spawnSync("sh", ["-c", `${LIMIT_FN}\nlimit 5 sh -c 'echo out; exit 3'; echo "rc $?"`], { encoding: "utf8" });
    expect(ok.stdout).toBe("out\nrc 3\n");
  });

  it("rejects output it does not understand", () => {
    expect(() => parseMountPoint({ stdout: "garbage", stderr: "", code: 0 })).toThrow("unexpected output");
  });
});
