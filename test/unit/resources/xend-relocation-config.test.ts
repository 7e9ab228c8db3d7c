import { readFileSync } from "fs";
import { join } from "path";
import { checkInputs } from "../../../provider/core/check";
import { impl } from "../../../provider/resources/xend-relocation-config/impl";
import { listensOn, parseListeners, parsePendingRestart } from "../../../provider/resources/xend-relocation-config/facts";
import { inputsFromHost, planRelocation, relocationDrift, desiredRelocation } from "../../../provider/resources/xend-relocation-config/plan";
import { xendRelocationInputsSchema, type XendRelocationInputs } from "../../../provider/resources/xend-relocation-config/schema";
import { parseSxp } from "../../../provider/formats/sxp";
import { effectiveRelocation } from "../../../provider/formats/sxp-xend-relocation";

const upstream = readFileSync(join(__dirname, "../../fixtures/xend-config/xend-config.sxp.xen-4.1.6.1"), "utf8");
const conn = { host: "198.18.0.11", password: "pw" };

function inputs(over: Record<string, unknown> = {}): XendRelocationInputs {
  return xendRelocationInputsSchema.parse({ connection: conn, hostsAllow: ["198.18.0.12", "node2"], ...over });
}

const owesNothing = { xendPid: "4242", marked: false, markedPid: null };
const running = { toolstack: "xm" as const, config: upstream, xendRunning: true, listening: ["0.0.0.0:8002", "0.0.0.0:22"], pending: owesNothing };

