import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeUsers, parseDomainUsers, parseProcessUsers } from "../../../provider/resources/nfs-mount/users";

const sample = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");
const OVS = "/OVS/Repositories/0004fb0000030000a5c9b5cf920f93e3";

describe("domains using a mount point", () => {
  it("finds the domain whose disk image is under it in real `xm list -l` output (Oracle VM)", () => {
    const out = { stdout: `toolstack xm\n${sample("xm-list-l.oraclevm-xen4-multi.sxp")}`, stderr: "", code: 0 };
    const u = parseDomainUsers(out, OVS);
    expect(u).toEqual({
      toolstack: "xm",
      error: null,
      domains: [{ domain: "0004fb0000060000236e45007b980aa1", disks: [expect.stringMatching(/^\/OVS\/Repositories\/.*\.img$/)] }],
    });
    // A sibling folder with the same prefix is not "under" it.
    expect(parseDomainUsers(out, "/OVS/Repo").domains).toEqual([]);
  });

  it("reads real `xl list -l` JSON (test01 has no disk there) and skips Domain-0", () => {
    const u = parseDomainUsers({ stdout: `toolstack xl\n${sample("xl-list-l.xen-4.17.json")}`, stderr: "", code: 0 }, "/data");
    expect(u).toEqual({ toolstack: "xl", domains: [], error: null });
  });

  it("cannot call a mount idle when the toolstack does not answer", () => {
    const down = parseDomainUsers(
      { stdout: "toolstack xm\nError: Unable to connect to xend: No such file or directory. Is xend running?\n", stderr: "", code: 1 },
      "/data",
    );
    expect(down.error).toBe("xm list -l failed: Error: Unable to connect to xend: No such file or directory. Is xend running?");
    expect(describeUsers("/data", { processes: [], domains: down })).toContain("cannot tell which domains use it");
    expect(parseDomainUsers({ stdout: "toolstack xm\n", stderr: "", code: 124 }, "/data").error).toBe("xm list -l failed: no answer in time");
    expect(parseDomainUsers({ stdout: "toolstack none\n", stderr: "", code: 0 }, "/data")).toEqual({ toolstack: "none", domains: [], error: null });
  });
});

describe("processes using a mount point", () => {
  it("reads the /proc scan, one entry per process", () => {
    const p = parseProcessUsers({ stdout: "812 qemu-dm /data/test01.img\n812 qemu-dm /data/other.img\n901 bash /data\n", stderr: "", code: 0 });
    expect(p).toEqual([
      { pid: 812, name: "qemu-dm", path: "/data/test01.img" },
      { pid: 901, name: "bash", path: "/data" },
    ]);
    expect(describeUsers("/data", { processes: p, domains: { toolstack: "xm", domains: [{ domain: "test01", disks: ["/data/test01.img"] }], error: null } })).toBe(
      "/data is in use: domain test01 (disk /data/test01.img); process 812 (qemu-dm) using /data/test01.img; process 901 (bash) using /data",
    );
    expect(describeUsers("/data", { processes: [], domains: { toolstack: "none", domains: [], error: null } })).toBeNull();
  });
});
