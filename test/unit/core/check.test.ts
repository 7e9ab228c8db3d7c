import { z } from "zod";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { checkInputs, parseChecked } from "../../../provider/core/check";
import { UNKNOWN, containsUnknown } from "../../../provider/core/unknown";

const schema = z.strictObject({
  connection: z.object({ host: z.string().min(1), port: z.number().int().default(22), password: z.string().optional() }),
  path: z.string().startsWith("/", "must be an absolute path"),
  clients: z.array(z.object({ host: z.string(), options: z.array(z.string().regex(/^[a-z_=0-9]+$/, "no spaces or newlines")) })),
  memory: z.number().int().positive().optional(),
  maxmem: z.number().int().positive().optional(),
}).refine((v) => v.memory === undefined || v.maxmem === undefined || v.memory <= v.maxmem, {
  message: "memory must not exceed maxmem",
  path: ["memory"],
});

const good = { connection: { host: "node1" }, path: "/srv", clients: [{ host: "node2", options: ["rw"] }] };

test("our unknown marker is the SDK's", () => {
  expect(UNKNOWN).toBe(rpc.unknownValue);
});

test("valid inputs come back parsed, with defaults, without __provider", () => {
  const r = checkInputs(schema, { ...good, __provider: "exports.handler = ..." });
  expect(r.failures).toEqual([]);
  expect(r.inputs).toEqual({ ...good, connection: { host: "node1", port: 22 } });
});

test("each problem names its property path", () => {
  const r = checkInputs(schema, {
    connection: { host: "" },
    path: "srv",
    clients: [{ host: "a", options: ["rw", "bad option"] }, { options: [] }],
    extra: true,
  });
  expect(r.failures).toEqual(
    expect.arrayContaining([
      { property: "connection.host", reason: expect.stringMatching(/>=1|at least 1|too small/i) },
      { property: "path", reason: "must be an absolute path" },
      { property: "clients[0].options[1]", reason: "no spaces or newlines" },
      { property: "clients[1].host", reason: expect.stringMatching(/^required/) },
      { property: "extra", reason: expect.stringMatching(/unknown property/) },
    ]),
  );
  expect(r.failures).toHaveLength(5);
});

test("a missing required input says so", () => {
  const r = checkInputs(schema, { connection: { host: "n" }, clients: [] });
  expect(r.failures).toEqual([{ property: "path", reason: expect.stringMatching(/^required/) }]);
});

test("cross-field rules report on the named field", () => {
  const r = checkInputs(schema, { ...good, memory: 1024, maxmem: 512 });
  expect(r.failures).toEqual([{ property: "memory", reason: "memory must not exceed maxmem" }]);
});

test("unknown values are not validated yet, anywhere, and the raw inputs are kept", () => {
  for (const news of [
    { ...good, path: UNKNOWN },
    { ...good, connection: UNKNOWN },
    { ...good, connection: { host: UNKNOWN } },
    { ...good, clients: UNKNOWN },
    { ...good, clients: [{ host: "a", options: UNKNOWN }] },
    { ...good, clients: [UNKNOWN] },
    { ...good, memory: UNKNOWN, maxmem: 512 },
  ]) {
    const r = checkInputs(schema, news);
    expect({ news, failures: r.failures }).toEqual({ news, failures: [] });
    expect(containsUnknown(r.inputs)).toBe(true);
  }
});

test("a misspelt property is reported even when its value is unknown", () => {
  expect(checkInputs(schema, { ...good, pth: UNKNOWN }).failures).toEqual([
    { property: "pth", reason: expect.stringMatching(/unknown property/) },
  ]);
});

test("known values beside unknown ones are still validated", () => {
  const r = checkInputs(schema, { ...good, connection: UNKNOWN, path: "relative" });
  expect(r.failures).toEqual([{ property: "path", reason: "must be an absolute path" }]);
});

test("parseChecked returns typed inputs and throws naming the field otherwise", () => {
  expect(parseChecked(schema, { ...good, __provider: "x" }).connection.port).toBe(22);
  expect(() => parseChecked(schema, { ...good, path: "x" })).toThrow("invalid inputs: path: must be an absolute path");
});

test("a union that matches no member reports the closest member's problem", () => {
  const u = z.object({
    boot: z.union([
      z.strictObject({ bootloader: z.string() }),
      z.strictObject({ kernel: z.string().startsWith("/", "kernel must be an absolute path"), ramdisk: z.string().optional() }),
    ]),
  });
  const r = checkInputs(u, { boot: { kernel: "vmlinuz" } });
  expect(r.failures).toEqual([{ property: "boot.kernel", reason: "kernel must be an absolute path" }]);
});

test("a schema that does not accept its own output is reported as a bug instead of drifting silently", () => {
  const drifting = z.object({ n: z.number().transform((n) => n + 1) });
  expect(checkInputs(drifting, { n: 1 }).failures).toEqual([
    { property: "", reason: expect.stringMatching(/xen-ha bug: .* idempotent/) },
  ]);
  const reshaping = z.object({ hosts: z.string().transform((h) => h.split(",")) });
  expect(checkInputs(reshaping, { hosts: "a,b" }).failures).toHaveLength(1);
  const normalizing = z.object({ host: z.string().trim().toLowerCase() });
  expect(checkInputs(normalizing, { host: " Node1 " })).toEqual({ inputs: { host: "node1" }, failures: [] });
});

test("with unknowns, the known parts still get their defaults, so preview diffs compare like with like", () => {
  const r = checkInputs(schema, { connection: { host: "node1" }, path: UNKNOWN, clients: [{ host: "a", options: UNKNOWN }] });
  expect(r.failures).toEqual([]);
  expect(r.inputs).toEqual({ connection: { host: "node1", port: 22 }, path: UNKNOWN, clients: [{ host: "a", options: UNKNOWN }] });
  const nested = checkInputs(schema, { ...good, connection: { host: UNKNOWN } });
  expect(nested.inputs.connection).toEqual({ host: UNKNOWN, port: 22 });
  const withOptional = z.object({ ssl: z.object({ port: z.number().default(8003), keyFile: z.string() }).optional(), x: z.string() });
  expect(checkInputs(withOptional, { ssl: { keyFile: UNKNOWN }, x: "y" }).inputs).toEqual({ ssl: { port: 8003, keyFile: UNKNOWN }, x: "y" });
  expect(checkInputs(withOptional, { x: UNKNOWN }).inputs).toEqual({ x: UNKNOWN });
});
