import { changesByHost, hostOf, migrationLine, runSection } from "../../../scripts/demo-summary";

const hosts = ["nfs", "node1", "node2", "observer"];
const step = (name: string, type: string, op: string) => ({ urn: `u-${name}`, name, type: `pulumi-nodejs:dynamic/xen-ha:${type}`, op, ms: 1 }) as never;

test("changes are grouped by the host named in the component's resource names", () => {
  expect(hostOf("runbook-node1-mount", hosts)).toBe("node1");
  expect(hostOf("runbook-test01-node2-config", hosts)).toBe("node2");
  expect(hostOf("runbook-export", hosts)).toBe("nfs");
  expect(hostOf("runbook-test01-placement", hosts)).toBe("cluster");
  expect(hostOf("runbook-node1-to-node2-trust", hosts)).toBe("node1");
  expect(hostOf("runbook-node2-to-node1-trust", hosts)).toBe("node2");
  const by = changesByHost({ steps: [step("runbook-export", "NfsExport", "create"), step("runbook-node1-mount", "NfsMount", "same"),
    step("runbook-test01-placement", "LiveMigration", "update")] }, hosts);
  expect([...by]).toEqual([["nfs", ["+ NfsExport runbook-export"]], ["cluster", ["~ LiveMigration runbook-test01-placement"]]]);
});

test("a run with nothing to do says so; errors are listed", () => {
  expect(runSection("2) again", { steps: [step("runbook-export", "NfsExport", "same")], wallMs: 2500, ok: true, errors: [] }, hosts))
    .toEqual(["2) again: no change in 2.5 s"]);
  expect(runSection("x", { steps: [step("runbook-node2-mount", "NfsMount", "failed")], wallMs: 1000, ok: false, errors: ["NfsMount: boom"] }, hosts))
    .toEqual(["x: FAILED, 1 change in 1.0 s", "   node2  ! NfsMount runbook-node2-mount (failed)", "   error: NfsMount: boom"]);
});

test("the migration line gives wall time, downtime and lost pings, or why they are missing", () => {
  const m = { from: "node1", to: "node2", kind: "migrate", wallMs: 1156.4, downtimeMs: 83, packetsSent: 163, packetsLost: 4, maxRttMs: 0.31, toolstack: "xm" };
  expect(migrationLine(m)).toBe("node1 → node2 with xm migrate: wall 1156 ms; downtime 83 ms, 4 of 163 pings lost, max RTT 0.3 ms");
  expect(migrationLine({ ...m, packetsSent: null, packetsLost: null, downtimeMs: null, maxRttMs: null })).toBe("node1 → node2 with xm migrate: wall 1156 ms; no probe");
  expect(migrationLine({ ...m, kind: "start", from: "", to: "node1" })).toBe("started on node1 (xm create)");
  expect(migrationLine(null)).toBe("no migration was recorded");
});
