/**
 * The three resource classes through the SDK with mocks (no engine): type tokens, credentials secret, and a
 * serialized provider that reaches the resource's code only by package name.
 */
import * as pulumi from "@pulumi/pulumi";

const states: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      states.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: () => ({}),
  },
  "proj",
  "stack",
  false,
);

// required after setMocks, as a program would
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { XendRelocationConfig } = require("../../../provider/resources/xend-relocation-config/resource");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { XenDomainConfig } = require("../../../provider/resources/xen-domain-config/resource");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { XlMigrationTrust } = require("../../../provider/resources/xl-migration-trust/resource");

const conn = { host: "198.18.0.11", password: "pw" };
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test.each([
  ["XendRelocationConfig", "xend-relocation-config", () => new XendRelocationConfig("r", { connection: conn, hostsAllow: ["node2"] })],
  ["XenDomainConfig", "xen-domain-config", () => new XenDomainConfig("d", { connection: conn, name: "test01", memory: 128, boot: { kernel: "/boot/vmlinuz" } })],
  ["XlMigrationTrust", "xl-migration-trust", () => new XlMigrationTrust("t", { source: conn, target: { ...conn, host: "198.18.0.12" } })],
])("%s: type token, secret credentials, provider reached by package name", async (kind, folder, make) => {
  const res = make();
  await value(res.urn);
  const st = states.find((s) => s.type === `pulumi-nodejs:dynamic/xen-ha:${kind}`);
  expect(st).toBeDefined();
  const text = String(st!.inputs.__provider);
  expect(text).toContain(`pulumi-xen-ha/resources/${folder}/impl`);
  expect(text).not.toMatch(/require\("\.\.?\//);
  for (const key of kind === "XlMigrationTrust" ? ["source", "target"] : ["connection"]) {
    expect(await pulumi.isSecret((res as Record<string, pulumi.Output<unknown>>)[key])).toBe(true);
  }
});
