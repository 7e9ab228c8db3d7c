import { readFileSync } from "fs";
import { join } from "path";
import { DomainDetailsParseError, parseDiskSpec, parseXmListLong } from "../../../provider/formats/xm-list-long";
import { parseXlListLong } from "../../../provider/formats/xl-list-long";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");

describe("parseXmListLong", () => {
  test("Xen 3.3.1: one PV domain with a phy: disk and a vif, prompt line ignored", () => {
    const [d, ...rest] = parseXmListLong(fixture("xm-list-l.xen-3.3.1.sxp"));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ name: "UbuntuPVS810", domid: 15, memoryMiB: 4096, maxMemoryMiB: 4096, vcpus: 1 });
    expect(d.disks).toEqual([{ spec: "phy:/dev/sdb7", kind: "block", path: "/dev/sdb7", vdev: "xvda", cdrom: false }]);
    expect(d.vifs).toEqual([{ bridge: "eth0", mac: "00:16:3e:1b:8b:d2" }]);
  });

  test("Oracle VM (Xen 4): several domains, quoted '' empties, a file: disk on its own line", () => {
    const doms = parseXmListLong(fixture("xm-list-l.oraclevm-xen4-multi.sxp"));
    expect(doms.map((d) => [d.name, d.domid, d.memoryMiB])).toEqual([
      ["0004fb0000060000236e45007b980aa1", 1, 2048],
      ["Domain-0", 0, 1098],
    ]);
    expect(doms[0].disks).toEqual([
      {
        spec: "file:/OVS/Repositories/0004fb0000030000a5c9b5cf920f93e3/VirtualDisks/0004fb0000120000e77ab5d916c6c3c2.img",
        kind: "file",
        path: "/OVS/Repositories/0004fb0000030000a5c9b5cf920f93e3/VirtualDisks/0004fb0000120000e77ab5d916c6c3c2.img",
        vdev: "xvda",
        cdrom: false,
      },
    ]);
    expect(doms[0].vifs).toEqual([{ bridge: "10e69b4de3", mac: "00:21:f6:00:08:b8" }]);
    expect(doms[1].disks).toEqual([]);
  });

  test("an unbalanced listing is an error naming the problem", () => {
    expect(() => parseXmListLong("(domain (domid 1) (name x)")).toThrow(DomainDetailsParseError);
    expect(() => parseXmListLong("Error: Domain 'x' does not exist.")).toThrow(/no S-expression/);
  });
});

describe("parseDiskSpec", () => {
  test.each([
    ["file:/data/test01.img", "xvda", { kind: "file", path: "/data/test01.img", vdev: "xvda", cdrom: false }],
    ["phy:sdb7", "hda:disk", { kind: "block", path: "/dev/sdb7", vdev: "hda" }],
    ["phy:/dev/vg0/test01", null, { kind: "block", path: "/dev/vg0/test01" }],
    ["tap:aio:/data/test01.img", "xvda", { kind: "file", path: "/data/test01.img" }],
    ["tap:qcow2:/data/t.qcow2", "xvda", { kind: "file", path: "/data/t.qcow2" }],
    ["tap2:tapdisk:aio:/data/t.img", "xvda", { kind: "file", path: "/data/t.img" }],
    ["file:/iso/install.iso", "hdc:cdrom", { kind: "file", path: "/iso/install.iso", vdev: "hdc", cdrom: true }],
    ["drbd:r0", "xvda", { kind: "other", path: null }],
    ["/data/bare.img", "xvda", { kind: "file", path: "/data/bare.img" }],
  ])("%s", (spec, vdev, expected) => {
    expect(parseDiskSpec(spec, vdev)).toMatchObject({ spec, ...expected });
  });
});

describe("parseXlListLong", () => {
  test("real 4.17 output: Domain-0 and a PV domain without disks or nics", () => {
    const doms = parseXlListLong(fixture("xl-list-l.xen-4.17.json"));
    expect(doms).toEqual([
      { name: "Domain-0", domid: 0, memoryMiB: 767, maxMemoryMiB: 768, vcpus: null, disks: [], vifs: [] },
      { name: "test01", domid: 1, memoryMiB: 128, maxMemoryMiB: 128, vcpus: 1, disks: [], vifs: [] },
    ]);
  });

  test("libxl disks and nics (default bridge xenbr0 when omitted)", () => {
    const json = JSON.stringify([
      {
        domid: 4,
        config: {
          c_info: { type: "pv", name: "test01" },
          b_info: { max_memkb: 262144, target_memkb: 262144, max_vcpus: 2 },
          disks: [
            { pdev_path: "/data/test01.img", vdev: "xvda", format: "raw", readwrite: 1 },
            { pdev_path: "/dev/vg0/swap", vdev: "xvdb", readwrite: 1 },
            { vdev: "xvdc", is_cdrom: 1 },
          ],
          nics: [{ devid: 0, mac: "00:16:3e:00:00:01", bridge: "xenbr1" }, { devid: 1, mac: "00:16:3e:00:00:02" }],
        },
      },
    ]);
    const [d] = parseXlListLong(json);
    expect(d.memoryMiB).toBe(256);
    expect(d.disks.map((x) => [x.kind, x.path, x.vdev])).toEqual([
      ["file", "/data/test01.img", "xvda"],
      ["block", "/dev/vg0/swap", "xvdb"],
    ]);
    expect(d.vifs).toEqual([
      { bridge: "xenbr1", mac: "00:16:3e:00:00:01" },
      { bridge: "xenbr0", mac: "00:16:3e:00:00:02" },
    ]);
  });

  test("the truncated listing in the 4.17 transcript is refused, not half-read", () => {
    const text = readFileSync(join(__dirname, "../../fixtures/outputs/xl-transcripts.xen-4.17.txt"), "utf8");
    const cut = text.split("=== xl list -l test01\n")[1].split("rc=0")[0];
    expect(() => parseXlListLong(cut)).toThrow(/not valid JSON/);
  });

  test("an error message is refused", () => {
    expect(() => parseXlListLong("test01 is an invalid domain identifier (rc=-6)")).toThrow(DomainDetailsParseError);
  });
});
