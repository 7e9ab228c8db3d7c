import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  findMount,
  isNfsType,
  isSharedFsType,
  mountContaining,
  mountsBelow,
  normalizeNfsSource,
  parseMountInfo,
  parseMountInfoLine,
} from "../../../provider/formats/mountinfo";

const fixture = (name: string): string => readFileSync(join(__dirname, "../../fixtures/mountinfo", name), "utf8");

describe("mountinfo", () => {
  const debian = parseMountInfo(fixture("debian12-nfs.mountinfo"));

  it("parses every line with optional fields, escapes and super options", () => {
    expect(debian).toHaveLength(10);
    expect(debian[4]).toEqual({
      mountId: 45,
      parentId: 28,
      majorMinor: "0:40",
      root: "/",
      mountPoint: "/data",
      mountOptions: ["rw", "relatime"],
      optionalFields: ["shared:25"],
      fsType: "nfs4",
      source: "10.10.10.30:/data",
      superOptions: expect.arrayContaining(["hard", "rsize=32768", "vers=4.2"]),
    });
    expect(debian[6].root).toBe("/srv/xen images");
    expect(debian[6].mountPoint).toBe("/mnt/xen images");
  });

  it("keeps an empty source (two spaces) and a master: field", () => {
    const m = debian[8];
    expect(m.source).toBe("");
    expect(m.fsType).toBe("tmpfs");
    expect(m.optionalFields).toEqual(["master:3"]);
    expect(m.superOptions).toEqual(["rw"]);
  });

  it("returns the last of stacked mounts", () => {
    const top = findMount(debian, "/data/");
    expect(top?.mountId).toBe(46);
    expect(top?.fsType).toBe("fuse.nfs");
    expect(findMount(debian, "/nothing")).toBeNull();
    expect(findMount(debian, "/mnt/xen images")?.mountId).toBe(47);
  });

  it("lists mounts below a mount point, not beside it", () => {
    expect(mountsBelow(debian, "/data").map((m) => m.mountPoint)).toEqual(["/data/sub"]);
    expect(mountsBelow(parseMountInfo("1 0 0:1 / /database rw - tmpfs t rw\n"), "/data")).toEqual([]);
  });

  it("reads a 2.6.18 file without optional fields", () => {
    const rhel = parseMountInfo(fixture("rhel5.mountinfo"));
    const data = findMount(rhel, "/data");
    expect(data?.fsType).toBe("nfs");
    expect(data?.optionalFields).toEqual([]);
    expect(normalizeNfsSource(data!.source)).toBe("10.10.10.30:/data");
  });

  it("rejects lines that are not mountinfo", () => {
    expect(parseMountInfoLine("garbage")).toBeNull();
    expect(parseMountInfoLine("1 2 3:4 / /x rw shared:1 ext4 /dev/sda rw")).toBeNull();
    expect(parseMountInfoLine("a 2 3:4 / /x rw - ext4 /dev/sda rw")).toBeNull();
  });

  it("counts nfs, nfs4 and FUSE-based NFS as NFS", () => {
    expect(["nfs", "nfs4", "fuse.nfs", "fuse.nfs4"].every(isNfsType)).toBe(true);
    expect(["fuse", "fuse.sshfs", "nfsd", "ext4", "fuse.nfsx"].some(isNfsType)).toBe(false);
  });

  it("counts NFS, SMB and cluster filesystems as shared between hosts, and local or per-host ones not", () => {
    const shared = ["nfs", "nfs4", "fuse.nfs", "cifs", "smb3", "glusterfs", "fuse.glusterfs", "ceph", "fuse.ceph", "ocfs2", "gfs", "gfs2", "gpfs", "lustre", "9p", "virtiofs"];
    expect(shared.filter((t) => !isSharedFsType(t))).toEqual([]);
    const local = ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "fuse.sshfs", "squashfs", "nfsd", "devtmpfs", "ext3"];
    expect(local.filter(isSharedFsType)).toEqual([]);
  });

  it("normalises sources", () => {
    expect(normalizeNfsSource("srv:/data//")).toBe("srv:/data");
    expect(normalizeNfsSource("[fe80::1]:/data/")).toBe("[fe80::1]:/data");
    expect(normalizeNfsSource("/dev/sda1")).toBe("/dev/sda1");
  });
});

describe("mountContaining: the mount a path lives on", () => {
  const mounts = parseMountInfo(
    [
      "20 1 0:20 / / rw,relatime - overlay overlay rw,lowerdir=/,upperdir=/x",
      "40 20 0:40 / /data rw,nosuid,nodev,relatime - fuse.nfs 198.18.0.30:/data rw,user_id=0,group_id=0",
      "41 20 0:41 /images /srv/img rw - nfs4 10.10.10.30:/export rw",
      "42 41 0:42 / /srv/img rw - tmpfs tmpfs rw",
    ].join("\n"),
  );

  it("picks the deepest mount point above the path, not a prefix of its name", () => {
    expect(mountContaining(mounts, "/data/test01.img")?.mountId).toBe(40);
    expect(mountContaining(mounts, "/data")?.mountId).toBe(40);
    expect(mountContaining(mounts, "/data2/x.img")?.mountId).toBe(20);
  });

  it("takes the one on top (listed last) of two at the same point", () => {
    expect(mountContaining(mounts, "/srv/img/a.img")?.mountId).toBe(42);
  });

  it("finds nothing in an empty table", () => {
    expect(mountContaining([], "/data/x")).toBeNull();
  });
});