describe("XendRelocationConfig inputs", () => {
  it("fills in the defaults", () => {
    expect(inputs()).toMatchObject({ enabled: true, port: 8002, address: "", allowAllHosts: false, configPath: "/etc/xen/xend-config.sxp" });
  });

  it.each([
    [{ hostsAllow: [] }, "hostsAllow", /is empty: list the Xen hosts/],
    [{ hostsAllow: [], allowAllHosts: true, port: 70000 }, "port", /1-65535/],
    [{ hostsAllow: ["node2"], allowAllHosts: true }, "allowAllHosts", /contradicts hostsAllow/],
    [{ hostsAllow: ["198.18.0.300"] }, "hostsAllow[0]", /not a valid IPv4 address/],
    [{ hostsAllow: ["bad host"] }, "hostsAllow[0]", /not a host name/],
    [{ hostsAllow: [{ regex: "^a b$" }] }, "hostsAllow[0].regex", /white space/],
    [{ hostsAllow: [{ regex: "(" }] }, "hostsAllow[0].regex", /not a valid regular expression/],
    [{ address: "a b" }, "address", /interface name/],
    [{ address: "999.999.999.999" }, "address", /not a valid IPv4 address/],
    [{ ssl: { port: 8002, keyFile: "k.key", certFile: "k.crt" } }, "ssl.port", /must differ from port/],
  ])("refuses %j naming %s", (over, property, reason) => {
    const r = checkInputs(xendRelocationInputsSchema, { connection: conn, hostsAllow: ["node2"], ...over });
    expect(r.failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  it("an empty hosts list is fine when relocation is off", () => {
    expect(checkInputs(xendRelocationInputsSchema, { connection: conn, enabled: false }).failures).toEqual([]);
  });
});

describe("XendRelocationConfig plan", () => {
  it("upstream file: one edit (hosts-allow), restart because the effective settings change", () => {
    const p = planRelocation("node1", inputs(), running);
    expect(p.errors).toEqual([]);
    expect(p.write).not.toBeNull();
    expect(p.restart).toBe(true);
    expect(effectiveRelocation(parseSxp(p.write!)).settings.hostsAllow).toBe("^198\\.18\\.0\\.12$ ^node2$");
  });

  it("already converged and listening: nothing to write, no restart", () => {
    const p1 = planRelocation("node1", inputs(), running);
    const p2 = planRelocation("node1", inputs(), { ...running, config: p1.write });
    expect(p2).toMatchObject({ errors: [], write: null, restart: false });
    expect(relocationDrift(inputs(), { ...running, config: p1.write })).toEqual([]);
  });

  it("file converged but xend started before the change (not listening): restart, no write", () => {
    const converged = planRelocation("node1", inputs(), running).write;
    const p = planRelocation("node1", inputs(), { ...running, config: converged, listening: [] });
    expect(p.write).toBeNull();
    expect(p.restart).toBe(true);
    expect(p.restartReason).toMatch(/does not listen on \*:8002/);
  });

  it("a change to apply while xend runs: the restart is recorded before the file is written", () => {
    const p = planRelocation("node1", inputs(), running);
    expect(p).toMatchObject({ restart: true, markRestart: true, clearMarker: false });
  });

  it("a restart lost after an earlier write (same xend still running): restart although the file is converged", () => {
    const converged = planRelocation("node1", inputs(), running).write;
    const lost = { ...running, config: converged, pending: { xendPid: "4242", marked: true, markedPid: "4242" } };
    const p = planRelocation("node1", inputs(), lost);
    expect(p).toMatchObject({ write: null, restart: true, markRestart: false, clearMarker: false });
    expect(p.restartReason).toMatch(/the restart owed since an earlier change of \/etc\/xen\/xend-config\.sxp never happened: xend \(pid 4242\)/);
    expect(relocationDrift(inputs(), lost)).toEqual([expect.stringMatching(/restart owed since the file changed never happened/)]);
    // a marker whose pid is unknown is taken as owed: one restart too many, never one too few
    expect(planRelocation("node1", inputs(), { ...lost, pending: { xendPid: "4242", marked: true, markedPid: null } }).restart).toBe(true);
  });

  it("a marker that means nothing any more is removed, with no restart: xend restarted since, or stopped", () => {
    const converged = planRelocation("node1", inputs(), running).write;
    const restartedSince = { ...running, config: converged, pending: { xendPid: "5000", marked: true, markedPid: "4242" } };
    expect(planRelocation("node1", inputs(), restartedSince)).toMatchObject({ restart: false, clearMarker: true });
    expect(relocationDrift(inputs(), restartedSince)).toEqual([]);
    const stopped = { ...restartedSince, xendRunning: false, listening: [] };
    expect(planRelocation("node1", inputs(), stopped)).toMatchObject({ restart: false, clearMarker: true });
  });

  it("reads the marker probe's output", () => {
    expect(parsePendingRestart({ code: 0, stdout: "pid=4242\n", stderr: "" })).toEqual({ xendPid: "4242", marked: false, markedPid: null });
    expect(parsePendingRestart({ code: 0, stdout: "pid=4242\nmarked\nxend-pid=4242\nconfig=/etc/xen/xend-config.sxp\n", stderr: "" }))
      .toEqual({ xendPid: "4242", marked: true, markedPid: "4242" });
    // no pid file (xend down), and a marker written when no pid was known
    expect(parsePendingRestart({ code: 0, stdout: "pid=\nmarked\nxend-pid=\nconfig=/etc/xen/xend-config.sxp\n", stderr: "" }))
      .toEqual({ xendPid: null, marked: true, markedPid: null });
  });

  it("xend stopped: write, no restart, a warning", () => {
    const p = planRelocation("node1", inputs(), { ...running, xendRunning: false, listening: [] });
    expect(p.write).not.toBeNull();
    expect(p.restart).toBe(false);
    expect(p.warnings.join()).toMatch(/xend is not running/);
  });

  it("an xl host is refused with a pointer to the SSH trust resource", () => {
    const p = planRelocation("node1", inputs(), { ...running, toolstack: "xl" });
    expect(p.errors[0]).toMatch(/runs the xl toolstack .* Use XlMigrationTrust/);
    expect(p.write).toBeNull();
  });

  it("a file xend cannot parse is refused with its line, and nothing is written", () => {
    const p = planRelocation("node1", inputs(), { ...running, config: "(a b)\n(xend-relocation-server yes\n" });
    expect(p.errors[0]).toMatch(/xend-config.sxp line 2: unexpected EOF.*left untouched/);
    expect(p.write).toBeNull();
    expect(p.restart).toBe(false);
  });

  it("allowAllHosts warns that the stream is unencrypted", () => {
    const p = planRelocation("node1", inputs({ hostsAllow: [], allowAllHosts: true }), running);
    expect(p.warnings.join()).toMatch(/every host .* unencrypted/);
    expect(effectiveRelocation(parseSxp(p.write!)).settings.hostsAllow).toBe("");
  });

  it("turning relocation off without hosts keeps the host's hosts-allow", () => {
    const d = desiredRelocation(inputs({ enabled: false, hostsAllow: [] }), effectiveRelocation(parseSxp(upstream)).settings);
    expect(d.hostsAllow).toBe("^localhost$ ^localhost\\.localdomain$");
  });

  it("read maps the file back to inputs; unchanged hosts keep the user's spelling", () => {
    const i = inputs();
    const eff = effectiveRelocation(parseSxp(planRelocation("node1", i, running).write!)).settings;
    expect(inputsFromHost(i, eff)).toMatchObject({ enabled: true, port: 8002, hostsAllow: ["198.18.0.12", "node2"], allowAllHosts: false });
    const drifted = inputsFromHost(i, effectiveRelocation(parseSxp(upstream)).settings);
    expect(drifted.hostsAllow).toEqual([{ regex: "^localhost$" }, { regex: "^localhost\\.localdomain$" }]);
  });

  it("diff: a host change replaces, a port change updates, timeoutSeconds is ignored", () => {
    const olds = { ...inputs() } as never;
    expect(impl.diff(olds, inputs({ port: 8012 }))).toMatchObject({ changes: true, replaces: [] });
    expect(impl.diff(olds, inputs({ timeoutSeconds: 300 })).changes).toBe(false);
    expect(impl.diff(olds, { ...inputs(), connection: { ...inputs().connection, host: "198.18.0.12" } }).replaces).toEqual(["connection"]);
  });
});

describe("listeners", () => {
  it("parses ss and netstat", () => {
    const ss = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0 5 0.0.0.0:8002 0.0.0.0:*\nLISTEN 0 128 198.18.0.11:22 0.0.0.0:*\nLISTEN 0 5 [::]:8003 [::]:*\n";
    expect(parseListeners({ stdout: ss, stderr: "", code: 0 })).toEqual(["0.0.0.0:8002", "198.18.0.11:22", "[::]:8003"]);
    const netstat = "Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address Foreign Address State\ntcp 0 0 0.0.0.0:8002 0.0.0.0:* LISTEN\n";
    expect(parseListeners({ stdout: netstat, stderr: "", code: 0 })).toEqual(["0.0.0.0:8002"]);
  });

  it("matches the expected address", () => {
    expect(listensOn(["0.0.0.0:8002"], 8002, "")).toBe(true);
    expect(listensOn(["198.18.0.11:8002"], 8002, "")).toBe(false);
    expect(listensOn(["198.18.0.11:8002"], 8002, "198.18.0.11")).toBe(true);
    expect(listensOn(["0.0.0.0:8003"], 8002, "")).toBe(false);
  });
});
