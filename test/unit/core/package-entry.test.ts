/**
 * The package entry: what a user's program gets from `import { ... } from "pulumi-xen-ha"`. The child process
 * requires the package by name from a folder laid out like a user's program (test/support/provider-package.ts),
 * so the package.json `exports` map and the compiled entry are what is tested, not jest's module mapping.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as api from "../../../provider/index";
import type {
  CandidateHostArgs, Connection, ConnectionInput, LiveMigrationArgs, LiveMigrationOutputs, NfsExportArgs, NfsExportOutputs,
  NfsMountArgs, NfsMountOutputs, XenDomainConfigArgs, XenDomainConfigOutputs, XendRelocationConfigArgs,
  XendRelocationOutputs, XenHaClusterArgs, XlMigrationTrustArgs, XlMigrationTrustOutputs,
} from "../../../provider/index";
import { buildProviderPackage } from "../../support/provider-package";

const CLASSES = ["NfsExport", "NfsMount", "XendRelocationConfig", "XenDomainConfig", "XlMigrationTrust", "LiveMigration", "XenHaCluster"];

// Compile-time: the args and outputs types are exported under these names (ts-jest fails the file otherwise).
type _Exported = [NfsExportArgs, NfsExportOutputs, NfsMountArgs, NfsMountOutputs, XendRelocationConfigArgs, XendRelocationOutputs,
  XenDomainConfigArgs, XenDomainConfigOutputs, XlMigrationTrustArgs, XlMigrationTrustOutputs, LiveMigrationArgs,
  LiveMigrationOutputs, CandidateHostArgs, XenHaClusterArgs, Connection, ConnectionInput];
const connection: Connection = { host: "198.18.0.10", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 };

test("the entry module exports every resource class, the component and the connection schema", () => {
  for (const name of CLASSES) expect(typeof (api as Record<string, unknown>)[name]).toBe("function");
  expect(api.connectionSchema.parse({ host: "198.18.0.10" })).toMatchObject(connection);
});

test("a user's program gets them from require(\"pulumi-xen-ha\")", () => {
  const pkg = buildProviderPackage({ source: "transpiled" });
  try {
    const script = `const x = require("pulumi-xen-ha");
      const kinds = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v]));
      const parsed = x.connectionSchema.safeParse({ host: "node1", port: "22" });
      console.log(JSON.stringify({ kinds, entry: require.resolve("pulumi-xen-ha"), connectionError: parsed.error?.issues[0]?.path }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: pkg.dir, encoding: "utf8" })) as {
      kinds: Record<string, string>; entry: string; connectionError: string[];
    };
    for (const name of [...CLASSES, "connectionSchema", "makeProvider", "XenHaResource"]) {
      expect([name, out.kinds[name]]).toEqual([name, name === "connectionSchema" ? "object" : "function"]);
    }
    expect(path.relative(pkg.dir, out.entry)).toBe(path.join("node_modules", "pulumi-xen-ha", "dist", "index.js"));
    expect(out.connectionError).toEqual(["port"]);
  } finally {
    pkg.remove();
  }
});
