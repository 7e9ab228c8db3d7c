/**
 * The same provider object called in-process inside jest: `require("pulumi-xen-ha/...")` in its methods maps to
 * the TypeScript sources (jest.config.js moduleNameMapper), so pure provider behaviour can be unit-tested
 * without a server. The real server is exercised in provider-server.test.ts.
 */
import { makeProvider } from "../../../provider/core/provider";
import { PartialFailure } from "../../../provider/core/errors";

const echo = makeProvider("echo", "xenha-test-probes/echo");

test("check, diff, create and update run in-process through the package-name mapping", async () => {
  const checked = await echo.check!({}, { name: "inproc", path: "/srv/i", __provider: "text" });
  expect(checked).toEqual({ inputs: expect.objectContaining({ name: "inproc", size: 1 }), failures: [] });
  const created = await echo.create({ ...checked.inputs, __provider: "text" });
  expect(created).toEqual({ id: "echo-inproc", outs: expect.objectContaining({ name: "inproc", generation: 1 }) });
  expect(created.outs).not.toHaveProperty("__provider");
  expect(await echo.diff!("echo-inproc", { ...created.outs, __provider: "old" }, { ...checked.inputs, __provider: "new" })).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  const updated = await echo.update!("echo-inproc", created.outs, { ...checked.inputs, size: 2 });
  expect(updated.outs).toMatchObject({ size: 2, generation: 2 });
});

test("a partial failure leaves the provider carrying inputs, outputs and __provider", async () => {
  const err = await echo.create({ name: "p", path: "/srv/p", fail: "create-partial", __provider: "the text" }).catch((e) => e);
  expect(err).toBeInstanceOf(PartialFailure);
  expect(err.properties).toMatchObject({ name: "p", note: "half done", __provider: "the text" });
});

test("an impl module without `impl` is reported clearly", async () => {
  const broken = makeProvider("nothing", "xenha-test-probes/not-an-impl");
  await expect(broken.check!({}, {})).rejects.toThrow(/does not export `impl`/);
});
