/**
 * LiveMigration against the lab's Xen hosts (the toolstack simulator), through Pulumi's real dynamic-provider
 * server. Runs on whichever topology the lab has (xm by default, `lab:up --toolstack xl` for xl); checks that
 * only make sense for one toolstack say so. What ran on the hosts is proven from the simulator's own command
 * log, never from a counter of ours.
 */
import { execFileSync } from "child_process";
import { makeProvider } from "../../provider/core";
import { reboot } from "../../lab/control";
import { loadInventory } from "../../lab/inventory";
import { labName } from "../../lab/paths";
import { ProviderServer, ProviderCallError, type Props } from "../support/provider-harness";
import { DOMAIN, MigrationLab, type NodeName } from "./migration-fixture";

jest.setTimeout(240_000);

const provider = makeProvider("live-migration");
/** The lab's topology (the global setup started it before this file loads): toolstack-specific cases are skipped on the other. */
const TOOLSTACK = loadInventory().hosts.node1.toolstack;
const on = (only: "xm" | "xl" | undefined) => (only === undefined || only === TOOLSTACK ? test : test.skip);
let lab: MigrationLab;
let server: ProviderServer;

beforeAll(async () => {
  lab = await MigrationLab.setUp();
  server = await ProviderServer.start();
});

afterAll(async () => {
  await server?.stop();
  await lab?.tearDown();
});

beforeEach(async () => {
  await lab.clearFaults();
  await lab.placeOn("node1");
});

/** The error the engine would show for a failed up. */
async function upFails(res: ReturnType<ProviderServer["resource"]>, inputs: Props): Promise<ProviderCallError> {
  try {
    await res.up(inputs);
  } catch (e) {
    if (e instanceof ProviderCallError) return e;
    throw e;
  }
  throw new Error("up succeeded, but it had to fail");
}

const migrateCmds = (mark: Record<NodeName, number>) =>
  lab.commandsSince(mark).filter((c) => c.event === "start" && c.argv[0] === "migrate");

describe("the runbook, end to end", () => {
  test("test01 moves node1 → node2 while observer pings it, only node2 lists it afterwards, and it moves back", async () => {
    const res = server.resource(provider);
    const mark = lab.mark();
    const up = await res.up(lab.inputs("node2"));
    expect(up.op).toBe("create");
    const out = up.state.outputs as Props & { lastMigration: Record<string, number | string | null> };
    expect(out.currentHost).toBe("node2");
    expect(out.lastMigration).toMatchObject({ from: "node1", to: "node2", kind: "migrate", toolstack: lab.ts });
    // The issue's own bound: a gap under a second, at most a few packets lost.
    expect(out.lastMigration.downtimeMs).toEqual(expect.any(Number));
    expect(out.lastMigration.downtimeMs as number).toBeLessThan(1000);
    expect(out.lastMigration.packetsLost as number).toBeLessThanOrEqual(10);
    expect(out.lastMigration.packetsSent as number).toBeGreaterThan(0);

    expect(await lab.runningOn()).toEqual(["node2"]);
    expect(await lab.sightings("node1")).toEqual([]);
    // xl: the target's host key checked strictly on the command line, whatever the source's ssh_config says
    const expected = lab.ts === "xm" ? ["migrate", "-l", DOMAIN, lab.host("node2").address]
      : ["migrate", "-s", "ssh -o 'StrictHostKeyChecking=yes'", DOMAIN, lab.host("node2").address];
    expect(migrateCmds(mark).map((c) => [c.host, c.argv])).toEqual([["node1", expected]]);

    const back = await res.up(lab.inputs("node1"));
    expect(back.op).toBe("update");
    expect(back.state.outputs.currentHost).toBe("node1");
    expect((back.state.outputs.lastMigration as Props).from).toBe("node2");
    expect(await lab.runningOn()).toEqual(["node1"]);

    // Delete stops managing placement; the domain keeps running where it is.
    await res.destroy();
    expect(await lab.runningOn()).toEqual(["node1"]);
  });
});

