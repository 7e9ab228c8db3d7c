import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { DomainConfigModel, parseDomainConfig, renderDomainConfig } from "../../../provider/formats/domain-config/model";
import { parseDiskSpec, parseVifSpec, renderDiskSpec, renderVifSpec } from "../../../provider/formats/domain-config/specs";
import { ConfigSyntaxError, parseConfigDocument, renderConfigDocument } from "../../../provider/formats/domain-config/syntax";

const DIR = join(__dirname, "../../fixtures/domain-configs");
const files = readdirSync(DIR).filter((f) => f !== "SOURCE.txt");
const flavourOf = (f: string) => (f.startsWith("xm") ? "xm" : "xl") as "xm" | "xl";
const read = (f: string) => readFileSync(join(DIR, f), "utf8");

describe("domain config files, both flavours", () => {
  it.each(files)("%s: segments give back the exact bytes", (f) => {
    const text = read(f);
    expect(renderConfigDocument(parseConfigDocument(text, flavourOf(f)))).toBe(text);
  });

  it.each(files)("%s: model → render → parse gives the same model, and rendering is stable", (f) => {
    const parsed = parseDomainConfig(read(f), flavourOf(f));
    expect(parsed.problems).toEqual([]);
    const out = renderDomainConfig(parsed.model, flavourOf(f));
    const again = parseDomainConfig(out, flavourOf(f));
    expect(again.model).toEqual(parsed.model);
    expect(again.unevaluated).toEqual({});
    expect(renderDomainConfig(again.model, flavourOf(f))).toBe(out);
  });

  it("xmexample1: typed fields from a Python config", () => {
    const { model } = parseDomainConfig(read("xmexample1.xen-4.1.6.1"), "xm");
    expect(model).toEqual({
      name: "ExampleDomain",
      memory: 64,
      kernel: "/boot/vmlinuz-2.6.10-xenU",
      root: "/dev/hda1 ro",
      extra: "4",
      disks: [{ type: "phy", path: "hda1", vdev: "hda1", mode: "w" }],
      vifs: [{}],
      vfbs: [],
      others: {},
    });
  });

  it("xmexample2: names computed by Python are reported, not guessed", () => {
    const p = parseDomainConfig(read("xmexample2.xen-4.1.6.1"), "xm");
    expect(Object.keys(p.unevaluated).sort()).toEqual(["disk", "extra", "name"]);
    expect(p.unevaluated.name).toMatch(/^line 56: computed by Python code/);
    expect(p.model.vcpus).toBe(4);
    expect(p.document.segments.filter((s) => s.kind === "code").length).toBeGreaterThan(1);
  });

  it("xmexample.hvm: file disk, empty cdrom, vif with type and bridge, Python types xend ignores", () => {
    const p = parseDomainConfig(read("xmexample.hvm.xen-4.1.6.1"), "xm");
    expect(p.model.disks).toEqual([
      { type: "file", path: "/var/images/min-el3-i386.img", vdev: "hda", mode: "w" },
      { path: "", vdev: "hdc", devtype: "cdrom", mode: "r" },
    ]);
    expect(p.model.vifs).toEqual([{ type: "ioemu", bridge: "xenbr0" }]);
    expect(p.model.others).toMatchObject({ builder: "hvm", vnc: 1, vncpasswd: "" });
    const ignored = parseDomainConfig("name = 'a'\nacpi = True\ncpus = (1, 2)\n", "xm");
    expect(ignored.unevaluated).toEqual({
      acpi: "line 2: not a str, list, int or float: xend ignores it",
      cpus: "line 3: not a str, list, int or float: xend ignores it",
    });
  });

  it("xl samples: modern disk syntax, type key", () => {
    const p = parseDomainConfig(read("xlexample.hvm"), "xl");
    expect(p.model.disks).toEqual([{ path: "/dev/vg/guest-volume", format: "raw", vdev: "xvda", mode: "w" }]);
    expect(p.model.others).toEqual({ type: "hvm", sdl: 1 });
  });

  it("the real test01.cfg (xl) reads into the runbook's domain", () => {
    const { model } = parseDomainConfig(read("test01.xl.cfg"), "xl");
    expect(model).toMatchObject({ name: "test01", memory: 128, vcpus: 1, kernel: "/boot/vmlinuz", onCrash: "destroy", others: { type: "pv" } });
  });

  it("xl: ; separators, += appends, comments inside multi-line lists", () => {
    const text = 'name="a"; memory=256\ndisk = [ "file:/d/a.img,xvda,w", # root\n  "file:/d/b.img,xvdb,w",\n]\ndisk += [ "phy:/dev/sdc,xvdc,r" ]\n';
    const p = parseDomainConfig(text, "xl");
    expect(renderConfigDocument(p.document)).toBe(text);
    expect(p.model.name).toBe("a");
    expect(p.model.memory).toBe(256);
    expect(p.model.disks.map((d) => d.vdev)).toEqual(["xvda", "xvdb", "xvdc"]);
  });

  it("xl refuses what xl would refuse, naming the line", () => {
    expect(() => parseConfigDocument('name = "a"\nmemory = 12 8\n', "xl")).toThrow(ConfigSyntaxError);
    expect(() => parseConfigDocument('name = "a"\nmemory = 12 8\n', "xl")).toThrow(/line 2/);
    expect(() => parseConfigDocument('name = "a\n', "xl")).toThrow(/line 1/);
  });

  it("xm: the last assignment wins, like Python", () => {
    expect(parseDomainConfig("memory = 128\nmemory = 256\n", "xm").model.memory).toBe(256);
  });

  it("renders both flavours deterministically for the runbook's test01", () => {
    const model: DomainConfigModel = {
      name: "test01",
      memory: 128,
      maxmem: 256,
      vcpus: 1,
      kernel: "/boot/vmlinuz",
      ramdisk: "/boot/domU.cpio.gz",
      extra: "console=hvc0 rdinit=/init quiet",
      disks: [{ type: "file", path: "/data/test01.img", vdev: "xvda", mode: "w" }],
      vifs: [
        { mac: "00:16:3e:00:00:01", bridge: "xenbr0", ip: "192.168.233.133" },
        { mac: "00:16:3e:00:00:02", bridge: "xenbr1", ip: "10.10.10.11" },
      ],
      vfbs: [],
      onPoweroff: "destroy",
      onReboot: "restart",
      onCrash: "restart",
      others: {},
    };
    const xm = renderDomainConfig(model, "xm");
    expect(xm).toBe(
      [
        "# Xen domain config for xm create, written by xen-ha. Edits made here are replaced on the next apply.",
        'name = "test01"',
        "memory = 128",
        "maxmem = 256",
        "vcpus = 1",
        'kernel = "/boot/vmlinuz"',
        'ramdisk = "/boot/domU.cpio.gz"',
        'extra = "console=hvc0 rdinit=/init quiet"',
        'disk = [ "file:/data/test01.img,xvda,w" ]',
        'vif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.168.233.133", "mac=00:16:3e:00:00:02,bridge=xenbr1,ip=10.10.10.11" ]',
        'on_poweroff = "destroy"',
        'on_reboot = "restart"',
        'on_crash = "restart"',
        "",
      ].join("\n"),
    );
    expect(parseDomainConfig(xm, "xm").model).toEqual(model);
    expect(parseDomainConfig(renderDomainConfig(model, "xl"), "xl").model).toEqual(model);
  });
});

