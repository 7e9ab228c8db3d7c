import { z } from "zod";
import { diffFields, inputFields, mergeDiffs, sameValue, NO_CHANGES } from "../../../provider/core/diff";
import { UNKNOWN } from "../../../provider/core/unknown";

const schema = z.object({
  connection: z.object({ host: z.string(), port: z.number().default(22), privateKey: z.string().optional() }),
  path: z.string(),
  options: z.array(z.string()).default([]),
  mounted: z.boolean().default(true),
});
const spec = { fields: inputFields(schema), replaceOn: ["connection.host", "path"], deleteBeforeReplace: true };
const olds = {
  connection: { host: "n1", port: 22, privateKey: "K1" },
  path: "/srv",
  options: ["hard", "rw"],
  mounted: true,
  observed: "outputs-only fields are not compared",
  __provider: "old code",
};

test("inputFields lists the schema's top-level names", () => {
  expect(inputFields(schema)).toEqual(["connection", "path", "options", "mounted"]);
});

test("same inputs: no changes, explicitly (and __provider is ignored)", () => {
  const news = { connection: { port: 22, host: "n1", privateKey: "K1" }, path: "/srv", options: ["hard", "rw"], mounted: true, __provider: "new code" };
  expect(diffFields(olds, news, spec)).toEqual(NO_CHANGES);
});

test("an input change is an update; the changed paths are listed", () => {
  const d = diffFields(olds, { ...olds, options: ["rw", "hard"], connection: { ...olds.connection, privateKey: "K2" } }, spec);
  expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false, diffs: ["connection", "options"] });
});

test("a replaceOn path reports its top-level property and keeps deleteBeforeReplace", () => {
  const d = diffFields(olds, { ...olds, connection: { ...olds.connection, host: "n2" } }, spec);
  expect(d).toEqual({ changes: true, replaces: ["connection"], deleteBeforeReplace: true, diffs: ["connection"] });
  const p = diffFields(olds, { ...olds, path: "/other" }, spec);
  expect(p.replaces).toEqual(["path"]);
});

test("an unknown value is a change, and a replacement on a replaceOn path", () => {
  expect(diffFields(olds, { ...olds, mounted: UNKNOWN }, spec)).toMatchObject({ changes: true, replaces: [] });
  expect(diffFields(olds, { ...olds, connection: UNKNOWN }, spec)).toMatchObject({ changes: true, replaces: ["connection"] });
});

test("absent, undefined and null are the same; array order matters; key order does not", () => {
  expect(sameValue({ a: 1, b: undefined }, { a: 1, b: null })).toBe(true);
  expect(sameValue({ a: 1 }, { a: 1, b: null })).toBe(true);
  expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
  expect(sameValue([1, 2], [2, 1])).toBe(false);
  expect(sameValue([1], { 0: 1 })).toBe(false);
  expect(sameValue(0, null)).toBe(false);
  expect(sameValue("", null)).toBe(false);
});

test("ignore skips paths; mergeDiffs combines", () => {
  expect(diffFields(olds, { ...olds, options: [] }, { ...spec, ignore: ["options"] })).toEqual(NO_CHANGES);
  const m = mergeDiffs(NO_CHANGES, { changes: false, replaces: ["path"], deleteBeforeReplace: true, diffs: ["path"] });
  expect(m).toEqual({ changes: true, replaces: ["path"], deleteBeforeReplace: true, diffs: ["path"] });
});