describe("already in place", () => {
  test("no migrate command runs (simulator's log), a second up is a no-op, refresh confirms", async () => {
    const res = server.resource(provider);
    const mark = lab.mark();
    const up = await res.up(lab.inputs("node1"));
    expect(up.state.outputs).toMatchObject({ currentHost: "node1", lastMigration: null });
    expect((await res.up(lab.inputs("node1"))).op).toBe("same");
    expect((await res.refresh())!.outputs.currentHost).toBe("node1");
    expect(migrateCmds(mark)).toEqual([]);
    expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
    // it did ask: the listing commands are in the log
    expect(lab.commandsSince(mark).some((c) => c.argv[0] === "list")).toBe(true);
  });

  test("a domain moved outside Pulumi shows up at refresh, and the next up moves it back", async () => {
    const res = server.resource(provider);
    await res.up(lab.inputs("node1", { probe: undefined }));
    const by = lab.ts === "xm" ? "xm migrate -l" : "xl migrate";
    await lab.must(lab.nodes.node1, `PATH=$PATH:/usr/sbin; ${by} "$1" "$2"`, [DOMAIN, lab.host("node2").address]);
    expect((await res.refresh())!.outputs.currentHost).toBe("node2");
    const up = await res.up(lab.inputs("node1", { probe: undefined }));
    expect(up.op).toBe("update");
    expect(up.state.outputs.currentHost).toBe("node1");
    expect(await lab.runningOn()).toEqual(["node1"]);
  });
});

describe("dry runs", () => {
  test("preflightOnly: every check is reported, nothing moves", async () => {
    const res = server.resource(provider);
    const mark = lab.mark();
    const up = await res.up(lab.inputs("node2", { preflightOnly: true, probe: undefined }));
    const checks = up.state.outputs.preflight as { host: string; check: string; ok: boolean }[];
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect([...new Set(checks.map((c) => c.check))].sort()).toEqual(
      ["bridge", "config", "disk", "memory", "reachable", lab.ts === "xm" ? "relocation" : "ssh", "toolstack", "version"].sort(),
    );
    expect(up.state.outputs.currentHost).toBe("node1");
    expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
    expect(await lab.runningOn()).toEqual(["node1"]);
  });

  test("pulumi preview of a new desired host runs the preflight read-only and shows why up would stop", async () => {
    const res = server.resource(provider);
    await res.up(lab.inputs("node1", { probe: undefined }));
    const mark = lab.mark();
    const ok = await res.preview(lab.inputs("node2", { probe: undefined }));
    expect(ok.op).toBe("update");
    await lab.setFaults("node2", { reserveMemoryMiB: 3000 });
    try {
      await expect(res.preview(lab.inputs("node2", { probe: undefined }))).rejects.toThrow(/node2: memory: node2 has \d+ MiB free, test01 needs 128 MiB/);
    } finally {
      await lab.clearFaults();
    }
    expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
    expect(await lab.runningOn()).toEqual(["node1"]);
  });
});

