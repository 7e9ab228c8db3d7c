import { parseService, parseSysvLinks, sysvNeedsRelink, sysvState, systemdEnabled, systemdState } from "../../../provider/host/service";

describe("SysV boot links", () => {
  const debian = "/etc/rc0.d/K01nfs-ganesha\n/etc/rc1.d/K01nfs-ganesha\n/etc/rc2.d/S01nfs-ganesha\n" +
    "/etc/rc3.d/S01nfs-ganesha\n/etc/rc6.d/K01nfs-ganesha\n";
  const rhelOff = "/etc/rc.d/rc0.d/K20nfs\n/etc/rc.d/rc3.d/K20nfs\n/etc/rc.d/rc5.d/K20nfs\n";
  const rhelOn = "/etc/rc.d/rc0.d/K20nfs\n/etc/rc.d/rc3.d/S60nfs\n/etc/rc.d/rc5.d/S60nfs\n";

  it("sees a start link in runlevels 2-5 as enabled", () => {
    expect(parseSysvLinks(debian, "nfs-ganesha")).toBe(true);
    expect(parseSysvLinks(rhelOn, "nfs")).toBe(true);
  });

  it("sees only kill links, or none, as disabled", () => {
    expect(parseSysvLinks(rhelOff, "nfs")).toBe(false);
    expect(parseSysvLinks("", "nfs")).toBe(false);
    expect(parseSysvLinks("/etc/rcS.d/S01nfs\n/etc/rc1.d/S01nfs\n", "nfs")).toBe(false);
  });

  it("does not confuse services whose names share a prefix", () => {
    expect(parseSysvLinks("/etc/rc3.d/S60nfslock\n", "nfs")).toBe(false);
  });
});

describe("enabling on update-rc.d", () => {
  const stopOnly = "/etc/rc0.d/K01xend\n/etc/rc1.d/K01xend\n/etc/rc6.d/K01xend\n";

  it("makes the links again when only kill links outside runlevels 2-5 are left (S links deleted by hand)", () => {
    expect(sysvNeedsRelink(stopOnly, "xend")).toBe(true);
    expect(sysvNeedsRelink("/etc/rcS.d/S01xend\n/etc/rc0.d/K01xend\n", "xend")).toBe(true);
  });

  it("leaves links alone that update-rc.d can toggle, and lets defaults create missing ones", () => {
    expect(sysvNeedsRelink(`${stopOnly}/etc/rc3.d/K01xend\n`, "xend")).toBe(false);
    expect(sysvNeedsRelink(`${stopOnly}/etc/rc2.d/S20xend\n`, "xend")).toBe(false);
    expect(sysvNeedsRelink("", "xend")).toBe(false);
  });

  it("looks only at the service's own links", () => {
    expect(sysvNeedsRelink("/etc/rc0.d/K01xendomains\n", "xend")).toBe(false);
    expect(sysvNeedsRelink(`${stopOnly}/etc/rc2.d/S99xendomains\n`, "xend")).toBe(true);
  });
});

describe("service states", () => {
  it("maps LSB status codes", () => {
    expect([0, 1, 2, 3, 4, 127].map(sysvState)).toEqual(["running", "stopped", "stopped", "stopped", "unknown", "unknown"]);
  });
  it("maps systemctl is-active words", () => {
    expect(["active\n", "inactive", "failed", "activating", "unknown"].map(systemdState))
      .toEqual(["running", "stopped", "stopped", "running", "unknown"]);
  });
  it("maps systemctl is-enabled words: an alias (Debian's nfs-kernel-server) starts at boot like its unit", () => {
    expect(["enabled\n", "alias", "disabled", "static", "masked", "indirect", ""].map(systemdEnabled))
      .toEqual([true, true, false, false, false, false, false]);
  });
});

describe("service probe (the NFS server's service)", () => {
  it("reads systemd, including Debian's alias", () => {
    expect(parseService({ stdout: "init systemd\nname nfs-server\nactive active\nenabled enabled\n", stderr: "", code: 0 })).toEqual({
      init: "systemd", name: "nfs-server", running: true, enabledAtBoot: true,
    });
    expect(parseService({ stdout: "init systemd\nname nfs-kernel-server\nactive inactive\nenabled alias\n", stderr: "", code: 0 }))
      .toMatchObject({ running: false, enabledAtBoot: true });
  });
  it("reads SysV status codes and rc links", () => {
    const out = "init sysv\nname nfs\nstatus 3\nlink /etc/rc.d/rc0.d/K20nfs\nlink /etc/rc.d/rc3.d/S60nfs\n";
    expect(parseService({ stdout: out, stderr: "", code: 0 })).toEqual({ init: "sysv", name: "nfs", running: false, enabledAtBoot: true });
    expect(parseService({ stdout: "init sysv\nname nfs\nstatus 0\nlink /etc/rc3.d/K20nfs\n", stderr: "", code: 0 }))
      .toMatchObject({ running: true, enabledAtBoot: false });
  });
  it("reports no service", () => {
    expect(parseService({ stdout: "init sysv\n", stderr: "", code: 0 }).name).toBeNull();
  });
});
