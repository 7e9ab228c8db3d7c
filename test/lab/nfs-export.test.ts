/**
 * NfsExport through Pulumi's real dynamic-provider server against the lab's NFS host (nfs-ganesha behind the
 * lab's exportfs, SysV nfs-kernel-server). Everything is checked ON THE HOST with the lab's own SSH client.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeProvider } from "../../provider/core/provider";
import { loadInventory, toConnection, type LabHost } from "../../lab/inventory";
import { CheckFailedError, ProviderCallError, ProviderServer, type EngineResource } from "../support/provider-harness";
import { LabSsh } from "./lab-ssh";

jest.setTimeout(180_000);

const inv = loadInventory();
const { nfs, node1, node2 } = inv.hosts;
const provider = makeProvider("nfs-export");
const OPTS = ["rw", "sync", "no_root_squash", "no_subtree_check"];
const inputs = () => ({
  connection: toConnection(nfs),
  path: "/data",
  clients: [
    { host: node1.address2, options: OPTS },
    { host: node2.address2, options: OPTS },
  ],
});
// The messy RHEL 5 fixture with the lab's addresses for the two /data entries.
const messy = readFileSync(join(__dirname, "../fixtures/exports/rhel5-messy.exports"), "utf8")
  .replace("/data\t\t10.10.10.0/24", `/data\t\t${node1.address2}`)
  .replace("/data 10.10.10.20(rw,async)", `/data ${node2.address2}(rw,async)`);

let server: ProviderServer;
let host: LabSsh;
let original: string;

/** Established TCP connections to the host's sshd, counted by the host's kernel. */
function sshdConnections(h: LabHost): number {
  const out = execFileSync("ip", ["netns", "exec", h.netns, "ss", "-Htn", "state", "established", `( sport = :${h.port} )`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).length;
}

async function sh(script: string, args: string[] = [], stdin?: string): Promise<string> {
  const r = await host.sh(script, args, stdin);
  if (r.code !== 0) throw new Error(`${script}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Inode and mtime of the files a change would touch, and the NFS server's pid. */
const hostState = () =>
  sh("stat -c '%i %Y %y' /etc/exports /var/lib/nfs/etab; cat /run/ganesha.pid 2>/dev/null; ls /etc/exports.xen-ha-* 2>/dev/null | wc -l");

beforeAll(async () => {
  server = await ProviderServer.start();
  host = await LabSsh.connect(nfs);
  original = await sh("cat /etc/exports");
  await sh("service nfs-kernel-server stop >/dev/null 2>&1; rm -f /etc/rc?.d/[SK]??nfs-kernel-server /etc/exports.xen-ha-*; true");
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (host) {
    await host.sh('cat > /etc/exports; rm -f /etc/exports.xen-ha-*; exportfs -ra; service nfs-kernel-server stop', [], original);
    host.close();
  }
});

describe("NfsExport on the lab's NFS server", () => {
  let res: EngineResource;

  test("bad input is rejected in check with the field named, and no SSH connection is opened", async () => {
    const before = sshdConnections(nfs);
    const bad: [object, string][] = [
      [{ path: "data" }, "path"],
      [{ path: "/data; rm -rf /" }, "path"],
      [{ path: "/data$(touch /tmp/pwned)" }, "path"],
      [{ clients: [{ host: node1.address2, options: ["rw sync"] }] }, "clients[0].options[0]"],
      [{ clients: [{ host: node1.address2, options: ["rw\nno_root_squash"] }] }, "clients[0].options[0]"],
      [{ clients: [{ host: "10.0.0.0/99" }] }, "clients[0].host"],
    ];
    for (const [patch, property] of bad) {
      const r = server.resource(provider);
      const err = await r.up({ ...inputs(), ...patch }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckFailedError);
      expect((err as CheckFailedError).failures.map((f) => f.property)).toContain(property);
      expect(r.state).toBeUndefined();
    }
    expect(sshdConnections(nfs)).toBe(before);
    expect((await host.sh("ls /tmp/pwned")).code).not.toBe(0);
  });

  test("converges a messy /etc/exports to exactly one /data entry, everything else byte-for-byte", async () => {
    await sh("cat > /etc/exports", [], messy);
    res = server.resource(provider);
    const up = await res.up(inputs());
    expect(up.op).toBe("create");
    expect(up.state.id).toBe(`${nfs.address}:/data`);
    const after = await sh("cat /etc/exports");
    const before = messy.split("\n");
    const lines = after.split("\n");
    expect(lines).toHaveLength(before.length);
    const changed = before.flatMap((l, i) => (l === lines[i] ? [] : [i]));
    expect(changed).toEqual([1, 9]);
    expect(lines[1]).toBe(`/data\t\t${node1.address2}(${OPTS.join(",")}) ${node2.address2}(${OPTS.join(",")})`);
    expect(lines[9]).toBe(`# xen-ha: disabled duplicate: /data ${node2.address2}(rw,async)`);
    // The backup holds the file as it was.
    const backup = String(up.state.outputs.backupPath);
    expect(backup).toMatch(/^\/etc\/exports\.xen-ha-.*\.bak$/);
    expect(await sh('cat "$1"', [backup])).toBe(messy);
    // Live, served, running and enabled at boot (SysV links), as the outputs say.
    expect(await sh("exportfs -v")).toMatch(new RegExp(`^/data\\s+${node1.address2.replace(/\./g, "\\.")}\\(.*no_root_squash`, "m"));
    expect(await sh("service nfs-kernel-server status")).toContain("nfsd running");
    expect(await sh("ls /etc/rc2.d /etc/rc3.d | grep -c 'S..nfs-kernel-server'")).toBe("2\n");
    expect(up.state.outputs.drift).toEqual([]);
    expect(up.state.outputs.service).toEqual({ name: "nfs-kernel-server", init: "sysv", running: true, enabledAtBoot: true });
    expect((up.state.outputs.live as { client: string }[]).map((l) => l.client)).toEqual([node1.address2, node2.address2]);
  });

  test("a second apply changes nothing on the host: no write, no exportfs, no service restart", async () => {
    const before = await hostState();
    const again = await res.up(inputs());
    expect(again.op).toBe("same");
    // And when the engine does call update (e.g. a changed timeout), the provider still writes nothing.
    const { outputs } = await server.update(res.state!.id, res.state!.outputs, { ...res.state!.inputs, timeoutSeconds: 90 });
    expect(outputs.drift).toEqual([]);
    expect(outputs.backupPath).toBeNull();
    expect(await hostState()).toBe(before);
  });

  test("drift: a hand edit shows in refresh and the next up converges it", async () => {
    await sh(`sed -i 's|^/data\t\t.*|/data ${node1.address2}(ro)|' /etc/exports; exportfs -ra; true`);
    const refreshed = await res.refresh();
    expect(refreshed!.outputs.clients).toEqual([{ host: node1.address2, options: ["ro"] }]);
    expect(refreshed!.outputs.drift).toEqual(
      expect.arrayContaining([`/etc/exports says /data ${node1.address2}(ro)`, `not exported live to ${node2.address2} (exportfs -v)`]),
    );
    const pid = await sh("cat /run/ganesha.pid");
    const up = await res.up(inputs());
    expect(up.op).toBe("update");
    expect(up.state.outputs.drift).toEqual([]);
    expect((await sh("grep '^/data' /etc/exports")).trim()).toBe(
      `/data\t\t${node1.address2}(${OPTS.join(",")}) ${node2.address2}(${OPTS.join(",")})`.replace("\t\t", " "),
    );
    expect(await sh("cat /run/ganesha.pid")).toBe(pid);
  });

  test("exportfs errors about our entry fail the apply even when exportfs exits 0 (nfs-utils 1.0.x)", async () => {
    await sh("mkdir -p /etc/lab && touch /etc/lab/exportfs-exit-zero");
    try {
      const bogus = { ...inputs(), clients: [{ host: node1.address2, options: ["rw", "bogus_option"] }] };
      const err = await res.up(bogus).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderCallError);
      const e = err as ProviderCallError;
      expect(e.details).toMatch(/exportfs -ra on .* \(exit 0\) reported: exportfs: \/etc\/exports:2: unknown keyword "bogus_option"/);
      // The file was written before exportfs complained: the engine keeps the resource with what is there.
      expect(e.partial?.id).toBe(`${nfs.address}:/data`);
      expect(res.state!.outputs.drift).toEqual(expect.arrayContaining([`not exported live to ${node1.address2} (exportfs -v)`]));
    } finally {
      await sh("rm -f /etc/lab/exportfs-exit-zero");
    }
    const fixed = await res.up(inputs());
    expect(fixed.op).toBe("update");
    expect(fixed.state.outputs.drift).toEqual([]);
  });

  test("a missing directory is created with the owner and mode asked for, and kept on delete", async () => {
    await sh("rm -rf /srv/xen-ha-export-test");
    const r = server.resource(provider);
    const up = await r.up({ ...inputs(), path: "/srv/xen-ha-export-test/images", owner: "daemon", group: "root", mode: "0750" });
    expect(up.state.outputs.drift).toEqual([]);
    expect(await sh("stat -c '%F %U %G %a' /srv/xen-ha-export-test/images")).toBe("directory daemon root 750\n");
    expect(await sh("exportfs -v")).toMatch(/^\/srv\/xen-ha-export-test\/images\n\t\t/m);
    // A later hand change of the mode is drift, and up puts it back.
    await sh("chmod 0777 /srv/xen-ha-export-test/images");
    expect((await r.refresh())!.outputs.drift).toEqual(["/srv/xen-ha-export-test/images has other owner, group or mode"]);
    await r.up({ ...inputs(), path: "/srv/xen-ha-export-test/images", owner: "daemon", group: "root", mode: "0750" });
    expect(await sh("stat -c '%a' /srv/xen-ha-export-test/images")).toBe("750\n");
    await r.destroy();
    expect(await sh("grep -c xen-ha-export-test /etc/exports; true")).toBe("0\n");
    expect(await sh("test -d /srv/xen-ha-export-test/images && echo kept")).toBe("kept\n");
    await sh("rm -rf /srv/xen-ha-export-test");
  });

  test("delete removes the entry and the live export, leaves the directory and the service", async () => {
    await sh("touch /data/keep-me");
    await res.destroy();
    const text = await sh("cat /etc/exports");
    expect(text).not.toMatch(/^\/data/m);
    // Everything but the /data entry is as in the messy file; the duplicate that create disabled stays a
    // comment (re-enabling it would export /data again).
    expect(text).toBe(
      messy
        .split("\n")
        .map((l, i) => (i === 9 ? `# xen-ha: disabled duplicate: ${l}` : l))
        .filter((_l, i) => i !== 1)
        .join("\n") +
        // The other test appended an entry to this file, which had no final newline: that newline stays.
        "\n",
    );
    expect(await sh("exportfs -v")).not.toMatch(/^\/data/m);
    expect(await sh("service nfs-kernel-server status")).toContain("nfsd running");
    expect(await sh("ls /data")).toBe("keep-me\n");
  });
});