describe("preflight failures stop before any migrate, with the reason", () => {
  interface Case {
    name: string;
    only?: "xm" | "xl";
    arrange(): Promise<void>;
    restore(): Promise<void>;
    reason: RegExp;
  }
  const n2 = () => lab.nodes.node2;
  const cases: Case[] = [
    {
      name: "relocation server off on the target",
      only: "xm",
      arrange: () => lab.setRelocation("node2", { server: "no", hostsAllow: "" }),
      restore: () => lab.setRelocation("node2", { server: "yes", hostsAllow: "" }),
      reason: /node2: relocation: node1 cannot connect to node2's relocation port [\d.]+:8002: .*refused/i,
    },
    {
      name: "hosts-allow on the target rejects the source",
      only: "xm",
      arrange: () => lab.setRelocation("node2", { server: "yes", hostsAllow: "^nosuchhost\\.example$" }),
      restore: () => lab.setRelocation("node2", { server: "yes", hostsAllow: "" }),
      reason: /node2: relocation: .*accepted node1's connection and closed it at once: its xend-relocation-hosts-allow rejects node1/,
    },
    {
      name: "the source's root cannot ssh to the target",
      only: "xl",
      arrange: async () => {
        await lab.must(n2(), "cp /etc/ssh/authorized_keys/root /tmp/ak.mig && grep -v 'root@node1' /tmp/ak.mig > /etc/ssh/authorized_keys/root");
      },
      restore: async () => {
        await lab.must(n2(), "cp /tmp/ak.mig /etc/ssh/authorized_keys/root");
      },
      reason: /node1: ssh: node1 cannot ssh to node2 as xl migrate will: .*Permission denied/,
    },
    {
      name: "the disk is not on the target (shared storage not mounted)",
      arrange: async () => {
        await lab.must(n2(), "umount /data");
      },
      restore: async () => {
        await lab.must(n2(), 'mount -t nfs "$1" /data', [`${lab.host("nfs").address2}:/data`]);
      },
      reason: /node2: disk: disk \/data\/test01\.img does not exist on node2/,
    },
    {
      name: "the target has a local copy of the disk, not the shared one",
      arrange: async () => {
        await lab.must(n2(), "umount /data && truncate -s 64M /data/test01.img");
      },
      restore: async () => {
        await lab.must(n2(), 'rm -f /data/test01.img && mount -t nfs "$1" /data', [`${lab.host("nfs").address2}:/data`]);
      },
      reason: /node2: disk: disk \/data\/test01\.img on node2 is on \S+ .*not on shared storage: a local copy is not the same disk/,
    },
    {
      name: "the target is short of memory",
      arrange: () => lab.setFaults("node2", { reserveMemoryMiB: 3000 }),
      restore: () => lab.clearFaults(),
      reason: /node2: memory: node2 has \d+ MiB free, test01 needs 128 MiB/,
    },
    {
      name: "the domain config is missing on the target",
      arrange: async () => {
        await lab.must(n2(), 'mv "$1" "$1.mig-test-away"', [lab.configPath]);
      },
      restore: async () => {
        await lab.must(n2(), 'mv "$1.mig-test-away" "$1"', [lab.configPath]);
      },
      reason: /node2: config: \/etc\/xen\/test01(\.cfg)? is missing on node2 \(it exists on node1\)/,
    },
  ];

  for (const c of cases) {
    on(c.only)(c.name, async () => {
    await c.arrange();
    try {
      const mark = lab.mark();
      const err = await upFails(server.resource(provider), lab.inputs("node2"));
      expect(err.details).toMatch(/preflight for migrating test01 from node1 to node2 failed; nothing was changed/);
      expect(err.details).toMatch(c.reason);
      expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
      expect(await lab.runningOn()).toEqual(["node1"]);
    } finally {
      await c.restore();
    }
    });
  }

  test("a bridge of the domain's vifs is missing on the target", async () => {
    // A second domain whose only vif is on a bridge that exists on node1 alone.
    const cfg = lab.ts === "xm" ? "/etc/xen/test02" : "/etc/xen/test02.cfg";
    const text = `name = "test02"\nmemory = 64\nkernel = "/boot/vmlinuz-2.6.32-xen"\ndisk = [ "file:/data/test02.img,xvda,w" ]\nvif = [ "bridge=xenbr9" ]\n`;
    await lab.must(lab.nodes.node1, "ip link add xenbr9 type bridge && ip link set xenbr9 up && truncate -s 8M /data/test02.img");
    try {
      for (const n of ["node1", "node2"] as const) await lab.must(lab.nodes[n], 'cat > "$1"', [cfg], text);
      await lab.must(lab.nodes.node1, `PATH=$PATH:/usr/sbin; ${lab.ts} create "$1"`, [cfg]);
      const mark = lab.mark();
      const err = await upFails(server.resource(provider), { ...lab.inputs("node2", { probe: undefined }), domain: "test02" });
      expect(err.details).toMatch(/node2: bridge: bridge xenbr9 \(vif [0-9a-f:]+\) does not exist on node2/);
      expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
    } finally {
      await lab.destroy("node1", "test02");
      for (const n of ["node1", "node2"] as const) await lab.nodes[n].sh('rm -f "$1"', [cfg]);
      await lab.nodes.node1.sh("ip link del xenbr9; rm -f /data/test02.img");
    }
  });
});

