import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseMountInfo } from "../../../provider/formats/mountinfo";
import { mountOptionMismatches } from "../../../provider/formats/mountinfo-options";
import type { MountFacts } from "../../../provider/resources/nfs-mount/facts";
import { observeMount, planMount, planMountDelete } from "../../../provider/resources/nfs-mount/plan";
import { nfsMountInputsSchema, type NfsMountInputs } from "../../../provider/resources/nfs-mount/schema";

const rhelFstab = readFileSync(join(__dirname, "../../fixtures/fstab/rhel5-default.fstab"), "utf8");
const messyFstab = readFileSync(join(__dirname, "../../fixtures/fstab/rhel5-messy.fstab"), "utf8");
const runbookLine = "10.10.10.30:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0\n";
const root = "28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro";
const fuseNfs = (src = "10.10.10.30:/data", id = 46) =>
  `${id} 28 0:41 / /data rw,nosuid,nodev,relatime shared:26 - fuse.nfs ${src} rw,user_id=0,group_id=0,allow_other`;
const kernelNfs = (perMount = "rw,relatime", superOpts = "rw,vers=3,rsize=32768,wsize=32768,hard,proto=tcp") =>
  `45 28 0:40 / /data ${perMount} shared:25 - nfs 10.10.10.30:/data ${superOpts}`;

const inputs = (patch: Partial<NfsMountInputs> = {}): NfsMountInputs =>
  nfsMountInputsSchema.parse({
    connection: { host: "198.18.0.11", insecureIgnoreHostKey: true },
    server: "10.10.10.30",
    exportPath: "/data",
    mountPoint: "/data",
    ...patch,
  });
const facts = (mountinfo: string[], fstab: string | null, mp: Partial<MountFacts["mountPoint"]> = {}): MountFacts => ({
  fstab,
  mounts: parseMountInfo(mountinfo.join("\n") + "\n"),
  mountPoint: { kind: "directory", responding: null, entries: [], listingIncomplete: false, ...mp },
});
const convergedFacts = () => facts([root, fuseNfs()], rhelFstab + runbookLine, { responding: true, entries: null });

describe("planMount", () => {
  it("does nothing when the FUSE NFS mount and the fstab line are in place", () => {
    expect(planMount(inputs(), convergedFacts())).toEqual({ steps: [], errors: [], replan: false });
  });

  it("creates the mount point, mounts, then writes fstab", () => {
    const p = planMount(inputs(), facts([root], rhelFstab, { kind: "missing", entries: null }));
    expect(p.steps).toEqual([
      { kind: "createMountPoint" },
      { kind: "mount" },
      { kind: "writeFstab", content: rhelFstab + runbookLine, duplicates: [] },
    ]);
  });

  it("only writes fstab when mounted but the line is missing or messy", () => {
    const p = planMount(inputs(), facts([root, fuseNfs()], messyFstab, { responding: true, entries: null }));
    expect(p.steps.map((s) => s.kind)).toEqual(["writeFstab"]);
    expect((p.steps[0] as { duplicates: number[] }).duplicates).toEqual([11]);
  });

  it("remounts when the kernel shows different options", () => {
    const ro = planMount(inputs(), facts([root, kernelNfs("ro,relatime")], rhelFstab + runbookLine, { responding: true }));
    expect(ro.steps).toEqual([{ kind: "remount", mismatches: ["rw: the mount has ro"] }]);
    const soft = planMount(inputs(), facts([root, kernelNfs("rw", "rw,soft,rsize=65536")], rhelFstab + runbookLine, { responding: true }));
    expect(soft.steps).toEqual([
      { kind: "remount", mismatches: ["hard: the kernel shows soft", "rsize=32768: the kernel shows rsize=65536"] },
    ]);
  });

  it("refuses a non-empty mount point by default, listing what would be hidden", () => {
    const entries = [
      { type: "f", size: 2147483648, name: "test01.img" },
      { type: "d", size: 4096, name: "iso" },
    ];
    const p = planMount(inputs(), facts([root], rhelFstab, { entries }));
    expect(p.steps).toEqual([]);
    expect(p.errors[0]).toBe(
      '/data is not empty; mounting would hide: "test01.img" (2147483648 bytes), "iso"/. Move them away, or set ' +
        'existingContent to "carry" to move them onto the share',
    );
    const carry = planMount(inputs({ existingContent: "carry" }), facts([root], rhelFstab, { entries }));
    expect(carry.steps.map((s) => s.kind)).toEqual(["carryAndMount", "writeFstab"]);
    const cut = planMount(inputs({ existingContent: "carry" }), facts([root], rhelFstab, { entries, listingIncomplete: true }));
    expect(cut.errors[0]).toContain("did not complete");
  });

  it("handles a different source explicitly", () => {
    const other = facts([root, fuseNfs("10.10.10.31:/data")], rhelFstab, { responding: true, entries: null });
    const refused = planMount(inputs(), other);
    expect(refused.steps).toEqual([]);
    expect(refused.errors[0]).toContain("/data has 10.10.10.31:/data (fuse.nfs) mounted, not 10.10.10.30:/data");
    const replaced = planMount(inputs({ replaceDifferentSource: true }), other);
    expect(replaced).toEqual({
      steps: [{ kind: "unmount", source: "10.10.10.31:/data", fsType: "fuse.nfs", reason: "it is not 10.10.10.30:/data" }],
      errors: [],
      replan: true,
    });
  });

  it("never unmounts a memory filesystem, even with replaceDifferentSource", () => {
    const tmpfs = "60 28 0:50 / /data rw,relatime - tmpfs tmpfs rw,size=1024k";
    const p = planMount(inputs({ replaceDifferentSource: true }), facts([root, tmpfs], rhelFstab, { responding: true, entries: null }));
    expect(p.steps).toEqual([]);
    expect(p.errors[0]).toContain("/data has tmpfs (tmpfs) mounted: its content lives only in memory");
  });

  it("refuses to touch a mount that does not answer, and a mount point that does not", () => {
    const dead = planMount(inputs(), facts([root, kernelNfs()], rhelFstab, { responding: false, entries: null }));
    expect(dead.errors[0]).toContain("is not responding");
    expect(planMount(inputs(), facts([root], rhelFstab, { kind: "timeout", entries: null })).errors[0]).toContain("did not answer");
  });

  it("refuses when mounts below the mount point would be hidden", () => {
    const below = "50 28 0:44 / /data/sub rw,relatime - tmpfs tmpfs rw";
    expect(planMount(inputs(), facts([root, below], rhelFstab)).errors[0]).toContain("mounts below it (/data/sub)");
  });

  it("keeps mounted and inFstab independent", () => {
    const present = planMount(inputs({ mounted: false }), convergedFacts());
    expect(present.steps).toEqual([{ kind: "unmount", source: "10.10.10.30:/data", fsType: "fuse.nfs", reason: "mounted is false" }]);
    const ephemeral = planMount(inputs({ inFstab: false }), convergedFacts());
    expect(ephemeral.steps).toEqual([{ kind: "writeFstab", content: rhelFstab, duplicates: [] }]);
    const foreignLeftAlone = planMount(inputs({ mounted: false }), facts([root, fuseNfs("other:/x")], rhelFstab + runbookLine));
    expect(foreignLeftAlone.steps).toEqual([]);
  });
});

