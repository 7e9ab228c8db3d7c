/** XenHaResource, through the SDK with mocks (no engine): the traps of dynamic.Resource are handled. */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeResource from "@pulumi/pulumi/runtime/resource";
import { makeProvider } from "../../../provider/core/provider";
import { XenHaResource, type ArgsOf } from "../../../provider/core/resource";
import { z } from "zod";

const registered: { type: string; name: string; props: Record<string, unknown>; opts: pulumi.CustomResourceOptions }[] = [];
const realRegister = runtimeResource.registerResource;
const spy = jest.spyOn(runtimeResource, "registerResource").mockImplementation((...args) => {
  const [, , type, name, , , , props, opts] = args;
  registered.push({ type, name, props: props as Record<string, unknown>, opts: opts as pulumi.CustomResourceOptions });
  return realRegister(...args);
});

const states: Record<string, unknown>[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      states.push(args.inputs);
      return { id: `${args.name}-id`, state: { ...args.inputs, observed: "seen on host" } };
    },
    call: () => ({}),
  },
  "proj",
  "stack",
  false,
);

const provider = makeProvider("echo", "xenha-test-probes/echo");

class Thing extends XenHaResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly connection: pulumi.Output<{ host: string; password?: string }>;
  declare readonly observed: pulumi.Output<string>;
  constructor(name: string, args: { name: pulumi.Input<string>; connection?: object }, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "Thing", provider, outputs: ["name", "connection", "observed"] }, name, args, opts);
  }
}

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

afterAll(() => spy.mockRestore());

test("type token, visible outputs, and one args object reusable for two resources", async () => {
  const args = { name: "a", connection: { host: "h1", password: "pw" } };
  const one = new Thing("one", args);
  const two = new Thing("two", args);
  expect(Object.keys(args)).toEqual(["name", "connection"]);
  expect(await value(one.observed)).toBe("seen on host");
  expect(await value(two.name)).toBe("a");
  const reg = registered.filter((r) => r.name === "one" || r.name === "two");
  expect(reg.map((r) => r.type)).toEqual(["pulumi-nodejs:dynamic/xen-ha:Thing", "pulumi-nodejs:dynamic/xen-ha:Thing"]);
  // every declared output is registered, so the engine's outputs show up on the object
  expect(Object.keys(reg[0].props).sort()).toEqual(["__provider", "connection", "name", "observed"]);
  expect(typeof states[0].__provider).toBe("string");
});

test("the connection is secret as an input and listed in additionalSecretOutputs", async () => {
  const t = new Thing("sec", { name: "s", connection: { host: "h1", password: "pw" } }, { additionalSecretOutputs: ["name"] });
  await value(t.observed);
  const reg = registered.find((r) => r.name === "sec")!;
  expect(reg.opts.additionalSecretOutputs).toEqual(["name", "connection"]);
  expect(pulumi.Output.isInstance(reg.props.connection)).toBe(true);
  expect(await pulumi.isSecret(reg.props.connection as pulumi.Output<unknown>)).toBe(true);
  expect(await pulumi.isSecret(t.connection)).toBe(true);
});

test("without a connection nothing is made secret", async () => {
  const t = new Thing("plain", { name: "p" });
  await value(t.observed);
  const reg = registered.find((r) => r.name === "plain")!;
  expect(reg.opts.additionalSecretOutputs).toEqual([]);
});

test("any other property found holding a credential is made secret too, even when known only later", async () => {
  const t = new Thing("net", {
    name: "n",
    // e.g. a list of hosts, each with its connection; one known now, one arriving from another resource
    peers: [{ connection: { host: "h2", privateKey: "KEY" } }],
    later: pulumi.output(Promise.resolve({ proxy: { host: "j", password: "pw" } })),
    plain: pulumi.output(Promise.resolve({ host: "h3" })),
    clear: { host: "h4", password: undefined },
  } as never);
  await value(t.observed);
  const reg = registered.find((r) => r.name === "net")!;
  expect(await pulumi.isSecret(reg.props.peers as pulumi.Output<unknown>)).toBe(true);
  expect(await pulumi.isSecret(reg.props.later as pulumi.Output<unknown>)).toBe(true);
  expect(await pulumi.isSecret(reg.props.plain as pulumi.Output<unknown>)).toBe(false);
  expect(pulumi.Output.isInstance(reg.props.clear)).toBe(false);
  expect(reg.props.name).toBe("n");
});

test("ArgsOf derives the args type from the schema: defaults optional, any part may be an Input", () => {
  const schema = z.strictObject({
    connection: z.object({ host: z.string(), port: z.number().default(22) }),
    path: z.string(),
    tags: z.array(z.object({ key: z.string() })).default([]),
    enabled: z.boolean().optional(),
  });
  // the type follows the schema: what parses is what may be passed
  expect(schema.parse({ connection: { host: "h" }, path: "/srv" })).toEqual({ connection: { host: "h", port: 22 }, path: "/srv", tags: [] });
  const args: ArgsOf<typeof schema> = {
    connection: { host: pulumi.output("h"), port: undefined },
    path: Promise.resolve("/srv"),
    tags: [{ key: pulumi.output("k") }],
    enabled: Promise.resolve(true as boolean),
  };
  const minimal: ArgsOf<typeof schema> = { connection: pulumi.output({ host: "h" }), path: "/srv" };
  // @ts-expect-error path is required by the schema
  const missing: ArgsOf<typeof schema> = { connection: { host: "h" } };
  // @ts-expect-error a number is not a string
  const wrong: ArgsOf<typeof schema> = { connection: { host: 1 }, path: "/srv" };
  expect([args, minimal, missing, wrong]).toHaveLength(4);
});
