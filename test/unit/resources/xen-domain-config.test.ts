import { checkInputs } from "../../../provider/core/check";
import { parseDomainConfig } from "../../../provider/formats/domain-config/model";
import { parseMountInfo } from "../../../provider/formats/mountinfo";
import type { DomainConfigFacts } from "../../../provider/resources/xen-domain-config/facts";
import { desiredContent, inputsFromModel, planDomainConfig, runningDiffers, desiredModel } from "../../../provider/resources/xen-domain-config/plan";
import { xenDomainConfigInputsSchema, type XenDomainConfigInputs } from "../../../provider/resources/xen-domain-config/schema";
import { impl } from "../../../provider/resources/xen-domain-config/impl";

const conn = { host: "198.18.0.11", password: "pw" };

/** The runbook's test01: disk on the NFS share, one vif on each bridge. */
const test01 = {
  connection: conn,
  name: "test01",
  memory: 128,
  vcpus: 1,
  boot: { kernel: "/boot/vmlinuz", ramdisk: "/boot/domU.cpio.gz", extra: "console=hvc0 rdinit=/init quiet" },
  disks: [{ path: "/data/test01.img", vdev: "xvda" }],
  vifs: [
    { mac: "00:16:3e:00:00:01", bridge: "xenbr0", ip: "192.168.233.133" },
    { mac: "00:16:3e:00:00:02", bridge: "xenbr1", ip: "10.10.10.11" },
  ],
};

function inputs(over: Record<string, unknown> = {}): XenDomainConfigInputs {
  return xenDomainConfigInputsSchema.parse({ ...test01, ...over });
}

const MOUNTS = parseMountInfo(
  "22 1 0:21 / / rw - overlay overlay rw\n" +
    "40 22 0:44 / /data rw,nosuid - fuse.nfs 198.18.0.30:/data rw,user_id=0\n" +
    "41 22 0:45 / /srv rw - ext4 /dev/vda1 rw\n",
);

function facts(over: Partial<DomainConfigFacts> = {}): DomainConfigFacts {
  return {
    toolstack: "xm",
    file: null,
    autostart: { kind: "none" },
    bridges: ["xenbr0", "xenbr1"],
    paths: { "/data/test01.img": true },
    mounts: MOUNTS,
    running: null,
    ...over,
  };
}