describe("planMountDelete", () => {
  it("unmounts, removes the line and the mount point it created", () => {
    const p = planMountDelete(inputs(), convergedFacts(), true);
    expect(p.steps).toEqual([
      { kind: "unmount", source: "10.10.10.30:/data", fsType: "fuse.nfs", reason: "the resource is deleted" },
      { kind: "writeFstab", content: rhelFstab, duplicates: [] },
      { kind: "removeMountPoint" },
    ]);
    expect(planMountDelete(inputs(), convergedFacts(), false).steps.map((s) => s.kind)).toEqual(["unmount", "writeFstab"]);
  });
  it("does nothing when already gone, and never unmounts someone else's mount", () => {
    expect(planMountDelete(inputs(), facts([root], rhelFstab), false).steps).toEqual([]);
    expect(planMountDelete(inputs(), facts([root, fuseNfs("other:/x")], rhelFstab), true).steps).toEqual([]);
  });
});

describe("observeMount", () => {
  it("reports converged state", () => {
    const o = observeMount(inputs(), convergedFacts());
    expect(o).toMatchObject({ mounted: true, inFstab: true, drift: [], fstabLine: runbookLine.trimEnd() });
    expect(o.mount).toMatchObject({ source: "10.10.10.30:/data", fsType: "fuse.nfs", mountId: 46, responding: true });
  });
  it("reports a hand-edited line and a manual unmount", () => {
    const edited = rhelFstab + "10.10.10.30:/data /data nfs soft 0 0\n";
    const o = observeMount(inputs(), facts([root], edited));
    expect(o.mounted).toBe(false);
    expect(o.options).toEqual(["soft"]);
    expect(o.drift).toEqual(["/data is not mounted", "/etc/fstab says: 10.10.10.30:/data /data nfs soft 0 0"]);
  });
});

describe("mountOptionMismatches", () => {
  const [kernel] = parseMountInfo(kernelNfs("rw,nosuid", "rw,vers=4.2,rsize=32768,wsize=16384,hard,proto=tcp,timeo=600") + "\n");
  it("ignores options the kernel does not report and accepts negotiated sizes and versions", () => {
    expect(mountOptionMismatches(["defaults", "_netdev", "hard", "rw", "rsize=32768", "wsize=32768", "vers=4", "intr", "bg"], kernel)).toEqual([]);
  });
  it("lets the last of conflicting options win and reports differences", () => {
    expect(mountOptionMismatches(["rw", "ro"], kernel)).toEqual(["ro: the mount has no ro"]);
    expect(mountOptionMismatches(["suid", "timeo=100", "nfsvers=3"], kernel)).toEqual([
      "suid: the mount has nosuid",
      "timeo=100: the kernel shows timeo=600",
      "nfsvers=3: the kernel shows vers=4.2",
    ]);
  });
  it("compares only per-mount flags on FUSE NFS", () => {
    const [fuse] = parseMountInfo(fuseNfs() + "\n");
    expect(mountOptionMismatches(["hard", "rw", "rsize=32768", "nosuid"], fuse)).toEqual([]);
    expect(mountOptionMismatches(["ro"], fuse)).toEqual(["ro: the mount has no ro"]);
  });
});
