import { DomainRecord, HostInfo } from "../../../lab/sim/domain-record";
import { specFromXlConfig, specFromXmVars } from "../../../lab/sim/domain-spec";
import { parseXlConfig } from "../../../lab/sim/xl-config";
import { execPyConfig, xmConfigVars } from "../../../lab/sim/python-config";
import { dom0Sxp, domainSxp, formatXmInfo, formatXmList, formatXmListLong, xmListRows, XM_MIGRATE_USAGE } from "../../../lab/sim/format-xm";
import { dom0Json, domainJson, formatXlInfo, formatXlList, formatXlListLong, xlListRows } from "../../../lab/sim/format-xl";
import { parseSxpAll, Sxp } from "../../../lab/sim/sxp";
import { sample } from "./samples";
import { XL_INFO_KEYS, XL_LIST_HEADER, XL_LIST_ROW, XM_INFO_KEYS, XM_LIST_HEADER, XM_LIST_ROW } from "./expectations";

const NOW = 1_800_000_000;
const info = (over: Partial<HostInfo> = {}): HostInfo => ({
  hostname: "node1", totalMemory: 4096, freeMemory: 2560, dom0Memory: 1024, dom0Vcpus: 2, nrCpus: 2, dom0CpuTime: 40349.4,
  xenVersion: "4.1.6.1", ...over,
});
const xmTest01 = (): DomainRecord => ({
  domid: 3, name: "test01", uuid: "173499bc-e91d-11f1-8873-99f4b88b92b7", state: "-b----", startTime: NOW - 100,
  memoryShown: 512, vcpusShown: 1, guestPid: null, macs: ["00:16:3e:00:00:01"], configPath: "/etc/xen/test01",
  spec: specFromXmVars(xmConfigVars(execPyConfig(
    "name='test01'\nmemory=512\nkernel='/boot/vmlinuz'\ndisk=['file:/data/test01.img,xvda,w']\nvif=['ip=198.18.0.133,bridge=xenbr0']\n"))),
});


