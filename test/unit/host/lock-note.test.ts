import { describeHolder, parseLockNote } from "../../../provider/host/lock-note";

describe("lock notes", () => {
  test.each([
    ["lease 4242 1796665330 NfsMount /data (pulumi-xen-ha on ci, pid 7, user root, since 2026-12-07T17:00:00.000Z)\n",
      { pid: 4242, expires: 1796665330, who: "NfsMount /data (pulumi-xen-ha on ci, pid 7, user root, since 2026-12-07T17:00:00.000Z)" }],
    ["lease 1 2", { pid: 1, expires: 2, who: "" }],
    // an older xen-ha wrote only who it was: no lease, so never taken over
    ["NfsMount /data (pulumi-xen-ha on ci, pid 7)", { who: "NfsMount /data (pulumi-xen-ha on ci, pid 7)" }],
    ["ops runbook script\nsecond line", { who: "ops runbook script" }],
    ["lease x 2 who", { who: "lease x 2 who" }],
    ["lease 12 -3 who", { who: "lease 12 -3 who" }],
    ["", { who: "" }],
  ])("%j", (text, note) => {
    expect(parseLockNote(text)).toEqual(note);
  });

  test("a holder is described with its lease end on the host's clock, or as it described itself", () => {
    expect(describeHolder(parseLockNote("lease 9 1796665330 NfsMount /data"))).toBe(
      "NfsMount /data, lease until 2026-12-07T17:42:10Z (host clock)");
    expect(describeHolder(parseLockNote("ops runbook script"))).toBe("ops runbook script");
    expect(describeHolder(parseLockNote(""))).toBe("a process that did not say who it is");
  });
});
