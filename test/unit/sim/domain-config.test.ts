import * as fs from "fs";
import * as path from "path";
import { execPyConfig, PyConfigError, xmConfigVars } from "../../../lab/sim/python-config";
import { parseXlConfig, XlConfigError } from "../../../lab/sim/xl-config";
import { parseVif, parseXlDisk, parseXmDisk, specFromXlConfig, specFromXmVars, vdevNumber } from "../../../lab/sim/domain-spec";
import { sample, SAMPLES } from "./samples";

describe("xm domain configs (Python subset)", () => {
  test("xmexample1 (3.1 and 4.1) read with xm's defaults", () => {
    for (const v of ["3.1.0", "4.1.6.1"]) {
      const spec = specFromXmVars(xmConfigVars(execPyConfig(sample(`domain-configs/xmexample1.xen-${v}`))));
      expect(spec).toMatchObject({ name: "ExampleDomain", memory: 64, vcpus: 1, onPoweroff: "destroy", onReboot: "restart", onCrash: "restart" });
      expect(spec.disks).toEqual([{ spec: "phy:hda1,hda1,w", kind: "phy", path: "/dev/hda1", vdev: "hda1", devType: "disk", mode: "w" }]);
      expect(spec.vifs).toHaveLength(1);
    }
  });
  test("xmexample.hvm 4.1: cdrom without media, vif with spaces after commas", () => {
    const spec = specFromXmVars(xmConfigVars(execPyConfig(sample("domain-configs/xmexample.hvm.xen-4.1.6.1"))));
    expect(spec.type).toBe("hvm");
    expect(spec.disks[1]).toMatchObject({ kind: "", vdev: "hdc", devType: "cdrom", mode: "r" });
    expect(spec.vifs[0]).toMatchObject({ type: "ioemu", bridge: "xenbr0" });
  });
  test("xmexample2 uses xm_vars and function calls: rejected with the line", () => {
    expect(() => execPyConfig(sample("domain-configs/xmexample2.xen-4.1.6.1"))).toThrow(PyConfigError);
  });
  test("runbook-style test01 with string ops, continuation lines and only str/list/int/float kept", () => {
    const locals = execPyConfig(`import os
name = "test01"   # the domain
memory = 512
maxmem = memory * 2
vcpus = 2
base = '/data/'
disk = [ 'file:' + base + 'test01.img,xvda,w',
         'phy:/dev/sdb,xvdb,r' ]
vif = [ 'ip=192.168.233.133,bridge=xenbr0,mac=00:16:3e:00:00:01',
        "ip=10.10.10.11, bridge=xenbr1" ]
flag = True
extra = "console=%s root=%s" % ('hvc0', "/dev/xvda1")
t = (1, 2)
`);
    const vars = xmConfigVars(locals);
    expect(vars.flag).toBeUndefined();
    expect(vars.t).toBeUndefined();
    const spec = specFromXmVars(vars);
    expect(spec).toMatchObject({ name: "test01", memory: 512, maxmem: 1024, vcpus: 2, extra: "console=hvc0 root=/dev/xvda1" });
    expect(spec.disks.map((d) => [d.kind, d.path, d.vdev, d.mode])).toEqual([["file", "/data/test01.img", "xvda", "w"], ["phy", "/dev/sdb", "xvdb", "r"]]);
    expect(spec.vifs.map((v) => [v.ip, v.bridge, v.mac])).toEqual([["192.168.233.133", "xenbr0", "00:16:3e:00:00:01"], ["10.10.10.11", "xenbr1", null]]);
  });
  test("syntax errors name the line", () => {
    try {
      execPyConfig("name = 'a'\nmemory = = 3\n");
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(PyConfigError);
      expect((e as PyConfigError).line).toBe(2);
    }
    expect(() => execPyConfig("name = undefined_name")).toThrow("name 'undefined_name' is not defined");
  });
});

describe("xl.cfg", () => {
  test("Debian examples and the real test01.cfg", () => {
    for (const f of ["xlexample.pvlinux", "xlexample.hvm", "xlexample.pvhlinux"]) {
      const spec = specFromXlConfig(parseXlConfig(sample(`domain-configs/${f}`), f));
      expect(spec.disks[0]).toMatchObject({ vdev: "xvda", mode: "w" });
      expect(spec.vifs).toHaveLength(1);
    }
    const t = specFromXlConfig(parseXlConfig(fs.readFileSync(path.join(SAMPLES, "real-xen-logs/test01.cfg"), "utf8"), "test01.cfg"));
    expect(t).toMatchObject({ name: "test01", type: "pv", memory: 128, vcpus: 1, onCrash: "destroy", kernel: "/boot/vmlinuz" });
  });
  test("lists across lines, trailing comma, += and ; separators", () => {
    const cfg = parseXlConfig(`name="a"; memory=256
disk = [ 'file:/data/a.img,xvda,w',
         'format=raw, vdev=xvdb, access=ro, target=/data/b.img', ]
vif = [ "bridge=xenbr1,ip=10.0.0.5" ]
vif += [ "bridge=xenbr0" ]
`, "a.cfg");
    const spec = specFromXlConfig(cfg);
    expect(spec.disks.map((d) => [d.kind, d.path, d.vdev, d.mode])).toEqual([["file", "/data/a.img", "xvda", "w"], ["file", "/data/b.img", "xvdb", "r"]]);
    expect(spec.vifs.map((v) => v.bridge)).toEqual(["xenbr1", "xenbr0"]);
    expect(spec.onCrash).toBe("destroy");
  });
  test("Python expressions are not xl syntax", () => {
    expect(() => parseXlConfig(`name = "a" + "b"\n`, "/etc/xen/a.cfg")).toThrow(XlConfigError);
    expect(() => parseXlConfig(`memory = mem\n`, "/etc/xen/a.cfg")).toThrow(/^\/etc\/xen\/a\.cfg:1: config parsing error near `mem'/);
  });
});

describe("device specs", () => {
  test("xm disk prefixes", () => {
    expect(parseXmDisk("tap:aio:/data/x.img,xvda,w")).toMatchObject({ kind: "tap", path: "/data/x.img" });
    expect(parseXmDisk("file:/x.iso,hdc:cdrom,r")).toMatchObject({ kind: "file", devType: "cdrom", mode: "r" });
    expect(() => parseXmDisk("file:/x.img,xvda")).toThrow("Invalid disk specifier");
  });
  test("xl positional disk spec with format", () => {
    expect(parseXlDisk("/dev/vg/guest-volume,raw,xvda,rw")).toMatchObject({ kind: "phy", path: "/dev/vg/guest-volume", vdev: "xvda", mode: "w" });
  });
  test("vif keys", () => {
    expect(parseVif("")).toMatchObject({ bridge: null, ip: null });
    expect(parseVif("mac=00:16:3e:1b:8b:d2, bridge=xenbr0, ip=198.18.0.133 198.18.0.134")).toMatchObject({
      mac: "00:16:3e:1b:8b:d2", bridge: "xenbr0", ip: "198.18.0.133 198.18.0.134" });
  });
  test("device numbers as xend prints them", () => {
    expect(vdevNumber("xvda")).toBe(51712);
    expect(vdevNumber("xvdb")).toBe(51728);
    expect(vdevNumber("hda")).toBe(768);
    expect(vdevNumber("hdc")).toBe(5632);
    expect(vdevNumber("sda1")).toBe(2049);
  });
});