describe("running on both hosts", () => {
  test("refused with an alarm naming both; nothing is touched", async () => {
    await lab.create("node2");
    try {
      const mark = lab.mark();
      const err = await upFails(server.resource(provider), lab.inputs("node2"));
      expect(err.details).toMatch(/ALARM: test01 is running on 2 hosts \(node1 lists test01 \(id \d+, state \S+\); node2 lists test01/);
      expect(err.details).toMatch(/Nothing was touched/);
      expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);
      expect(await lab.runningOn()).toEqual(["node1", "node2"]);
    } finally {
      await lab.destroy("node2");
    }
  });
});

describe("a failure in the middle of the migration ends with the domain in exactly one place and an accurate error", () => {
  const faults: { name: string; only?: "xm" | "xl"; on: NodeName; fault: Record<string, unknown>; expect: RegExp; endsOn: NodeName; also?: RegExp }[] = [
    {
      name: "target xend killed during the copy",
      only: "xm",
      on: "node2",
      fault: { killXendAtPercent: 50 },
      expect: /test01 is running on node1 only \(where it was\)/,
      also: /not counting node2: xm list failed \(exit 1\): Error: Unable to connect to xend.*which could not be asked/,
      endsOn: "node1",
    },
    { name: "target sshd killed during the copy", only: "xl", on: "node2", fault: { killSshdAtPercent: 50 }, expect: /test01 is running on node1 only \(where it was\)/, endsOn: "node1" },
  ];

  for (const f of faults) {
    on(f.only)(f.name, async () => {
    await lab.setFaults(f.on, f.fault);
    try {
      const res = server.resource(provider);
      const err = await upFails(res, lab.inputs("node2", { migration: { timeoutSeconds: 60 } }));
      console.log(`${f.name}: ${err.details}`);
      expect(err.details).toMatch(/migration of test01 from node1 to node2 failed: /);
      expect(err.details).toMatch(f.expect);
      if (f.also) expect(err.details).toMatch(f.also);
      expect(err.partial?.properties.currentHost).toBe(f.endsOn);
      await lab.clearFaults();
      if (lab.ts === "xm") await lab.must(lab.nodes.node2, "service xend status >/dev/null 2>&1 || service xend start >/dev/null");
      expect(await lab.runningOn()).toEqual([f.endsOn]);
      for (const n of ["node1", "node2"] as const) {
        expect((await lab.sightings(n)).filter((s) => s.listedAs !== "normal")).toEqual([]);
      }
    } finally {
      await lab.clearFaults();
      if (lab.ts === "xm") await lab.nodes.node2.sh("service xend status >/dev/null 2>&1 || service xend start >/dev/null");
    }
    });
  }

  on("xl")("xl: the final handshake breaks after the target started the domain", async () => {
    await lab.setFaults("node2", { killSshdAtFinalHandshake: true });
    try {
      const res = server.resource(provider);
      const mark = lab.mark();
      // The target started the domain, the sender never heard it: the sender's suspended copy is left as
      // test01--migratedaway. The domain runs on node2, so that copy can never run again and is destroyed.
      const up = await res.up(lab.inputs("node2", { migration: { timeoutSeconds: 60 } }));
      expect(up.state.outputs.currentHost).toBe("node2");
      expect(await lab.runningOn()).toEqual(["node2"]);
      for (const n of ["node1", "node2"] as const) expect((await lab.sightings(n)).filter((s) => s.listedAs !== "normal")).toEqual([]);
      const destroys = MigrationLab.changing(lab.commandsSince(mark)).filter((c) => c.argv[0] === "destroy");
      expect(destroys.map((c) => [c.host, c.argv])).toEqual([["node1", ["destroy", "test01--migratedaway"]]]);
    } finally {
      await lab.clearFaults();
    }
  });
});

