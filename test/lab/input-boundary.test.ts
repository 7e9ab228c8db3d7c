/**
 * The input boundary on the lab: hostile values for every resource, through the real dynamic-provider server's
 * Check with lab hosts as the connections, and for the component through the runner and the example program.
 * Each is refused naming its field, and no host is touched: the connections each host's sshd accepted are
 * counted from its own log (an opened and closed connection counts too, which a socket snapshot would miss).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeProvider } from "../../provider/core/provider";
import { CheckFailedError, ProviderServer } from "../support/provider-harness";
import { acceptedConnections, conn, inv } from "./ssh-support";

const REPO = path.resolve(__dirname, "../..");
const { nfs, node1, node2 } = inv.hosts;
const hosts = [nfs, node1, node2];
const accepted = () => hosts.map((h) => `${h.name}=${acceptedConnections(h)}`);

type Row = [string, Record<string, unknown>, string];
const TABLES: Record<string, { base: Record<string, unknown>; rows: Row[] }> = {
  "nfs-export": {
    base: { connection: conn(nfs), path: "/data", clients: [{ host: node1.address }] },
    rows: [
      ["a client that is an option", { clients: [{ host: "-rw" }] }, "clients[0].host"],
      ["everyone as root without the opt-in", { clients: [{ host: "*", options: ["rw", "no_root_squash"] }] }, "clients[0].host"],
      ["a path with a shell word", { path: "/data;reboot" }, "path"],
      ["a path with a .. part", { path: "/data/../etc" }, "path"],
      ["a connection host with a newline", { connection: conn(nfs, { host: `${nfs.address}\nid` }) }, "connection.host"],
    ],
  },
  "nfs-mount": {
    base: { connection: conn(node1), server: nfs.address, exportPath: "/data", mountPoint: "/data" },
    rows: [
      ["rw with ro", { options: ["rw", "ro"] }, "options[1]"],
      ["rsize that is not a number", { options: ["rsize=big"] }, "options[0]"],
      ["a mount point with a newline", { mountPoint: "/data\n/etc" }, "mountPoint"],
      ["a server that is an option", { server: "-oro" }, "server"],
    ],
  },
  "xend-relocation-config": {
    base: { connection: conn(node1), hostsAllow: [node2.address] },
    rows: [
      ["a named group as JavaScript writes it", { hostsAllow: [{ regex: "^(?<n>node2)$" }] }, "hostsAllow[0].regex"],
      ["an address that is not one", { address: "999.999.999.999" }, "address"],
      ["a config path with a NUL", { configPath: "/etc/xen/a\u0000b" }, "configPath"],
      ["a user with a shell word", { connection: conn(node1, { user: "root;id" }) }, "connection.user"],
    ],
  },
  "xen-domain-config": {
    base: { connection: conn(node1), name: "test01", memory: 128, boot: { kernel: "/boot/vmlinuz" }, disks: [{ path: "/data/test01.img", vdev: "xvda" }] },
    rows: [
      ["a name that is an option", { name: "-test01" }, "name"],
      ["a key that is a Python keyword", { extraKeys: { print: 1 } }, "extraKeys.print"],
      ["a non-ASCII value", { extraKeys: { cpus: "0-3 ü" } }, "extraKeys.cpus"],
      ["a bridge with a space", { vifs: [{ bridge: "xen br0" }] }, "vifs[0].bridge"],
    ],
  },
  "live-migration": {
    base: {
      domain: "test01", desiredHost: "node2",
      hosts: [
        { name: "node1", connection: conn(node1), migrationAddress: node1.address },
        { name: "node2", connection: conn(node2), migrationAddress: node2.address },
      ],
    },
    rows: [
      ["a domain that is a command substitution", { domain: "$(reboot)" }, "domain"],
      ["a migration address that is not one", { hosts: [
        { name: "node1", connection: conn(node1), migrationAddress: ":::" },
        { name: "node2", connection: conn(node2), migrationAddress: node2.address },
      ] }, "hosts[0].migrationAddress"],
      ["a config path with a .. part", { configPath: "/etc/xen/../shadow" }, "configPath"],
    ],
  },
  "xl-migration-trust": {
    base: { source: conn(node1), target: conn(node2) },
    rows: [
      ["a target address that is an ssh option", { targetAddress: "-G" }, "targetAddress"],
      ["a source host with a shell word", { source: conn(node1, { host: "node1;id" }) }, "source.host"],
    ],
  },
};

let server: ProviderServer;
beforeAll(async () => {
  server = await ProviderServer.start();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe.each(Object.keys(TABLES))("%s: hostile inputs refused by check, no host touched", (kind) => {
  const { base, rows } = TABLES[kind]!;
  test.each(rows)("%s", async (_what, over, field) => {
    const before = accepted();
    const err = await server.resource(makeProvider(kind)).up({ ...base, ...over }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as CheckFailedError).failures.map((f) => f.property)).toContain(field);
    expect(accepted()).toEqual(before);
  }, 60_000);
});

test("the component: a bad desired host in the example program is refused by the constructor, naming its field, before any child dials a host", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-boundary-"));
  try {
    const before = accepted();
    for (const bad of ["node9", "-oProxyCommand=id"]) {
      const r = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), "up", "--yes", "--skip-preview",
        "--cwd", path.join(REPO, "examples", "runbook"), "--stack", "lab", "--state", path.join(work, "state.json"), "--config", `test01Host=${bad}`],
      { cwd: REPO, encoding: "utf8", timeout: 300_000 });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status).toBe(255);
      expect(out).toContain(`domains[0].desiredHost: must be one of the nodes' names`);
      expect(out).not.toMatch(/creating|updating/);
    }
    expect(accepted()).toEqual(before);
    const state = path.join(work, "state.json");
    if (fs.existsSync(state)) expect(JSON.parse(fs.readFileSync(state, "utf8")).resources.filter((x: { custom?: boolean }) => x.custom)).toEqual([]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 600_000);
