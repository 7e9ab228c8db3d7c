/**
 * The lab's NFS server is driven like a real one (/etc/exports, exportfs, the nfs-kernel-server service), and
 * its access control is a real NFS server's: exported to node1 and node2, observer is refused.
 */
import { loadInventory } from "../../lab/inventory";
import { LabSsh } from "./lab-ssh";

jest.setTimeout(60_000);
const inv = loadInventory();
const { nfs, node1, node2, observer } = inv.hosts;
const spec = `${nfs.address2}:/data`;
let server: LabSsh;
let clients: LabSsh[];
let obs: LabSsh;

beforeAll(async () => {
  server = await LabSsh.connect(nfs);
  clients = [await LabSsh.connect(node1), await LabSsh.connect(node2)];
  obs = await LabSsh.connect(observer);
  // start from unmounted clients, whatever an earlier test left
  for (const c of [...clients, obs]) await c.sh("while grep -q ' /data ' /proc/self/mountinfo; do umount /data || break; done");
});

afterAll(async () => {
  for (const c of [...clients, obs]) {
    await c.sh("grep -q ' /data ' /proc/self/mountinfo && umount /data; true");
    c.close();
  }
  await server.sh("cp /etc/exports.lab-test-orig /etc/exports 2>/dev/null; exportfs -ra; service nfs-kernel-server stop >/dev/null; rm -f /data/written-by-*");
  server.close();
});

test("exports to node1 and node2 only: they mount and share files, observer is refused", async () => {
  const exportsFile = [
    "# written by the lab test",
    `/data ${node1.address2}(rw,sync,no_subtree_check,no_root_squash) \\`,
    `      ${node2.address2}(rw,sync,no_subtree_check,no_root_squash)`,
    "",
  ].join("\n");
  const w = await server.sh(
    'cp /etc/exports /etc/exports.lab-test-orig && cat > /etc/exports && exportfs -ra && service nfs-kernel-server restart >/dev/null && service nfs-kernel-server status && exportfs',
    [], exportsFile);
  expect(w.stderr).toBe("");
  expect(w.code).toBe(0);
  expect(w.stdout).toContain("nfsd running");
  expect(w.stdout).toMatch(new RegExp(`^/data\\s+${node1.address2.replace(/\./g, "\\.")}$`, "m"));

  for (const c of clients) {
    const m = await c.sh('mount -t nfs -o hard,rsize=32768,wsize=32768 "$1" /data && grep " /data " /proc/self/mountinfo', [spec]);
    expect({ host: c.host.name, code: m.code, stderr: m.stderr }).toEqual({ host: c.host.name, code: 0, stderr: "" });
    expect(m.stdout).toContain(` - fuse.nfs ${spec} `);
  }
  const content = `hello from node1 ${Date.now()}`;
  expect((await clients[0].sh('printf %s "$1" > /data/written-by-node1', [content])).code).toBe(0);
  expect((await clients[1].sh("cat /data/written-by-node1")).stdout).toBe(content);
  expect((await server.sh("cat /data/written-by-node1")).stdout).toBe(content);

  const refused = await obs.sh('mount -t nfs "$1" /data', [spec]);
  expect(refused.code).toBe(32);
  expect(refused.stderr).toContain(`mount.nfs: access denied by server while mounting ${spec}`);
  expect((await obs.sh("grep ' /data ' /proc/self/mountinfo")).stdout).toBe("");
});

test("after exportfs -ra drops a client, that client is refused too", async () => {
  const w = await server.sh('printf "/data %s(rw,no_root_squash)\\n" "$1" > /etc/exports && exportfs -ra', [node1.address2]);
  expect(w.code).toBe(0);
  await clients[1].sh("umount /data");
  const again = await clients[1].sh('mount -t nfs "$1" /data', [spec]);
  expect(again.code).toBe(32);
  expect(again.stderr).toContain("access denied by server");
});

test("root_squash and ro apply to what a client does through its mount, as on a real server", async () => {
  const exportsFile = `/data ${node1.address2}(ro,no_root_squash) ${node2.address2}(rw)\n`;
  const w = await server.sh("cat > /etc/exports && exportfs -ra && mkdir -p /data/pub && chmod 1777 /data/pub", [], exportsFile);
  expect(w).toMatchObject({ code: 0, stderr: "" });
  for (const c of clients) {
    await c.sh("grep -q ' /data ' /proc/self/mountinfo && umount /data; true");
    expect((await c.sh('mount -t nfs "$1" /data', [spec])).code).toBe(0);
  }
  const ro = await clients[0].sh("touch /data/pub/by-node1");
  expect(ro.code).not.toBe(0);
  expect(ro.stderr).toContain("Read-only file system");
  const squashedRoot = await clients[1].sh("touch /data/by-node2");
  expect(squashedRoot.stderr).toContain("Permission denied");
  expect((await clients[1].sh("touch /data/pub/by-node2")).code).toBe(0);
  expect((await server.sh("stat -c %u:%g /data/pub/by-node2")).stdout).toBe("65534:65534\n");
  await server.sh("rm -rf /data/pub");
});

test("a busy mount cannot be unmounted, and the service reports stopped after stop", async () => {
  const busy = await clients[0].sh("cd /data && umount /data");
  expect(busy.code).toBe(32);
  expect(busy.stderr).toContain("target is busy");
  expect((await clients[0].sh("umount /data")).code).toBe(0);
  expect((await clients[0].sh("umount /data")).stderr).toContain("not mounted");
  const st = await server.sh("service nfs-kernel-server stop >/dev/null; service nfs-kernel-server status");
  expect(st).toMatchObject({ code: 3, stdout: "nfsd not running\n" });
  const down = await clients[0].sh('mount -t nfs "$1" /data', [spec]);
  expect(down.code).toBe(32);
});