describe("XenDomainConfig inputs", () => {
  it.each([
    [{ name: "a/b" }, "name", /letters, digits/],
    [{ name: "Domain-0" }, "name", /control domain/],
    [{ maxmem: 64 }, "maxmem", /at least memory \(128 MiB\)/],
    [{ disks: [{ path: "data/x.img", vdev: "xvda" }] }, "disks[0].path", /absolute/],
    [{ disks: [{ path: "/a.img", vdev: "xvda" }, { path: "/b.img", vdev: "xvda" }] }, "disks[1].vdev", /already disks\[0\]/],
    [{ vifs: [{ mac: "01:16:3e:00:00:01" }] }, "vifs[0].mac", /unicast/],
    [{ vifs: [{ mac: "00:16:3e:00:00:01" }, { mac: "00:16:3E:00:00:01" }] }, "vifs[1].mac", /already vifs\[0\]/],
    [{ vifs: [{ mac: "00:16:3e:00:01" }] }, "vifs[0].mac", /MAC address/],
    [{ boot: {} }, "boot.kernel", /kernel .* or bootloader/],
    [{ boot: { kernel: "/k", bootloader: "/usr/bin/pygrub" } }, "boot.kernel", /either bootloader or kernel/],
    [{ extraKeys: { memory: 3 } }, "extraKeys.memory", /typed input/],
    [{ vifs: [{ bridge: "xenbr0,script=x" }] }, "vifs[0].bridge", /must be letters, digits/],
    [{ vifs: [{ bridge: "xenbr0-with-long-name" }] }, "vifs[0].bridge", /at most 15 characters/],
    [{ vifs: [{ bridge: "xen br0" }] }, "vifs[0].bridge", /must be letters, digits/],
  ])("refuses %j naming %s", (over, property, reason) => {
    const r = checkInputs(xenDomainConfigInputsSchema, { ...test01, ...over });
    expect(r.failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });
});

describe("XenDomainConfig rendering", () => {
  it("renders test01 the same for both flavours but the header, and reads back into the inputs", () => {
    const xm = desiredContent(inputs());
    const xl = desiredContent(inputs({ flavour: "xl" }));
    expect(xm.split("\n").slice(1)).toEqual(xl.split("\n").slice(1));
    expect(xm).toContain('disk = [ "file:/data/test01.img,xvda,w" ]\n');
    expect(xm).toContain('vif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.168.233.133", "mac=00:16:3e:00:00:02,bridge=xenbr1,ip=10.10.10.11" ]\n');
    for (const fl of ["xm", "xl"] as const) {
      const i = inputs({ flavour: fl, vfbs: [{ type: "vnc", vnclisten: "0.0.0.0", vncunused: true }], extraKeys: { cpus: "0-1", builder: "linux" } });
      const back = inputsFromModel(i, parseDomainConfig(desiredContent(i), fl).model);
      expect(xenDomainConfigInputsSchema.parse({ ...i, ...back })).toEqual(i);
    }
  });

  it("same inputs, same bytes", () => {
    expect(desiredContent(inputs())).toBe(desiredContent(inputs()));
    expect(desiredContent(inputs({ extraKeys: { b: 1, a: 2 } }))).toBe(desiredContent(inputs({ extraKeys: { a: 2, b: 1 } })));
  });
});

describe("XenDomainConfig plan", () => {
  it("new file: write, no drift after, no errors", () => {
    const p = planDomainConfig("node2", inputs(), facts());
    expect(p).toMatchObject({ errors: [], write: true, path: "/etc/xen/test01", autostart: null });
    const again = planDomainConfig("node2", inputs(), facts({ file: p.content }));
    expect(again).toMatchObject({ errors: [], write: false, drift: [] });
  });

  it("a missing disk or bridge is refused naming the host and the thing", () => {
    const p = planDomainConfig("node2", inputs(), facts({ paths: { "/data/test01.img": false }, bridges: ["xenbr0"] }));
    expect(p.errors).toEqual([
      "node2: disk /data/test01.img (disks[0]) does not exist on this host (is the shared storage mounted?)",
      "node2: bridge xenbr1 (vifs[1].bridge) does not exist on this host (bridges here: xenbr0)",
    ]);
  });

  it("requireSharedStorage: a disk on a local filesystem is refused, on NFS accepted", () => {
    const local = inputs({ requireSharedStorage: true, disks: [{ path: "/srv/test01.img", vdev: "xvda" }] });
    const p = planDomainConfig("node2", local, facts({ paths: { "/srv/test01.img": true } }));
    expect(p.errors).toEqual(["node2: disk /srv/test01.img (disks[0]) is on ext4 /dev/vda1 mounted at /srv, not on shared storage (NFS)"]);
    expect(planDomainConfig("node2", inputs({ requireSharedStorage: true }), facts()).errors).toEqual([]);
  });

  it("warns about MACs outside 00:16:3e and vifs without a MAC", () => {
    const p = planDomainConfig("node2", inputs({ vifs: [{ mac: "02:00:00:00:00:01", bridge: "xenbr0" }, { bridge: "xenbr1" }] }), facts());
    expect(p.warnings).toEqual([expect.stringMatching(/vifs\[0\].mac 02:00:00:00:00:01 is outside Xen's range/), expect.stringMatching(/vifs\[1\] has no mac/)]);
  });

  it("drift is reported key by key against an existing file", () => {
    const other = desiredContent(inputs({ memory: 256 }));
    const p = planDomainConfig("node2", inputs(), facts({ file: other }));
    expect(p.write).toBe(true);
    expect(p.drift).toEqual(["memory: the file has 256, wanted 128"]);
  });

  it("autostart: link when asked, unlink our link when not, refuse a regular file in the way", () => {
    expect(planDomainConfig("n", inputs({ autostart: true }), facts()).autostart).toEqual({ kind: "link", link: "/etc/xen/auto/test01", target: "/etc/xen/test01" });
    expect(planDomainConfig("n", inputs(), facts({ autostart: { kind: "link", target: "/etc/xen/test01" } })).autostart).toMatchObject({ kind: "unlink" });
    expect(planDomainConfig("n", inputs(), facts({ autostart: { kind: "link", target: "/elsewhere" } })).autostart).toBeNull();
    expect(planDomainConfig("n", inputs({ autostart: true }), facts({ autostart: { kind: "other" } })).errors[0]).toMatch(/is not a link/);
  });

  it("the running domain is compared, not restarted", () => {
    const running = {
      name: "test01", domid: 3, memoryMiB: 128, maxMemoryMiB: 128, vcpus: 1,
      disks: [{ spec: "file:/data/test01.img", kind: "file" as const, path: "/data/test01.img", vdev: "xvda", cdrom: false }],
      vifs: [{ bridge: "xenbr0", mac: "00:16:3e:00:00:01" }, { bridge: "xenbr1", mac: "00:16:3e:00:00:02" }],
    };
    expect(runningDiffers(desiredModel(inputs()), running)).toEqual([]);
    expect(runningDiffers(desiredModel(inputs({ memory: 256, maxmem: 256 })), running)).toEqual([
      "memory: running 128 MiB, file 256 MiB",
      "maxmem: running 128 MiB, file 256 MiB",
    ]);
  });

  it("diff: name and path replace, memory updates", () => {
    const olds = inputs() as never;
    expect(impl.diff(olds, inputs({ memory: 256 }))).toMatchObject({ changes: true, replaces: [] });
    expect(impl.diff(olds, inputs({ name: "test02" })).replaces).toEqual(["name"]);
    expect(impl.diff(olds, inputs()).changes).toBe(false);
  });
});
