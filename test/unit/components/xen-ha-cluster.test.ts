/**
 * XenHaCluster's composition with the SDK's mocks (no provider runs): which resources, with which inputs, in
 * which order, and that a domain whose config differs between nodes is never migrated. The resources
 * themselves are tested against the lab, and the whole stack end to end in test/lab/e2e-runbook.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { XenHaClusterArgs } from "../../../provider/components/xen-ha-cluster";

interface Registered { type: string; name: string; inputs: Record<string, unknown> }
const registered: Registered[] = [];

pulumi.runtime.setMocks({
  newResource(args) {
    const type = args.type.split(":").pop()!;
    registered.push({ type, name: args.name, inputs: args.inputs });
    const state: Record<string, unknown> = { ...args.inputs };
    if (type === "XenDomainConfig") Object.assign(state, { configPath: `/etc/xen/${args.inputs.name}`, content: 'name = "test01"\n' });
    if (type === "NfsMount") Object.assign(state, { mount: null, fstabLine: null, drift: [] });
    if (type === "NfsExport") Object.assign(state, { entry: "/data ..." });
    if (type === "LiveMigration") Object.assign(state, { currentHost: args.inputs.desiredHost, lastMigration: null });
    return { id: `${args.name}-id`, state };
  },
  call: () => ({}),
});

// Imported after setMocks, as the SDK requires.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { XenHaCluster } = require("../../../provider/components/xen-ha-cluster") as typeof import("../../../provider/components/xen-ha-cluster");

const conn = (host: string) => ({ host, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n" });
const args = (toolstack: "xm" | "xl"): XenHaClusterArgs => ({
  toolstack,
  nfs: { connection: conn("10.10.10.30"), address: "10.10.10.30", path: "/data" },
  nodes: [
    { name: "node1", connection: conn("192.168.233.150"), migrationAddress: "192.168.233.150", storageAddress: "10.10.10.10" },
    { name: "node2", connection: conn("192.168.233.151"), migrationAddress: "192.168.233.151", storageAddress: "10.10.10.20" },
  ],
  mount: { existingContent: "carry" },
  domains: [{ config: { name: "test01", memory: 256, boot: { bootloader: "/usr/bin/pygrub" }, disks: [{ path: "/data/test01.img", vdev: "xvda" }] }, desiredHost: "node2" }],
});
const settle = <T>(o: pulumi.Output<T>): Promise<T> => (o as unknown as { promise(): Promise<T> }).promise();
const of = (prefix: string) => registered.filter((r) => r.name.startsWith(prefix));
const unsecret = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

beforeEach(() => {
  registered.length = 0;
});

test("xm: the runbook's resources, in the runbook's order, open to the cluster's own nodes only", async () => {
  const c = new XenHaCluster("rb", args("xm"));
  const domains = await settle(c.domains);
  expect(domains).toEqual({ test01: { currentHost: "node2", lastMigration: null, configPath: "/etc/xen/test01" } });
  expect(await settle(c.nodes)).toEqual({
    node1: { mounted: false, mount: null, fstabLine: null, drift: [] },
    node2: { mounted: false, mount: null, fstabLine: null, drift: [] },
  });
  const names = of("rb").map((r) => r.name);
  expect([...names].sort()).toEqual([
    "rb", "rb-export", "rb-node1-mount", "rb-node1-relocation", "rb-node2-mount", "rb-node2-relocation",
    "rb-test01-node1-config", "rb-test01-node2-config", "rb-test01-placement",
  ]);
  const at = (n: string) => names.indexOf(n);
  for (const m of ["rb-node1-mount", "rb-node2-mount"]) {
    expect(at("rb-export")).toBeLessThan(at(m));
    for (const cfg of ["rb-test01-node1-config", "rb-test01-node2-config"]) expect(at(m)).toBeLessThan(at(cfg)); // a carried disk
  }
  expect(at("rb-test01-node2-config")).toBeLessThan(at("rb-test01-placement"));
  expect(at("rb-node1-relocation")).toBeLessThan(at("rb-test01-placement"));

  const input = (n: string) => unsecret(registered.find((r) => r.name === n)!.inputs) as Record<string, unknown>;
  expect(input("rb-export").clients).toEqual([
    { host: "10.10.10.10", options: ["rw", "sync", "no_root_squash", "no_subtree_check"] },
    { host: "10.10.10.20", options: ["rw", "sync", "no_root_squash", "no_subtree_check"] },
  ]);
  expect(input("rb-node1-relocation").hostsAllow).toEqual(["192.168.233.151"]);
  expect(input("rb-node2-relocation").hostsAllow).toEqual(["192.168.233.150"]);
  expect(input("rb-node1-mount")).toMatchObject({ server: "10.10.10.30", exportPath: "/data", mountPoint: "/data", existingContent: "carry" });
  expect(input("rb-test01-node2-config")).toMatchObject({ name: "test01", flavour: "xm", memory: 256 });
  expect(input("rb-test01-placement")).toMatchObject({ domain: "test01", desiredHost: "node2", toolstack: "xm", configPath: "/etc/xen/test01" });
});

test("xl: SSH trust both ways instead of xend relocation", async () => {
  const c = new XenHaCluster("xl", args("xl"));
  await settle(c.domains);
  expect(of("xl-").filter((r) => r.type === "XendRelocationConfig")).toEqual([]);
  const trusts = of("xl-").filter((r) => r.type === "XlMigrationTrust").map((r) => ({ name: r.name, ...(unsecret(r.inputs) as object) }));
  expect(trusts).toEqual([
    expect.objectContaining({ name: "xl-node1-to-node2-trust", targetAddress: "192.168.233.151", sourceAddresses: ["192.168.233.150"] }),
    expect.objectContaining({ name: "xl-node2-to-node1-trust", targetAddress: "192.168.233.150", sourceAddresses: ["192.168.233.151"] }),
  ]);
  expect(registered.find((r) => r.name === "xl-test01-node1-config")!.inputs.flavour).toBe("xl");
});

test("a domain whose config differs between nodes is never migrated, and the error names the node and line", () => {
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(__dirname, "../../fixtures/cluster/mismatch-program.ts")], {
    cwd: path.join(__dirname, "../../.."), encoding: "utf8",
  });
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { registered: string[]; errors: string[] };
  expect(out.registered.filter((t) => t === "XenDomainConfig")).toHaveLength(2);
  expect(out.registered).not.toContain("LiveMigration");
  expect(out.errors.join("\n")).toContain(
    'domain test01: the config is not identical on every node: node2 differs from node1 at line 2: "memory = 1024" vs "memory = 256"',
  );
}, 60_000);

test("fewer than two nodes, or a node named twice, is refused before anything is registered", () => {
  expect(() => new XenHaCluster("one", { ...args("xm"), nodes: [args("xm").nodes[0]!] })).toThrow(/at least two nodes/);
  expect(of("one")).toEqual([]);
});