describe("xm list", () => {
  const real = sample("outputs/xm-migrate-failure-and-localhost.xen-3.3.txt").split("\n");
  test("header is the real one and every row parses like the real rows", () => {
    const realRows = real.filter((l) => /^(Domain-0|highlander|pbx|tundra) /.test(l));
    expect(realRows.length).toBeGreaterThan(4);
    for (const l of realRows) expect(l).toMatch(XM_LIST_ROW);
    const out = formatXmList("4.1.6.1", xmListRows(info(), [xmTest01(), { ...xmTest01(), domid: 4, name: "migrating-web" }], NOW)).split("\n");
    expect(out[0]).toBe(XM_LIST_HEADER);
    for (const l of out.slice(1, -1)) expect(l).toMatch(XM_LIST_ROW);
    expect(out[1]).toBe("Domain-0                                     0  1024     2     r-----  40349.4");
    expect(out.slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(["Domain-0", "migrating-web", "test01"]); // sorted by name
    expect(out[out.length - 1]).toBe("");
  });
  test("3.0.x layout", () => {
    const out = formatXmList("3.0.3", xmListRows(info(), [xmTest01()], NOW)).split("\n");
    expect(out[0]).toBe("Name                                      ID Mem(MiB) VCPUs State  Time(s)");
    expect(out[2]).toMatch(/^test01 {34} {3}3 {6}512 {5}1 -b---- {6}1\.0$/);
  });
});

describe("xm info", () => {
  const LINE = /^([a-z_0-9]+) *: (.*)$/;
  const keys = (t: string): string[] => t.trim().split("\n").map((l) => (LINE.exec(l) as RegExpExecArray)[1]);
  test("same line shape and field order as the real 3.4 output; memory fields in MiB", () => {
    const real = sample("outputs/xm-info.xen-3.4.2-centos5.txt");
    for (const l of real.trim().split("\n")) { expect(l).toMatch(LINE); expect(l.indexOf(":")).toBe(23); }
    const mine = formatXmInfo(info({ xenVersion: "3.4.2" }));
    for (const l of mine.trim().split("\n")) { expect(l).toMatch(LINE); expect(l.indexOf(":")).toBe(23); }
    expect(keys(mine)).toEqual(keys(real));
    expect(keys(real)).toEqual(XM_INFO_KEYS);
    expect(mine).toContain("total_memory           : 4096\nfree_memory            : 2560\n");
  });
  test("4.x adds its fields and keeps the order of the common ones", () => {
    const realKeys = keys(sample("outputs/xm-info.xen-3.4.2-centos5.txt"));
    const mine = keys(formatXmInfo(info()));
    expect(mine.filter((k) => realKeys.includes(k))).toEqual(realKeys);
    expect(mine).toContain("xen_commandline");
  });
});

describe("xm list -l", () => {
  test("domain sxp has the real key order and prints with the real layout rules", () => {
    const real = parseSxpAll(sample("outputs/xm-list-l.oraclevm-xen4-multi.sxp"));
    const realKeys = (real[0] as Sxp[]).slice(1).map((c) => (c as Sxp[])[0]).filter((k) => k !== "device");
    const mineSxp = domainSxp(xmTest01(), NOW) as Sxp[];
    const mineKeys = mineSxp.slice(1).map((c) => (c as Sxp[])[0]).filter((k) => k !== "device");
    expect(mineKeys.filter((k) => realKeys.includes(k))).toEqual(realKeys.filter((k) => mineKeys.includes(k)));
    const text = formatXmListLong([dom0Sxp(info()), mineSxp]);
    const reread = parseSxpAll(text);
    expect(reread).toEqual([dom0Sxp(info()), mineSxp]);
    expect(text).toContain("    (name test01)\n");
    expect(text).toContain("            (uname file:/data/test01.img)\n");
    expect(text).toMatch(/\(device\n {8}\(vif\n {12}\(bridge xenbr0\)/);
  });
});

describe("xl list and xl list -l", () => {
  const transcript = sample("outputs/xl-transcripts.xen-4.17.txt").split("\n");
  const xlDom = (over: Partial<DomainRecord> = {}): DomainRecord => ({
    domid: 1, name: "test01", uuid: "173499bc-e91d-11f1-8873-99f4b88b92b7", state: "-b----", startTime: NOW - 550,
    memoryShown: 128, vcpusShown: 1, guestPid: null, macs: [], configPath: "/etc/xen/test01.cfg",
    spec: specFromXlConfig(parseXlConfig(sample("real-xen-logs/test01.cfg"), "test01.cfg")), ...over,
  });
  test("header with its TABs and rows exactly as the real ones", () => {
    const realRows = transcript.filter((l) => /^(Domain-0|test01)\S* +\d+ /.test(l));
    for (const l of realRows) expect(l).toMatch(XL_LIST_ROW);
    const out = formatXlList(xlListRows(info({ dom0Memory: 768, dom0CpuTime: 49.3 }), [
      xlDom({ name: "test01--migratedaway", state: "--pss-", startTime: NOW - 1120 }),
      xlDom({ domid: 3, startTime: NOW - 10 }),
    ], NOW));
    const lines = out.split("\n");
    expect(lines[0]).toBe(XL_LIST_HEADER);
    expect(lines.slice(1, 4)).toEqual([
      "Domain-0                                     0   768     2     r-----      49.3",
      "test01--migratedaway                         1   128     1     --pss-      11.2",
      "test01                                       3   128     1     -b----       0.1",
    ]);
    for (const l of transcript.slice(transcript.indexOf("Domain-0                                     0   768     2     r-----      49.3"), -1)
      .slice(0, 3)) expect(lines.slice(1, 4)).toContain(l);
  });
  test("list -l reproduces the real JSON byte for byte", () => {
    const real = sample("outputs/xl-list-l.xen-4.17.json");
    const mine = formatXlListLong([dom0Json(info({ dom0Memory: 768 })), domainJson(xlDom())]);
    expect(mine).toBe(real);
  });
  test("nics and disks appear as libxl prints them", () => {
    const d = xlDom({ macs: ["00:16:3e:00:00:01"] });
    d.spec = specFromXlConfig(parseXlConfig("name='t'\ndisk=['file:/data/t.img,xvda,w']\nvif=['ip=198.18.0.133,bridge=xenbr1']\n", "t.cfg"));
    const j = JSON.parse(formatXlListLong([domainJson(d)]));
    expect(j[0].config.disks).toEqual([{ pdev_path: "/data/t.img", vdev: "xvda", format: "raw", readwrite: 1 }]);
    expect(j[0].config.nics).toEqual([{ devid: 0, mac: "00:16:3e:00:00:01", ip: "198.18.0.133", bridge: "xenbr1", script: "vif-bridge", nictype: "vif" }]);
  });
});

describe("xl info", () => {
  test("same keys in the same order as real 4.17 output", () => {
    const block = sample("outputs/xl-transcripts.xen-4.17.txt").split("=== xl info\n")[1].split("xl info rc=0")[0];
    const keys = (t: string): string[] => t.trim().split("\n").map((l) => l.slice(0, 23).trim());
    const mine = formatXlInfo(info({ xenVersion: "4.17.7" }));
    expect(keys(mine)).toEqual(keys(block));
    expect(keys(block)).toEqual(XL_INFO_KEYS);
    for (const l of mine.trim().split("\n")) expect(l.slice(23, 25)).toBe(": ");
    expect(mine).toContain("xen_version            : 4.17.7\n");
  });
});

test("xm migrate usage text matches the real 3.3 text for the options it shares", () => {
  const real = sample("outputs/xm-migrate-failure-and-localhost.xen-3.3.txt");
  const realUsage = real.slice(real.indexOf("Usage: xm migrate"), real.indexOf("-s, --ssl"));
  expect(XM_MIGRATE_USAGE.startsWith(realUsage)).toBe(true);
});
