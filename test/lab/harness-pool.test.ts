/**
 * Issue 2: "A serialized provider that uses the pool works inside the real dynamic-provider server."
 * The test-only SshProbe kind runs a command through `pulumi-xen-ha/ssh/pool`, reached by package name inside
 * the provider process. Several resources and several RPCs against one host must share ONE SSH connection,
 * counted on the host itself (its sshd's established TCP connections), not by the pool.
 */
import { execFileSync } from "node:child_process";
import { makeProvider } from "../../provider/core/provider";
import { loadInventory, toConnection, type LabHost } from "../../lab/inventory";
import { ProviderServer } from "../support/provider-harness";
import { staleDistFiles } from "../support/provider-package";

const inv = loadInventory();
const probe = makeProvider("ssh-probe", "xenha-test-probes/ssh-probe");
let server: ProviderServer;

/** Established TCP connections to the host's sshd, as the host's kernel sees them (peer address:port each). */
function sshdPeers(h: LabHost): string[] {
  const out = execFileSync("ip", ["netns", "exec", h.netns, "ss", "-Htn", "state", "established", `( sport = :${h.port} )`], {
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/).at(-1)!);
}

beforeAll(async () => {
  server = await ProviderServer.start();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

test("two resources and several calls on one host share one pooled SSH connection, reached by package name", async () => {
  const node1 = inv.hosts.node1;
  // Other test files in this jest process may hold connections of their own: count only new ones.
  const before = new Set([...sshdPeers(node1), ...sshdPeers(inv.hosts.node2)]);
  const fresh = (h: LabHost): string[] => sshdPeers(h).filter((p) => !before.has(p));

  const a = server.resource(probe);
  const b = server.resource(probe);
  const first = await a.up({ connection: toConnection(node1), tag: "a" });
  const second = await b.up({ connection: toConnection(node1), tag: "b" });
  const refreshed = await a.refresh();

  const outs = [first.state.outputs, second.state.outputs, refreshed!.outputs];
  // one provider process served all three calls...
  expect(new Set(outs.map((o) => o.providerPid)).size).toBe(1);
  expect(outs[0].providerPid).not.toBe(process.pid);
  // ...and loaded the pool through the package's exports, not a copy captured in the provider's text
  expect(outs[0].poolModule).toMatch(/\/dist\/ssh\/pool\.js$/);
  expect(await server.serialize(probe)).not.toMatch(/dialWithRetries|sessions|poolSize/);

  // The host's sshd saw the same client port and the same session process every time: one TCP connection.
  const conns = new Set(outs.map((o) => o.sshConnection));
  expect(conns.size).toBe(1);
  const [clientIp, clientPort, serverIp] = String(outs[0].sshConnection).split(" ");
  expect(serverIp).toBe(node1.address);
  expect(new Set(outs.map((o) => o.sshdPid)).size).toBe(1);
  // Counted on the host, not in the pool: exactly that one connection is established to its sshd.
  expect(fresh(node1)).toEqual([`${clientIp}:${clientPort}`]);

  // another host is another connection
  const c = server.resource(probe);
  const other = await c.up({ connection: toConnection(inv.hosts.node2), tag: "c" });
  expect(other.state.outputs.sshConnection).not.toBe(outs[0].sshConnection);
  expect(other.state.outputs.poolSize).toBe(2);
  expect(fresh(node1)).toHaveLength(1);
  expect(fresh(inv.hosts.node2)).toHaveLength(1);

  await Promise.all([a.destroy(), b.destroy(), c.destroy()]);
});

test("a connection input that is invalid fails in check, naming the field, without dialing", async () => {
  const before = sshdPeers(inv.hosts.observer);
  const res = server.resource(probe);
  const err = await res.up({ connection: { ...toConnection(inv.hosts.observer), port: 70000 }, tag: "Bad Tag" }).catch((e) => e);
  expect(String(err)).toMatch(/connection\.port: /);
  expect(String(err)).toMatch(/tag: lowercase letters, digits and dashes/);
  expect(sshdPeers(inv.hosts.observer)).toEqual(before);
});

test("the published layout (package exports → tsc's output) serves the same provider", async () => {
  // dist/ itself when `npm run build` is up to date (CI builds first), else a private tsc build of the tree
  const source = staleDistFiles(["core", "ssh"]).length === 0 ? "dist" : "compiled";
  const dist = await ProviderServer.start({ source, freshFolders: ["core", "ssh"] });
  try {
    expect(dist.pkg.source).toBe(source);
    const res = dist.resource(probe);
    const up = await res.up({ connection: toConnection(inv.hosts.node1), tag: "dist" });
    // resolved through node_modules/pulumi-xen-ha, i.e. through package.json "exports" into tsc's output
    expect(up.state.outputs.poolModule).toMatch(/\/dist\/ssh\/pool\.js$/);
    expect(String(up.state.outputs.sshConnection).split(" ")[2]).toBe(inv.hosts.node1.address);
    await res.destroy();
  } finally {
    await dist.stop();
  }
}, 180_000);
