/**
 * Rules every resource must keep, checked on every provider/resources/<folder>/impl.ts found in the tree,
 * so a new resource is covered without anyone remembering to add it here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { checkInputs } from "../../../provider/core/check";
import { UNKNOWN } from "../../../provider/core/unknown";
import type { ImplModule } from "../../../provider/core/impl";

const RESOURCES = path.join(__dirname, "..", "..", "..", "provider", "resources");
const folders = fs.existsSync(RESOURCES)
  ? fs.readdirSync(RESOURCES).filter((f) => fs.existsSync(path.join(RESOURCES, f, "impl.ts")))
  : [];

function load(folder: string): ImplModule["impl"] {
  // exactly the module specifier makeProvider(folder) requires at run time
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`pulumi-xen-ha/resources/${folder}/impl`) as ImplModule).impl;
}

test("resources are found", () => {
  expect(folders.length).toBeGreaterThan(0);
});

describe.each(folders)("resource %s", (folder) => {
  test("exports a complete impl whose kind is a type name", () => {
    const impl = load(folder);
    expect(impl.kind).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    for (const m of ["diff", "read", "create", "update", "delete"] as const) expect(typeof impl[m]).toBe("function");
    expect(impl.inputs).toBeInstanceOf(z.ZodType);
  });

  test("preview with every input unknown passes check (inputs wired from other resources)", () => {
    const impl = load(folder);
    const shape = (impl.inputs as unknown as z.ZodObject).shape as Record<string, unknown> | undefined;
    expect(shape).toBeDefined();
    const news = Object.fromEntries(Object.keys(shape!).map((k) => [k, UNKNOWN]));
    expect(checkInputs(impl.inputs, news).failures).toEqual([]);
  });

  test("check of nothing names the missing required inputs, and never throws", () => {
    const impl = load(folder);
    const r = checkInputs(impl.inputs, { __provider: "text" });
    for (const f of r.failures) {
      expect(f.reason).not.toBe("");
      expect(f.property === "" || /^[A-Za-z_$]/.test(f.property)).toBe(true);
    }
  });
});

describe.each(folders.filter((f) => fs.existsSync(path.join(RESOURCES, f, "resource.ts"))))("resource class %s", (folder) => {
  test("registers under its impl's type token, exposes every input as an output, serializes to strings only", async () => {
    const impl = load(folder);
    const registered = await registerWithMocks(folder);
    // the provider text names its impl module and captures no library code (a few hundred bytes per method)
    expect(registered.providerText).toContain(`require(impl)`);
    expect(registered.providerText).toContain(`"pulumi-xen-ha/resources/${folder}/impl"`);
    expect(registered.providerText.length).toBeLessThan(6000);
    expect(registered.type).toBe(`pulumi-nodejs:dynamic/xen-ha:${impl.kind}`);
    const inputs = Object.keys((impl.inputs as unknown as z.ZodObject).shape);
    expect(inputs.filter((k) => !registered.props.includes(k))).toEqual([]);
  });
});

/** Constructs the module's XenHaResource subclass with empty args under Pulumi's mocks; returns what it registered. */
async function registerWithMocks(folder: string): Promise<{ type: string; props: string[]; providerText: string }> {
  const pulumi = await import("@pulumi/pulumi");
  const runtimeResource = await import("@pulumi/pulumi/runtime/resource");
  const { XenHaResource } = await import("../../../provider/core/resource");
  let providerText = "";
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        providerText = String(a.inputs.__provider);
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: () => ({}),
    },
    "p",
    "s",
    false,
  );
  const seen: { type: string; props: string[] }[] = [];
  const real = runtimeResource.registerResource;
  const spy = jest.spyOn(runtimeResource, "registerResource").mockImplementation((...args) => {
    seen.push({ type: args[2], props: Object.keys(args[7] as object) });
    return real(...args);
  });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`pulumi-xen-ha/resources/${folder}/resource`) as Record<string, unknown>;
    const classes = Object.values(mod).filter(
      (v): v is new (name: string, args: object) => unknown => typeof v === "function" && v.prototype instanceof XenHaResource,
    );
    expect(classes).toHaveLength(1);
    const res = new classes[0](`conformance-${folder}`, {}) as InstanceType<typeof pulumi.CustomResource>;
    // let registration (and the provider's serialization) finish inside the test
    await new Promise((resolve) => res.urn.apply(resolve));
    expect(seen).toHaveLength(1);
    return { ...seen[0], providerText };
  } finally {
    spy.mockRestore();
  }
}

describe.each(folders)("inputs of %s", (folder) => {
  test("a misspelt input is reported, not silently dropped (strict object schema)", () => {
    const r = checkInputs(load(folder).inputs, { connection: UNKNOWN, mountOptionz: "hard" });
    expect(r.failures).toContainEqual({ property: "mountOptionz", reason: expect.stringMatching(/unknown property/) });
  });
});