describe("disk and vif specs", () => {
  it.each([
    ["file:/data/test01.img,xvda,w", { type: "file", path: "/data/test01.img", vdev: "xvda", mode: "w" }],
    ["tap:aio:/data/a.img,xvda:disk,w!", { type: "tap:aio", path: "/data/a.img", vdev: "xvda", devtype: "disk", mode: "w!" }],
    ["phy:/dev/vg/a,hda,r", { type: "phy", path: "/dev/vg/a", vdev: "hda", mode: "r" }],
    ["/dev/vg/guest-volume,,hda", { path: "/dev/vg/guest-volume", vdev: "hda", mode: "w" }],
    ["/root/image.iso,,hdc,cdrom", { path: "/root/image.iso", vdev: "hdc", devtype: "cdrom", mode: "w" }],
    ["format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/a,b.iso", { path: "/root/a,b.iso", format: "raw", vdev: "hdc", devtype: "cdrom", mode: "r" }],
  ])("%s", (spec, want) => {
    const d = parseDiskSpec(spec);
    expect(d).toEqual(want);
    expect(parseDiskSpec(renderDiskSpec(d))).toEqual(d);
  });

  it("refuses an unknown access mode", () => {
    expect(() => parseDiskSpec("file:/a.img,xvda,x")).toThrow(/access mode "x"/);
  });

  it("vif keys in a fixed order, unknown keys kept", () => {
    const v = parseVifSpec(" bridge=xenbr1, mac=00:16:3e:00:00:02 ,rate=10Mb/s,ip=10.10.10.11");
    expect(v).toEqual({ bridge: "xenbr1", mac: "00:16:3e:00:00:02", ip: "10.10.10.11", other: [["rate", "10Mb/s"]] });
    expect(renderVifSpec(v)).toBe("mac=00:16:3e:00:00:02,bridge=xenbr1,ip=10.10.10.11,rate=10Mb/s");
    expect(parseVifSpec("")).toEqual({});
  });
});
