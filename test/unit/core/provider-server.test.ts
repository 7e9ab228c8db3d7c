/**
 * The framework driven through Pulumi's real dynamic-provider server (no hosts: the test-only Echo kind).
 * This is where serialization, `__provider`, Struct encoding and partial failures are proven end to end.
 */
import { makeProvider } from "../../../provider/core/provider";
import { UNKNOWN } from "../../../provider/core/unknown";
import { CheckFailedError, ProviderCallError, ProviderServer, runLifecycle } from "../../support/provider-harness";

const echo = makeProvider("echo", "xenha-test-probes/echo");
let server: ProviderServer;

beforeAll(async () => {
  server = await ProviderServer.start({ config: { "xen-ha-test:greeting": "hello" } });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

test("the serialized provider captures only strings, no library code", async () => {
  const text = await server.serialize(echo);
  expect(text).toContain('require("pulumi-xen-ha/core/dispatch")');
  expect(text).toContain("xenha-test-probes/echo");
  expect(text).not.toMatch(/safeParse|sanitize|zod/);
});

test("a whole lifecycle records what the engine would", async () => {
  const rec = await runLifecycle(server, echo, {
    create: { name: "one", path: "/srv/a" },
    update: { name: "one", path: "/srv/a", size: 5 },
  });
  expect(rec.create.op).toBe("create");
  expect(rec.create.state.id).toBe("echo-one");
  // checked inputs carry the defaults; outputs echo the inputs and add what the resource observed
  expect(rec.create.check.inputs).toMatchObject({ name: "one", size: 1, tags: [], fail: "none" });
  expect(rec.create.state.outputs).toMatchObject({ name: "one", size: 1, generation: 1 });
  expect(typeof rec.create.state.outputs.__provider).toBe("string");
  expect(rec.noop.op).toBe("same");
  expect(rec.noop.diff).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
  expect(rec.read?.outputs).toMatchObject({ note: "read", generation: 1 });
  expect(rec.update?.op).toBe("update");
  expect(rec.update?.state.outputs).toMatchObject({ size: 5, generation: 2 });
  expect(rec.deleted).toBe(true);
});

test("a lifecycle fails on a resource that is not idempotent, and still cleans up", async () => {
  const mark = server.output.length;
  await expect(runLifecycle(server, echo, { create: { name: "flaky", path: "/srv/f", unstable: true } })).rejects.toThrow(
    /lifecycle step "noop": a second up with the same inputs would update .*not idempotent/,
  );
  expect((await server.outputSince(mark)).join("\n")).toContain("[xen-ha] Echo flaky: deleting flaky");
});

test("check reports each bad property by name and does not throw", async () => {
  const res = server.resource(echo);
  const err = await res.up({ name: "Bad Name", size: 0, path: "relative", tags: [{ key: "" }], typo: 1 }).catch((e) => e);
  expect(err).toBeInstanceOf(CheckFailedError);
  const failures = (err as CheckFailedError).failures;
  expect(failures.map((f) => f.property).sort()).toEqual(["name", "path", "size", "tags[0].key", "tags[0].value", "typo"].sort());
  expect(failures.find((f) => f.property === "path")?.reason).toBe("must be an absolute path");
  expect(failures.find((f) => f.property === "tags[0].value")?.reason).toMatch(/^required/);
  expect(failures.find((f) => f.property === "typo")?.reason).toMatch(/unknown property/);
  expect(res.state).toBeUndefined();
});

test("unknown values pass check in preview and diff as changes", async () => {
  const res = server.resource(echo);
  const preview = await res.preview({ name: UNKNOWN, size: UNKNOWN, path: "/srv/p" });
  expect(preview.op).toBe("create");
  expect(preview.check.failures).toEqual([]);
  expect(preview.check.inputs).toMatchObject({ name: UNKNOWN, size: UNKNOWN });
  await res.up({ name: "known", path: "/srv/p" });
  expect((await res.preview({ name: "known", path: "/srv/p", size: UNKNOWN })).diff).toEqual({
    changes: "some",
    replaces: [],
    deleteBeforeReplace: false,
  });
  expect((await res.preview({ name: "known", path: UNKNOWN })).diff?.replaces).toEqual(["path"]);
  await res.destroy();
});

test("a replaced resource is deleted first when the resource asks for it", async () => {
  const res = server.resource(echo);
  await res.up({ name: "r", path: "/srv/one" });
  const up = await res.up({ name: "r", path: "/srv/two" });
  expect(up.op).toBe("replace");
  expect(up.diff).toEqual({ changes: "some", replaces: ["path"], deleteBeforeReplace: true });
  expect(up.state.outputs).toMatchObject({ path: "/srv/two", generation: 1 });
  await res.destroy();
});

test("a partial failure on create is recorded with id, outputs and __provider, and can be deleted", async () => {
  const res = server.resource(echo);
  const err = await res.up({ name: "half", path: "/srv/h", fail: "create-partial" }).catch((e) => e);
  expect(err).toBeInstanceOf(ProviderCallError);
  const call = err as ProviderCallError;
  expect(call.details).toBe("second step failed (first step done)");
  expect(call.partial).toEqual({
    id: "echo-half",
    properties: expect.objectContaining({ name: "half", note: "half done", generation: 1, __provider: expect.any(String) }),
    reasons: ["second step failed", "first step done"],
  });
  expect(res.state?.id).toBe("echo-half");
  // the engine can run read and delete on what it recorded (they need __provider)
  expect((await res.refresh())?.outputs).toMatchObject({ note: "read" });
  await res.destroy();
});

test("a partial failure on update replaces the outputs; a plain failure keeps the old ones", async () => {
  const res = server.resource(echo);
  await res.up({ name: "u", path: "/srv/u" });
  const err = await res.up({ name: "u", path: "/srv/u", fail: "update-partial" }).catch((e) => e);
  expect((err as ProviderCallError).partial?.properties).toMatchObject({ generation: 2, note: "half updated", fail: "update-partial" });
  expect(res.state?.outputs).toMatchObject({ generation: 2, note: "half updated" });
  await res.up({ name: "u", path: "/srv/u" });
  expect(res.state?.outputs).toMatchObject({ generation: 3, fail: "none" });
  const plain = await res.up({ name: "u", path: "/srv/u", fail: "update" }).catch((e) => e);
  expect((plain as ProviderCallError).details).toBe("update refused before touching anything");
  expect((plain as ProviderCallError).partial).toBeUndefined();
  expect(res.state?.outputs).toMatchObject({ generation: 3, fail: "none" });
  await res.destroy();
});

test("a plain failure on create records nothing and its message reaches the engine without the password", async () => {
  const res = server.resource(echo);
  const err = await res
    .up({ name: "no", path: "/srv/n", fail: "create", connection: { host: "h1", password: "hunter2-secret" } })
    .catch((e) => e);
  expect(err).toBeInstanceOf(ProviderCallError);
  expect((err as ProviderCallError).partial).toBeUndefined();
  expect((err as ProviderCallError).details).toBe("refused to create no; password was [secret]");
  expect(res.state).toBeUndefined();
  expect((await server.outputSince(0)).join("\n")).not.toContain("hunter2-secret");
});

test("an unrelated error that happens to carry an `id` is not mistaken for a partial failure", async () => {
  const res = server.resource(echo);
  const err = await res.up({ name: "lib", path: "/srv/x", fail: "create-with-id" }).catch((e) => e);
  expect((err as ProviderCallError).details).toBe("a library error that happens to have an id");
  expect((err as ProviderCallError).partial).toBeUndefined();
  expect(res.state).toBeUndefined();
});

test("dirty outputs (undefined, Buffer, bigint, Date) are converted instead of failing the response", async () => {
  const mark = server.output.length;
  const res = server.resource(echo);
  const up = await res.up({ name: "dirty", path: "/srv/d", emit: "dirty" });
  expect(up.state.outputs).toMatchObject({ buf: "bytes", big: 12, when: "1970-01-01T00:00:00.000Z", list: [1, null, 3] });
  expect(up.state.outputs).not.toHaveProperty("nothing");
  expect((await server.outputSince(mark)).join("\n")).toMatch(/warning: Echo dirty: output buf: Buffer → string/);
  await res.destroy();
});

test("read returning nothing tells the engine the resource is gone", async () => {
  const res = server.resource(echo);
  await res.up({ name: "g", path: "/srv/g", gone: true });
  expect(await res.refresh()).toBeUndefined();
});

test("progress logged by a provider reaches the process output, prefixed, with the stack config from configure", async () => {
  const mark = server.output.length;
  const res = server.resource(echo);
  await res.up({ name: "logs", path: "/srv/l", sdkLog: true, connection: { host: "h1", password: "pw-12345" } });
  const out = (await server.outputSince(mark)).join("\n");
  expect(out).toContain("[xen-ha] Echo logs: creating logs with password [secret]");
  expect(out).toContain("[xen-ha] Echo logs: config greeting: hello");
  // the impl's own configure ran with the stack config before the first call
  expect(res.state?.outputs.configuredGreeting).toBe("hello");
  // Without an engine connection the SDK's pulumi.log falls back to the console of the provider process.
  expect(out).toContain("info: [runtime] sdk log from logs");
  expect(out).toContain("warning: [runtime] sdk warning from logs");
  await res.destroy();
});

test("the read-only preview hook runs on changes and can stop preview and up with its reason", async () => {
  const res = server.resource(echo);
  await res.up({ name: "pre", path: "/srv/pre" });
  const mark = server.output.length;
  expect((await res.preview({ name: "pre", path: "/srv/pre", size: 3 })).op).toBe("update");
  expect((await server.outputSince(mark)).join("\n")).toContain("[xen-ha] Echo pre: preview sees changes in size");
  const err = await res.up({ name: "pre", path: "/srv/pre", size: 3, refuseInPreview: true }).catch((e) => e);
  expect(err).toBeInstanceOf(ProviderCallError);
  // from Check, not Diff: the engine's refresh runs Diff and must not fail on host facts
  expect((err as ProviderCallError).method).toBe("Check");
  expect((err as ProviderCallError).details).toBe("preflight refused pre: the target is not ready");
  expect(res.state?.outputs).toMatchObject({ size: 1, generation: 1 });
  // not called when nothing changes, nor while inputs are unknown
  const quiet = server.output.length;
  expect((await res.preview({ name: "pre", path: "/srv/pre", refuseInPreview: false })).op).toBe("same");
  expect((await res.preview({ name: "pre", path: "/srv/pre", size: UNKNOWN, refuseInPreview: true })).op).toBe("update");
  expect((await server.outputSince(quiet)).join("\n")).not.toContain("preview sees");
  await res.destroy();
});

test("a new provider text (any code edit) alone is not a change; read and delete still work on the old state", async () => {
  const res = server.resource(echo);
  await res.up({ name: "edit", path: "/srv/e" });
  const edited = `${await server.serialize(echo)}\n// the program was edited\n`;
  const after = server.resource(edited, res.state);
  const up = await after.up({ name: "edit", path: "/srv/e" });
  expect(up.op).toBe("same");
  expect(up.diff?.changes).toBe("none");
  expect((await after.refresh())?.outputs.note).toBe("read");
  await after.destroy();
});

// The engine's own request sequences for get and refresh (pkg/resource/deploy/step.go at v3.270.0: ReadStep,
// RefreshStep), which the offline runner once skipped.
describe("requests as the engine's steps send them", () => {
  test("get (ReadStep): Read with only the registered props, no Check; the provider fills in the defaults", async () => {
    const res = server.resource(echo);
    const state = await res.get("echo-adopted", { name: "adopted", path: "/srv/adopted" });
    expect(state?.id).toBe("echo-adopted");
    expect(state?.outputs).toMatchObject({ name: "adopted", path: "/srv/adopted", size: 1, tags: [], fail: "none", gone: false, note: "read" });
  });

  test("get without a required input is refused naming it, before the resource's read runs", async () => {
    const mark = server.output.length;
    const err = await server.resource(echo).get("echo-x", { name: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as ProviderCallError).method).toBe("Read");
    expect((err as ProviderCallError).details).toMatch(/^Echo echo-x: read needs path \(missing/);
    expect((await server.outputSince(mark)).join("\n")).not.toContain("Echo x: reading");
  });

  test("refresh (RefreshStep): Read, then Diff of the refreshed outputs against the old inputs; the preview hook never runs", async () => {
    const res = server.resource(echo);
    await res.up({ name: "rf", path: "/srv/rf", unstable: true, refuseInPreview: true });
    const mark = server.output.length;
    const after = await res.refresh();
    expect(after?.outputs).toMatchObject({ note: "read" });
    expect(res.lastRefreshDiff?.changes).toBe("some");
    expect((await server.outputSince(mark)).join("\n")).not.toContain("preview sees");
    await res.destroy();
  });

  test("state written by an older version: a value this schema refuses is kept, the defaults it lacks are filled in", async () => {
    const res = server.resource(echo);
    const text = await server.serialize(echo);
    const old = { name: "legacy", path: "/srv/legacy", size: 500, generation: 3, pid: 1, __provider: text };
    res.state = { id: "echo-legacy", inputs: old, outputs: old };
    const st = await res.refresh();
    expect(st?.outputs).toMatchObject({ size: 500, tags: [], fail: "none", generation: 3, note: "read" });
  });
});
