import { z } from "zod";
import { absolutePath } from "../../../provider/core/absolute-path";
import { xenDomainConfigInputsSchema } from "../../../provider/resources/xen-domain-config/schema";
import { xlMigrationTrustInputsSchema } from "../../../provider/resources/xl-migration-trust/schema";

const why = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? null : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

describe("absolutePath: one shape rule for every resource, each with its own characters", () => {
  const p = absolutePath("mount point");
  it.each([
    ["/data", null],
    ["/srv/xen/images-2024", null],
    ["data", 'must be an absolute path starting with "/", got "data"'],
    ["/", 'must not be "/" itself'],
    ["/data/", 'must not end with "/": "/data/"'],
    ["/data//x", 'must not contain "//": "/data//x"'],
    ["/data/../etc", 'must not contain "." or ".." parts: /data/../etc'],
    ["/data/./x", 'must not contain "." or ".." parts: /data/./x'],
    ["/da ta", 'must not contain white space (spaces, tabs or newlines): "/da ta"'],
    ["/da\u0001ta", 'must not contain control characters: "/da\\u0001ta"'],
    ["/data;$(reboot)", "contains ; $ ( ): only letters, digits and . _ - + , : @ % = ~ / are allowed (no shell metacharacters)"],
  ])("%j → %s", (value, message) => {
    expect(why(p, value)).toBe(message === null ? null : `: ${message}`);
  });
  it("names what it wanted when the value is no string", () => {
    expect(why(p, 42)).toBe(": must be an absolute path (the mount point)");
  });
});

describe("the resources' own character sets", () => {
  const base = { connection: { host: "node1" }, name: "test01", memory: 256, vcpus: 1, boot: { bootloader: "/usr/bin/pygrub" } };
  it("a domain's disk path may hold what a disk spec can carry, not , = quotes or backslashes", () => {
    expect(why(xenDomainConfigInputsSchema, { ...base, disks: [{ path: "/data/vm+1:a@b.img", vdev: "xvda" }] })).toBeNull();
    expect(why(xenDomainConfigInputsSchema, { ...base, disks: [{ path: "/data/a,b.img", vdev: "xvda" }] }))
      .toBe("disks.0.path: contains ,: must be printable ASCII without , = quotes or backslashes (they split a disk spec)");
    expect(why(xenDomainConfigInputsSchema, { ...base, disks: [{ path: "/data//a.img", vdev: "xvda" }] }))
      .toBe('disks.0.path: must not contain "//": "/data//a.img"');
  });
  it("the trust's key and authorized_keys paths: only characters ssh's files take unquoted", () => {
    const trust = { source: { host: "node1" }, target: { host: "node2" }, targetAddress: "node2" };
    expect(why(xlMigrationTrustInputsSchema, { ...trust, keyPath: "/root/.ssh/id_xen@node2" })).toBeNull();
    expect(why(xlMigrationTrustInputsSchema, { ...trust, keyPath: "/root/.ssh/id,x" }))
      .toBe("keyPath: contains ,: only letters, digits and / . _ - + @ are allowed");
    expect(why(xlMigrationTrustInputsSchema, { ...trust, authorizedKeysPath: "/root/.ssh/../authorized_keys" }))
      .toBe('authorizedKeysPath: must not contain "." or ".." parts: /root/.ssh/../authorized_keys');
  });
});
