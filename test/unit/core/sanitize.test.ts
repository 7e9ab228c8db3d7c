import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { sanitize, sanitizeProps } from "../../../provider/core/sanitize";

test("clean values are returned as they are, with no fixes", () => {
  const v = { a: 1, b: "x", c: [true, null, { d: [] }], e: {} };
  expect(sanitize(v)).toEqual({ value: v, fixes: [] });
});

test("undefined keys are dropped silently (optional fields)", () => {
  expect(sanitize({ a: undefined, b: 1 })).toEqual({ value: { b: 1 }, fixes: [] });
});

test("everything Struct cannot carry is converted and reported by path", () => {
  const circular: Record<string, unknown> = { name: "c" };
  circular.self = circular;
  const input = {
    stdout: Buffer.from("héllo"),
    bytes: new Uint8Array([104, 105]),
    count: 5n,
    huge: 2n ** 70n,
    when: new Date("2024-01-02T03:04:05Z"),
    bad: new Date(NaN),
    nan: NaN,
    inf: -Infinity,
    list: [1, undefined, () => 1],
    fn: () => 1,
    sym: Symbol("s"),
    map: new Map<unknown, unknown>([["k", 1], [2, Buffer.from("v")]]),
    set: new Set(["a", "b"]),
    err: new Error("boom"),
    circular,
  };
  const { value, fixes } = sanitize(input);
  expect(value).toEqual({
    stdout: "héllo",
    bytes: "hi",
    count: 5,
    huge: "1180591620717411303424",
    when: "2024-01-02T03:04:05.000Z",
    bad: null,
    nan: null,
    inf: null,
    list: [1, null, null],
    map: { k: 1, "2": "v" },
    set: ["a", "b"],
    err: "boom",
    circular: { name: "c", self: "[circular]" },
  });
  expect(fixes).toEqual(
    expect.arrayContaining(["stdout: Buffer → string", "count: bigint → number", "huge: bigint → string", "fn: function dropped", "circular.self: cycle → \"[circular]\""]),
  );
  // the point of it all: the engine's Struct accepts the result
  expect(() => Struct.fromJavaScript(value as never)).not.toThrow();
  expect(() => Struct.fromJavaScript(input as never)).toThrow();
});

test("shared (non-circular) references are kept", () => {
  const shared = { x: 1 };
  expect(sanitize({ a: shared, b: shared }).value).toEqual({ a: { x: 1 }, b: { x: 1 } });
});

test("sanitizeProps always gives an object", () => {
  expect(sanitizeProps(undefined).value).toEqual({});
  expect(sanitizeProps([1]).value).toEqual({});
});
