import {
  checkVersions,
  evaluatePreflight,
  HostFacts,
  HostLocation,
  judgeOutcome,
  planCleanup,
  planPlacement,
  PlacementInput,
  PreflightFacts,
  Sighting,
} from "../../../provider/resources/live-migration/plan";
import { parseXenInfo, XenInfo } from "../../../provider/formats/xm-info";
import type { ListedAs } from "../../../provider/formats/xm-list";

const D = "test01";

function seen(listedAs: ListedAs, state = "-b----", id = 3): Sighting {
  return { listedAs, id, state, paused: state[2] === "p", down: state[3] === "s" || state[4] === "c" || state[5] === "d", memMiB: 512 };
}
function ok(host: string, ...sightings: Sighting[]): HostLocation {
  return { host, status: "ok", toolstack: "xm", sightings };
}
function down(host: string, error = "connect ECONNREFUSED 198.18.0.11:22"): HostLocation {
  return { host, status: "unreachable", error, toolstack: null, sightings: [] };
}
function place(locations: HostLocation[], extra: Partial<PlacementInput> = {}) {
  return planPlacement({ domain: D, desiredHost: "node2", locations, startIfStopped: false, failover: { allow: false }, ...extra });
}

describe("planPlacement (Locate's cases)", () => {
  test("already on the desired host: nothing to do", () => {
    expect(place([ok("node1"), ok("node2", seen("normal"))])).toEqual({ action: "none", host: "node2", warnings: [] });
  });

  test("on another host: migrate from it to the desired one", () => {
    expect(place([ok("node1", seen("normal")), ok("node2")])).toEqual({ action: "migrate", from: "node1", to: "node2", warnings: [] });
  });

  test("a paused or blocked domain is still where it runs", () => {
    expect(place([ok("node1", seen("normal", "--p---")), ok("node2")])).toMatchObject({ action: "migrate", from: "node1" });
  });

  test("running on two hosts: alarm, naming both, touching nothing", () => {
    const p = place([ok("node1", seen("normal", "-b----", 3)), ok("node2", seen("normal", "r-----", 7))]);
    expect(p).toMatchObject({ action: "refuse", code: "running-on-several-hosts" });
    if (p.action !== "refuse") throw new Error();
    expect(p.message).toMatch(/ALARM/);
    expect(p.message).toMatch(/node1 lists test01 \(id 3, state -b----\)/);
    expect(p.message).toMatch(/node2 lists test01 \(id 7, state r-----\)/);
    expect(p.message).toMatch(/Nothing was touched/);
  });

  test("two hosts is refused even when one of them is the desired host", () => {
    expect(place([ok("node1", seen("normal")), ok("node2", seen("normal"))], { desiredHost: "node1" })).toMatchObject({
      code: "running-on-several-hosts",
    });
  });

  test.each<[string, HostLocation[]]>([
    ["xm source: migrating-NAME", [ok("node1", seen("migrating")), ok("node2", seen("normal", "--p---"))]],
    ["xl: NAME--incoming on the target", [ok("node1", seen("normal")), ok("node2", seen("incoming", "--p---", 9))]],
    ["xl: NAME--migratedaway on the source", [ok("node1", seen("migratedaway", "--pss-")), ok("node2", seen("normal", "-b----", 9))]],
  ])("a migration in progress (%s) is not interrupted", (_t, locs) => {
    const p = place(locs);
    expect(p).toMatchObject({ action: "refuse", code: "migration-in-progress" });
    if (p.action === "refuse") expect(p.message).toMatch(/being migrated right now/);
  });

  test("running nowhere, every host answered: an error naming the hosts", () => {
    const p = place([ok("node1"), ok("node2")]);
    expect(p).toMatchObject({ action: "refuse", code: "running-nowhere" });
    if (p.action === "refuse") expect(p.message).toMatch(/node1, node2 all answered.*startIfStopped/);
  });

  test("running nowhere with startIfStopped: start it on the desired host", () => {
    expect(place([ok("node1"), ok("node2")], { startIfStopped: true })).toEqual({
      action: "start",
      on: "node2",
      reason: "requested",
      warnings: [],
    });
  });

  test("startIfStopped never starts it while a host could not be asked", () => {
    expect(place([down("node1"), ok("node2")], { startIfStopped: true })).toMatchObject({ code: "failover-not-allowed" });
  });

  test("found on one host while a third is unreachable: migrate, with a warning", () => {
    const p = place([ok("node1", seen("normal")), ok("node2"), down("node3")]);
    expect(p).toMatchObject({ action: "migrate", from: "node1", to: "node2" });
    expect(p.action !== "refuse" && p.warnings[0]).toMatch(/node3 \(connect ECONNREFUSED/);
  });

  describe("failover", () => {
    const locs = [down("node1"), ok("node2")];
    test("not allowed: refused, saying the dead host may still run it", () => {
      const p = place(locs);
      expect(p).toMatchObject({ action: "refuse", code: "failover-not-allowed" });
      if (p.action === "refuse") expect(p.message).toMatch(/node1 \(connect ECONNREFUSED 198.18.0.11:22\) could not be asked and may still run it/);
    });
    test("allowed without fencing confirmation: refused, explaining the corruption", () => {
      const p = place(locs, { failover: { allow: true } });
      expect(p).toMatchObject({ action: "refuse", code: "failover-not-fenced" });
      if (p.action === "refuse") {
        expect(p.message).toMatch(/writes the same disk from two hosts and corrupts it/);
        expect(p.message).toMatch(/failover.fencedHost to "node1"/);
      }
    });
    test("a confirmation for another host does not count", () => {
      expect(place([down("node1"), ok("node2"), ok("node3")], { failover: { allow: true, fencedHost: "node3" } })).toMatchObject({
        code: "failover-not-fenced",
      });
    });
    test("allowed and fenced for this incident: start on the desired host, carrying the incident", () => {
      const lastSeen = { host: "node1", id: 7 };
      expect(place(locs, { lastSeen, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7" } })).toEqual({
        action: "start",
        on: "node2",
        reason: "failover",
        incident: "node1:test01:id7",
        warnings: ["node1 is unreachable and confirmed fenced for incident node1:test01:id7: starting test01 on node2"],
      });
    });
    test("fenced but no incident given: refused, naming the incident to confirm and the copy it is about", () => {
      const p = place(locs, { lastSeen: { host: "node1", id: 7 }, failover: { allow: true, fencedHost: "node1" } });
      expect(p).toMatchObject({ action: "refuse", code: "failover-incident-unconfirmed" });
      if (p.action === "refuse") expect(p.message).toMatch(/set failover.incident to "node1:test01:id7" \(test01 was last seen there with id 7\) once node1 is fenced/);
    });
    test("a confirmation left from an earlier incident (another copy) is refused", () => {
      // The domain came back on node1 as id 12 after the earlier failover; the program still says id7.
      const p = place(locs, { lastSeen: { host: "node1", id: 12 }, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7" } });
      expect(p).toMatchObject({ action: "refuse", code: "failover-incident-mismatch" });
      if (p.action === "refuse") {
        expect(p.message).toMatch(/"node1:test01:id7" is not the current incident "node1:test01:id12"/);
      }
    });
    test("a state that never saw the domain on the dead host names the incident never-seen", () => {
      const fromElsewhere = place(locs, { lastSeen: { host: "node2", id: 4 }, failover: { allow: true, fencedHost: "node1" } });
      const noState = place(locs, { lastSeen: null, failover: { allow: true, fencedHost: "node1" } });
      for (const p of [fromElsewhere, noState]) {
        expect(p).toMatchObject({ action: "refuse", code: "failover-incident-unconfirmed" });
        if (p.action === "refuse") expect(p.message).toMatch(/"node1:test01:never-seen" \(this state never saw test01 run there\)/);
      }
      expect(place(locs, { lastSeen: null, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:never-seen" } })).toMatchObject({
        action: "start",
      });
    });
    test("a confirmation a failover already acted on is spent: refused, and the next one is a new value", () => {
      const spent = { incident: "node1:test01:id7", at: "2026-12-07T10:00:00.000Z" };
      const input = { lastSeen: { host: "node1", id: 7 }, spent };
      const again = place(locs, { ...input, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7" } });
      expect(again).toMatchObject({ action: "refuse", code: "failover-confirmation-spent" });
      if (again.action === "refuse") {
        expect(again.message).toMatch(/already used by the failover that started at 2026-12-07T10:00:00.000Z/);
        expect(again.message).toMatch(/find out what that failover left \(nothing listed\)/);
        expect(again.message).toMatch(/set failover.incident to "node1:test01:id7:retry1"/);
      }
      expect(place(locs, { ...input, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7:retry1" } })).toMatchObject({
        action: "start",
        incident: "node1:test01:id7:retry1",
      });
      const twice = { ...input, spent: { ...spent, incident: "node1:test01:id7:retry1" } };
      expect(place(locs, { ...twice, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7:retry1" } })).toMatchObject({
        code: "failover-confirmation-spent",
      });
      expect(place(locs, { ...twice, failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7:retry2" } })).toMatchObject({
        action: "start",
      });
    });
    test("a spent confirmation of another incident does not change this one", () => {
      const p = place(locs, {
        lastSeen: { host: "node1", id: 12 },
        spent: { incident: "node1:test01:id7", at: "2026-12-01T00:00:00.000Z" },
        failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id12" },
      });
      expect(p).toMatchObject({ action: "start", incident: "node1:test01:id12" });
    });
    test("two hosts unreachable, one confirmed: refused", () => {
      expect(place([down("node1"), down("node3"), ok("node2")], { failover: { allow: true, fencedHost: "node1" } })).toMatchObject({
        code: "failover-not-fenced",
      });
    });
    test("the desired host itself is unreachable: nothing can be started", () => {
      expect(place([ok("node1"), down("node2")], { failover: { allow: true, fencedHost: "node1" } })).toMatchObject({
        code: "failover-target-unavailable",
      });
    });
    test("xend down on the old host counts as unknown, not as 'not there'", () => {
      const xendDown: HostLocation = { host: "node1", status: "toolstack-down", error: "Error: Unable to connect to xend", toolstack: "xm", sightings: [] };
      expect(place([xendDown, ok("node2")])).toMatchObject({ code: "failover-not-allowed" });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

const INFO_41 = parseXenInfo("total_memory : 4096\nfree_memory : 3000\nxen_major : 4\nxen_minor : 1\nxen_extra : .3\n");
const info = (free: number, major = 4, minor = 1): XenInfo => ({ ...INFO_41, freeMemoryMiB: free, xenMajor: major, xenMinor: minor, xenVersion: `${major}.${minor}` });

const CFG = "name = 'test01'\nmemory = 512\ndisk = ['file:/data/test01.img,xvda,w']\nvif = ['bridge=xenbr0', 'bridge=xenbr1']\n";
const nfsDisk = { path: "/data/test01.img", exists: true, fileType: "regular file", size: 1073741824, inode: 42, fsType: "fuse.nfs", mountSource: "198.18.0.30:/data", mountPoint: "/data", relativePath: "/test01.img" };

function host(name: string, over: Partial<HostFacts> = {}): HostFacts {
  return {
    host: name,
    toolstack: "xm",
    info: info(3000),
    configs: [{ path: "/etc/xen/test01", content: CFG }],
    disks: [nfsDisk],
    bridges: [{ name: "xenbr0", exists: true, isBridge: true }, { name: "xenbr1", exists: true, isBridge: true }],
    ...over,
  };
}

function facts(over: { source?: Partial<HostFacts>; target?: Partial<HostFacts>; rest?: Partial<PreflightFacts> } = {}): PreflightFacts {
  return {
    domain: D,
    toolstack: "xm",
    source: {
      ...host("node1", over.source),
      details: {
        name: D,
        domid: 3,
        memoryMiB: 512,
        maxMemoryMiB: 512,
        vcpus: 1,
        disks: [{ spec: "file:/data/test01.img", kind: "file", path: "/data/test01.img", vdev: "xvda", cdrom: false }],
        vifs: [{ bridge: "xenbr0", mac: "00:16:3e:00:00:01" }, { bridge: "xenbr1", mac: "00:16:3e:00:00:02" }],
      },
    },
    target: host("node2", over.target),
    relocation: { result: "open", address: "198.18.0.12", port: 8002 },
    ...over.rest,
  };
}

const failures = (f: PreflightFacts) => evaluatePreflight(f).filter((c) => !c.ok);

describe("evaluatePreflight", () => {
  test("the runbook's setup passes every check, one entry per fact", () => {
    const checks = evaluatePreflight(facts());
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual([
      "reachable",
      "toolstack",
      "toolstack",
      "config",
      "disk",
      "bridge",
      "bridge",
      "memory",
      "version",
      "relocation",
    ]);
  });

  test("target unreachable: the first and only fact", () => {
    expect(evaluatePreflight(facts({ target: { error: "connect ETIMEDOUT 198.18.0.12:22" } }))).toEqual([
      { host: "node2", check: "reachable", ok: false, detail: "node2 cannot be reached: connect ETIMEDOUT 198.18.0.12:22" },
    ]);
  });

  test("xend down on the target", () => {
    const f = failures(facts({ target: { info: null, toolstackError: "Error: Unable to connect to xend: No such file or directory. Is xend running?" } }));
    expect(f[0]).toMatchObject({ host: "node2", check: "toolstack" });
    expect(f[0].detail).toMatch(/Is xend running/);
  });

  test("relocation server off: the source cannot connect", () => {
    const f = failures(facts({ rest: { relocation: { result: "refused", address: "198.18.0.12", port: 8002, detail: "Connection refused" } } }));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ host: "node2", check: "relocation" });
    expect(f[0].detail).toMatch(/node1 cannot connect to node2's relocation port 198.18.0.12:8002: Connection refused/);
  });

  test("hosts-allow rejects the source: accepted then closed", () => {
    const f = failures(facts({ rest: { relocation: { result: "closed", address: "198.18.0.12", port: 8002, detail: "" } } }));
    expect(f[0].detail).toMatch(/hosts-allow rejects node1/);
  });

  test("disk missing on the target", () => {
    const f = failures(facts({ target: { disks: [{ ...nfsDisk, exists: false, fsType: null, mountSource: null, mountPoint: null, relativePath: null, size: null, inode: null, fileType: null }] } }));
    expect(f).toEqual([{ host: "node2", check: "disk", ok: false, detail: "disk /data/test01.img does not exist on node2" }]);
  });

  test("disk present on the target but a local copy, not shared", () => {
    const local = { ...nfsDisk, fsType: "ext4", mountSource: "/dev/vda", mountPoint: "/", relativePath: "/data/test01.img" };
    const f = failures(facts({ target: { disks: [local] } }));
    expect(f[0]).toMatchObject({ host: "node2", check: "disk" });
    expect(f[0].detail).toMatch(/on ext4 \(\/dev\/vda at \/\), not on shared storage: a local copy/);
  });

  test("disk on NFS on both hosts but from different exports", () => {
    const other = { ...nfsDisk, mountSource: "198.18.0.31:/data" };
    expect(failures(facts({ target: { disks: [other] } }))[0].detail).toMatch(/not the same file on both hosts/);
  });

  test("the same export mounted at different places compares by relative path", () => {
    const f = facts({ target: { disks: [{ ...nfsDisk, mountSource: "198.18.0.30:/data/", mountPoint: "/data" }] } });
    expect(failures(f)).toEqual([]);
  });

  test("memory short on the target", () => {
    const f = failures(facts({ target: { info: info(256) } }));
    expect(f).toEqual([{ host: "node2", check: "memory", ok: false, detail: "node2 has 256 MiB free, test01 needs 512 MiB" }]);
  });

  test("bridge missing on the target", () => {
    const f = failures(facts({ target: { bridges: [{ name: "xenbr0", exists: true, isBridge: true }, { name: "xenbr1", exists: false, isBridge: null }] } }));
    expect(f).toEqual([{ host: "node2", check: "bridge", ok: false, detail: "bridge xenbr1 (vif 00:16:3e:00:00:02) does not exist on node2" }]);
  });

  test("an interface that is not a bridge", () => {
    const f = failures(facts({ target: { bridges: [{ name: "xenbr0", exists: true, isBridge: false }, { name: "xenbr1", exists: true, isBridge: null }] } }));
    expect(f.map((x) => x.detail)).toEqual(["xenbr0 exists on node2 but is not a bridge"]);
  });

  test("config missing on the target", () => {
    const f = failures(facts({ target: { configs: [{ path: "/etc/xen/test01", content: null }] } }));
    expect(f).toEqual([{ host: "node2", check: "config", ok: false, detail: "/etc/xen/test01 is missing on node2 (it exists on node1)" }]);
  });

  test("config differs: the first differing line is shown", () => {
    const f = failures(facts({ target: { configs: [{ path: "/etc/xen/test01", content: CFG.replace("memory = 512", "memory = 1024") }] } }));
    expect(f[0].detail).toBe(`/etc/xen/test01 on node2 differs from node1's: line 2: "memory = 512" vs "memory = 1024"`);
  });

  test("xl: the source cannot ssh to the target", () => {
    const f = failures(
      facts({
        source: { toolstack: "xl" },
        target: { toolstack: "xl" },
        rest: { toolstack: "xl", relocation: undefined, ssh: { ok: false, detail: "root@198.18.0.12: Permission denied (publickey)." } },
      }),
    );
    expect(f).toEqual([
      { host: "node1", check: "ssh", ok: false, detail: "node1 cannot ssh to node2 as xl migrate will: root@198.18.0.12: Permission denied (publickey)." },
    ]);
  });

  test("toolstacks differ between the hosts", () => {
    const f = failures(facts({ target: { toolstack: "xl" } }));
    expect(f[0]).toMatchObject({ host: "node2", check: "toolstack" });
    expect(f[0].detail).toMatch(/it runs xl, not xm/);
  });

  test("several failures are all reported", () => {
    const f = failures(facts({ target: { info: info(100), configs: [{ path: "/etc/xen/test01", content: null }] } }));
    expect(f.map((x) => x.check)).toEqual(["config", "memory"]);
  });
});

describe("checkVersions", () => {
  test.each([
    [[4, 1], [4, 1], true],
    [[3, 4], [3, 4], true],
    [[4, 1], [4, 2], true],
    [[4, 2], [4, 1], false],
    [[3, 4], [4, 1], false],
  ])("%j -> %j: %s", ([sM, sm], [tM, tm], expected) => {
    expect(checkVersions("node1", info(1, sM, sm), "node2", info(1, tM, tm)).ok).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("judgeOutcome (verification after the migrate command)", () => {
  test("moved: on the target, gone from the source", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1"), ok("node2", seen("normal", "-b----", 9))])).toEqual({ verdict: "moved", targetId: 9 });
  });
  test("stayed: still on the source only", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2")])).toEqual({ verdict: "stayed" });
  });
  test("a zero exit code is not trusted: still on the source means stayed", () => {
    // (the resource reports this as a failure even when xm said nothing)
    expect(judgeOutcome(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2")]).verdict).toBe("stayed");
  });
  test("transitional names: still in transit", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1", seen("migrating")), ok("node2", seen("normal", "--p---", 9))]).verdict).toBe("in-transit");
  });
  test("paused on the target only: not done yet", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1"), ok("node2", seen("normal", "--p---", 9))]).verdict).toBe("in-transit");
  });
  test("on both: reported as both", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2", seen("normal", "-b----", 9))]).verdict).toBe("both");
  });
  test("nowhere", () => {
    expect(judgeOutcome(D, "node1", "node2", [ok("node1"), ok("node2")])).toEqual({ verdict: "nowhere" });
  });
  test("the source no longer answers: unknown, even if the target runs it", () => {
    expect(judgeOutcome(D, "node1", "node2", [down("node1"), ok("node2", seen("normal", "-b----", 9))]).verdict).toBe("unknown");
  });
});

describe("planCleanup (exactly one place after a failure)", () => {
  test("still on the source: nothing to do, it stays there", () => {
    expect(planCleanup(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2")])).toMatchObject({
      actions: [],
      expectedHost: "node1",
    });
  });

  test("xl: a paused --incoming left on the target while the source runs it is destroyed", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2", seen("incoming", "--p---", 9))]);
    expect(p.expectedHost).toBe("node1");
    expect(p.actions).toEqual([{ op: "destroy", host: "node2", name: "test01--incoming", why: expect.stringMatching(/never ran/) }]);
  });

  test("xl: a --migratedaway left on the source while the target runs it is destroyed", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("migratedaway", "--pss-")), ok("node2", seen("normal", "-b----", 9))]);
    expect(p.expectedHost).toBe("node2");
    expect(p.actions).toEqual([{ op: "destroy", host: "node1", name: "test01--migratedaway", why: expect.stringMatching(/can never resume/) }]);
  });

  test("a --migratedaway while the target's copy is still paused is NOT touched", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("migratedaway", "--pss-")), ok("node2", seen("normal", "--p---", 9))]);
    expect(p).toMatchObject({ actions: [], expectedHost: null });
    expect(p.report).toMatch(/not provably safe/);
  });

  test("an --incoming that is running (not paused) is not touched", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2", seen("incoming", "-b----", 9))]);
    expect(p).toMatchObject({ actions: [], expectedHost: null });
  });

  test("running on both: alarm, nothing touched", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("normal")), ok("node2", seen("normal", "-b----", 9))]);
    expect(p.actions).toEqual([]);
    expect(p.report).toMatch(/^ALARM: test01 now runs on node1 and node2/);
  });

  test("nowhere and every host answered: started again on the source", () => {
    expect(planCleanup(D, "node1", "node2", [ok("node1"), ok("node2")])).toMatchObject({
      actions: [{ op: "start", host: "node1" }],
      expectedHost: "node1",
    });
  });

  test("nowhere but a host did not answer: nothing started", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1"), down("node2")]);
    expect(p).toMatchObject({ actions: [], expectedHost: null });
    expect(p.report).toMatch(/node2 \(connect ECONNREFUSED.*could not be asked, so nothing was started/);
  });

  test("nowhere under its own name but held mid-migration: reported, not touched", () => {
    const p = planCleanup(D, "node1", "node2", [ok("node1", seen("migratedaway", "--pss-")), ok("node2", seen("incoming", "--p---", 9))]);
    expect(p).toMatchObject({ actions: [], expectedHost: null });
    expect(p.report).toMatch(/mid-migration/);
  });
});