describe("the source host is cut off", () => {
  test("in the middle of the migration: nothing is started elsewhere, and the domain is still on the source once it is back", async () => {
    await lab.setFaults("node1", { networkDownAtPercent: 50 });
    try {
      const err = await upFails(server.resource(provider), lab.inputs("node2", { probe: undefined, migration: { timeoutSeconds: 15 } }));
      console.log(`source gone: ${err.details}`);
      expect(err.details).toMatch(/migration of test01 from node1 to node2 failed: /);
      expect(err.details).toMatch(/test01 is not running on any host that answered; the source node1 could not be asked .* nothing was started elsewhere/);
      expect(await lab.sightings("node2")).toEqual([]);
    } finally {
      // Bring node1's uplinks back (what the fault took down), from the harness.
      const ns = lab.host("node1").netns;
      for (const i of lab.host("node1").interfaces) execFileSync("ip", ["netns", "exec", ns, "ip", "link", "set", i.device, "up"]);
      await lab.reconnect("node1");
      await lab.clearFaults();
    }
    expect(await lab.runningOn()).toEqual(["node1"]);
  });


  const cut = (up: boolean) => {
    for (const i of lab.host("node1").interfaces) execFileSync("ip", ["link", "set", i.peer, up ? "up" : "down"]);
  };

  afterEach(async () => {
    cut(true);
  });

  test("failover: refused without policy, without fencing confirmation and with another incident's; started on the survivor with this incident's", async () => {
    const res = server.resource(provider);
    // The state sees test01 on node1 first: the incident a confirmation must name is that copy.
    const before = await res.up(lab.inputs("node1"));
    expect(before.state.outputs.lastSeen).toMatchObject({ host: "node1" });
    const id = (before.state.outputs.lastSeen as { id: number }).id;
    const incident = `node1:test01:id${id}`;
    cut(false);
    const mark = lab.mark();
    const noPolicy = await upFails(res, lab.inputs("node2"));
    expect(noPolicy.details).toMatch(/test01 is not running on any host that answered; node1 \(.*\) could not be asked and may still run it\. Failover is not allowed/);

    const unfenced = await upFails(res, lab.inputs("node2", { failover: { allow: true } }));
    expect(unfenced.details).toMatch(/refusing to fail test01 over to node2: node1 .* is not confirmed fenced/);
    expect(unfenced.details).toMatch(/writes the same disk from two hosts and corrupts it/);
    expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);

    const unconfirmed = await upFails(res, lab.inputs("node2", { failover: { allow: true, fencedHost: "node1" } }));
    expect(unconfirmed.details).toContain(`set failover.incident to "${incident}" (test01 was last seen there with id ${id})`);
    // A confirmation left in the program from an earlier incident (another copy of test01 on node1).
    const stale = await upFails(res, lab.inputs("node2", { failover: { allow: true, fencedHost: "node1", incident: `node1:test01:id${id + 1000}` } }));
    expect(stale.details).toContain(`"node1:test01:id${id + 1000}" is not the current incident "${incident}"`);
    expect(MigrationLab.changing(lab.commandsSince(mark))).toEqual([]);

    const up = await res.up(lab.inputs("node2", { failover: { allow: true, fencedHost: "node1", incident } }));
    expect(up.state.outputs).toMatchObject({ currentHost: "node2" });
    expect(up.state.outputs.lastMigration).toMatchObject({ kind: "start", from: "node1", to: "node2", fencedIncident: incident });
    expect(up.state.outputs.lastSeen).toMatchObject({ host: "node2" });
    expect((await lab.sightings("node2")).map((s) => s.listedAs)).toEqual(["normal"]);
    expect(MigrationLab.changing(lab.commandsSince(mark)).map((c) => [c.host, c.argv[0]])).toEqual([["node2", "create"]]);

    // Fence node1 for real (its copy dies with the reboot), then reconnect it: one copy, on node2.
    await reboot(labName(), "node1");
    cut(true);
    await lab.reconnect("node1");
    await lab.must(lab.nodes.node1, 'grep -q " /data " /proc/self/mountinfo || mount -t nfs "$1" /data', [`${lab.host("nfs").address2}:/data`]).catch(
      () => undefined,
    );
    expect((await res.refresh())!.outputs.currentHost).toBe("node2");
  });
});
