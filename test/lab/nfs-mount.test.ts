/**
 * NfsMount (with the NfsExport it mounts) through Pulumi's real dynamic-provider server against the lab: real
 * nfs-ganesha on `nfs`, the lab's mount.nfs on node1/node2 (FUSE, type fuse.nfs), the toolstack simulator's
 * xm or xl for domains. Every claim is checked ON THE HOST with the lab's own SSH client.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeProvider } from "../../provider/core/provider";
import { loadInventory, toConnection, type LabHost } from "../../lab/inventory";
import { CheckFailedError, ProviderCallError, ProviderServer, type EngineResource } from "../support/provider-harness";
import { LabSsh } from "./lab-ssh";

jest.setTimeout(240_000);

const inv = loadInventory();
const { nfs, node1, node2, observer } = inv.hosts;
const exportProvider = makeProvider("nfs-export");
const mountProvider = makeProvider("nfs-mount");
const SRC = `${nfs.address2}:/data`;
const RUNBOOK_LINE = `${SRC} /data nfs hard,rw,rsize=32768,wsize=32768 0 0`;
const mountInputs = (h: LabHost, patch: object = {}) => ({
  connection: toConnection(h),
  server: nfs.address2,
  exportPath: "/data",
  mountPoint: "/data",
  ...patch,
});
/** Starts a domain from /etc/xen/NAME with the host's toolstack (xm searches /etc/xen; xl needs the path). */
const createDomain = (h: LabHost, name: string) =>
  sh(h, h.toolstack === "xl" ? 'xl create "/etc/xen/$1"' : 'xm create "$1"', [name]);
const destroyDomain = (h: LabHost, name: string) => sh(h, `${h.toolstack ?? "xm"} destroy "$1"`, [name]);
const messyFstab = readFileSync(join(__dirname, "../fixtures/fstab/rhel5-messy.fstab"), "utf8").replaceAll("10.10.10.30:/data", SRC);

let server: ProviderServer;
const ssh: Record<string, LabSsh> = {};
const originalFstab: Record<string, string> = {};
let exportRes: EngineResource;
const mounts: Record<string, EngineResource> = {};

async function sh(h: LabHost, script: string, args: string[] = [], stdin?: string): Promise<string> {
  const r = await ssh[h.name].sh(script, args, stdin);
  if (r.code !== 0) throw new Error(`${h.name}: ${script}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The mount on /data as the host's kernel shows it ("" when none): mount ID, options, type, source. */
const mountLine = (h: LabHost) => sh(h, "awk '$5 == \"/data\" { print $1, $6, $(NF-2), $(NF-1) }' /proc/self/mountinfo");
const fstabState = (h: LabHost) => sh(h, "stat -c '%i %Y %y' /etc/fstab; ls /etc/fstab.xen-ha-* 2>/dev/null | wc -l");
const md5 = (h: LabHost, path: string) => sh(h, 'md5sum < "$1" | cut -d" " -f1', [path]);
const asideLeft = (h: LabHost) => sh(h, "ls -a / | grep -c xen-ha-aside; true");

function sshdConnections(h: LabHost): number {
  const out = execFileSync("ip", ["netns", "exec", h.netns, "ss", "-Htn", "state", "established", `( sport = :${h.port} )`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).length;
}

async function expectFailure(p: Promise<unknown>): Promise<ProviderCallError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderCallError);
  return err as ProviderCallError;
}

beforeAll(async () => {
  server = await ProviderServer.start();
  for (const h of [nfs, node1, node2, observer]) {
    ssh[h.name] = await LabSsh.connect(h);
    // Never on the server: its /data is the export's own volume.
    if (h !== nfs) await ssh[h.name].sh("grep -q ' /data ' /proc/self/mountinfo && umount /data; rm -f /etc/fstab.xen-ha-*; true");
    originalFstab[h.name] = await sh(h, "cat /etc/fstab");
  }
  await sh(nfs, "mkdir -p /data && find /data -mindepth 1 -delete");
  exportRes = server.resource(exportProvider);
  const opts = ["rw", "sync", "no_root_squash", "no_subtree_check"];
  await exportRes.up({
    connection: toConnection(nfs),
    path: "/data",
    clients: [
      { host: node1.address2, options: opts },
      { host: node2.address2, options: opts },
    ],
  });
}, 120_000);

afterAll(async () => {
  for (const r of Object.values(mounts)) await r.destroy().catch(() => undefined);
  await exportRes?.destroy().catch(() => undefined);
  await server?.stop();
  for (const h of [nfs, node1, node2, observer]) {
    const c = ssh[h.name];
    if (!c) continue;
    if (h !== nfs) await c.sh("for d in test01 test02; do xm destroy $d || xl destroy $d; done >/dev/null 2>&1; rm -f /etc/xen/test01 /etc/xen/test02; grep -q ' /data ' /proc/self/mountinfo && umount /data; true");
    await c.sh("cat > /etc/fstab; rm -f /etc/fstab.xen-ha-*; find /data -mindepth 1 -delete 2>/dev/null; true", [], originalFstab[h.name]);
    c.close();
  }
}, 120_000);

describe("NfsMount on the lab's Xen hosts", () => {
  test("bad input is rejected in check with the field named, and no SSH connection is opened", async () => {
    const before = sshdConnections(node1);
    const bad: [object, string][] = [
      [{ mountPoint: "data" }, "mountPoint"],
      [{ mountPoint: "../data" }, "mountPoint"],
      [{ options: ["hard,rw"] }, "options[0]"],
      [{ options: ["hard rw"] }, "options[0]"],
      [{ options: ["hard\nrw"] }, "options[0]"],
      [{ exportPath: "/data;reboot" }, "exportPath"],
      [{ exportPath: "/data`id`" }, "exportPath"],
      [{ server: "$(reboot)" }, "server"],
    ];
    for (const [patch, property] of bad) {
      const r = server.resource(mountProvider);
      const err = await r.up(mountInputs(node1, patch)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckFailedError);
      expect((err as CheckFailedError).failures.map((f) => f.property)).toContain(property);
    }
    expect(sshdConnections(node1)).toBe(before);
  });

  test("a non-empty mount point is refused by default, listing what would be hidden; nothing changes", async () => {
    await sh(node1, "head -c 1048576 /dev/urandom > /data/test01.img && mkdir -p /data/iso");
    const sum = await md5(node1, "/data/test01.img");
    const fstab = await fstabState(node1);
    const r = server.resource(mountProvider);
    const e = await expectFailure(r.up(mountInputs(node1)));
    expect(e.details).toContain('/data is not empty; mounting would hide: ');
    expect(e.details).toContain('"test01.img" (1048576 bytes)');
    expect(e.details).toContain('"iso"/');
    expect(e.partial).toBeUndefined();
    expect(r.state).toBeUndefined();
    expect(await mountLine(node1)).toBe("");
    expect(await fstabState(node1)).toBe(fstab);
    expect(await md5(node1, "/data/test01.img")).toBe(sum);
  });

  test("existingContent carry: moved aside, mounted, copied onto the share with equal checksums, aside removed", async () => {
    const sum = await md5(node1, "/data/test01.img");
    mounts.node1 = server.resource(mountProvider);
    const up = await mounts.node1.up(mountInputs(node1, { existingContent: "carry" }));
    expect(up.op).toBe("create");
    expect(await mountLine(node1)).toMatch(new RegExp(` fuse\\.nfs ${SRC.replace(/\./g, "\\.")}\\n$`));
    expect(await md5(nfs, "/data/test01.img")).toBe(sum);
    expect(await md5(node1, "/data/test01.img")).toBe(sum);
    expect(await sh(nfs, "test -d /data/iso && echo dir")).toBe("dir\n");
    expect(await asideLeft(node1)).toBe("0\n");
    expect(await sh(node1, "cat /etc/fstab")).toBe(originalFstab.node1 + RUNBOOK_LINE + "\n");
    expect(up.state.outputs).toMatchObject({ mounted: true, inFstab: true, drift: [], createdMountPoint: false });
  });

  test("carry with a conflict stops without losing either file", async () => {
    await sh(node2, "printf 'node2 local image' > /data/test01.img");
    const local = await md5(node2, "/data/test01.img");
    const shared = await md5(nfs, "/data/test01.img");
    const fstab = await fstabState(node2);
    const r = server.resource(mountProvider);
    const e = await expectFailure(r.up(mountInputs(node2, { existingContent: "carry" })));
    expect(e.details).toContain("conflict; nothing was copied, the share was unmounted and the content is back in place");
    expect(e.details).toContain("the share already has a different test01.img");
    expect(r.state).toBeUndefined();
    expect(await mountLine(node2)).toBe("");
    expect(await md5(node2, "/data/test01.img")).toBe(local);
    expect(await md5(nfs, "/data/test01.img")).toBe(shared);
    expect(await fstabState(node2)).toBe(fstab);
    expect(await asideLeft(node2)).toBe("0\n");
  });

  test("carry refuses to move the disk image of a running domain, naming it", async () => {
    const local = await md5(node2, "/data/test01.img");
    await sh(node2, "cat > /etc/xen/test02", [], 'name = "test02"\nmemory = 64\ndisk = [ "file:/data/test01.img,xvda,w" ]\nvif = [ "bridge=xenbr0" ]\n');
    await createDomain(node2, "test02");
    try {
      const r = server.resource(mountProvider);
      const e = await expectFailure(r.up(mountInputs(node2, { existingContent: "carry" })));
      expect(e.details).toContain("refusing to move the content of /data");
      expect(e.details).toContain("domain test02 (disk /data/test01.img)");
      expect(r.state).toBeUndefined();
      expect(await mountLine(node2)).toBe("");
      expect(await md5(node2, "/data/test01.img")).toBe(local);
    } finally {
      await destroyDomain(node2, "test02");
      await sh(node2, "rm -f /etc/xen/test02");
    }
  });

  test("converges a messy fstab to one line; node2 sees a file written through node1; observer is refused", async () => {
    await sh(node2, "rm -f /data/test01.img && cat > /etc/fstab", [], messyFstab);
    mounts.node2 = server.resource(mountProvider);
    const up = await mounts.node2.up(mountInputs(node2));
    expect(up.op).toBe("create");
    const after = (await sh(node2, "cat /etc/fstab")).split("\n");
    const before = messyFstab.split("\n");
    expect(after).toHaveLength(before.length);
    expect(before.flatMap((l, i) => (l === after[i] ? [] : [i]))).toEqual([7, 10]);
    expect(after[7]).toBe(`${SRC}\t/data\tnfs\thard,rw,rsize=32768,wsize=32768\t0 0\t# added by jdoe 2012-03-01, CHG-4411`);
    expect(after[10]).toBe(`# xen-ha: disabled duplicate: ${SRC} /data/ nfs`);

    const text = `written through node1 at ${new Date().toISOString()}`;
    await sh(node1, 'printf %s "$1" > /data/from-node1.txt', [text]);
    expect(await sh(node2, "cat /data/from-node1.txt")).toBe(text);

    const fstab = await fstabState(observer);
    const obs = server.resource(mountProvider);
    const e = await expectFailure(obs.up(mountInputs(observer)));
    expect(e.details).toContain(`mount.nfs: access denied by server while mounting ${SRC}`);
    expect(obs.state).toBeUndefined();
    expect(await mountLine(observer)).toBe("");
    expect(await fstabState(observer)).toBe(fstab);
  });

  test("a second apply is a no-op on the hosts: same mount ID, fstab untouched, no service restart", async () => {
    const pid = await sh(nfs, "cat /run/ganesha.pid");
    for (const h of [node1, node2]) {
      const before = [await mountLine(h), await fstabState(h)];
      const res = mounts[h.name];
      expect((await res.up(mountInputs(h, h === node1 ? { existingContent: "carry" } : {}))).op).toBe("same");
      // Even when the engine calls update, the provider changes nothing.
      const { outputs } = await server.update(res.state!.id, res.state!.outputs, { ...res.state!.inputs, timeoutSeconds: 90 });
      expect(outputs.drift).toEqual([]);
      expect(outputs.backupPath).toBeNull();
      expect([await mountLine(h), await fstabState(h)]).toEqual(before);
    }
    expect(await sh(nfs, "cat /run/ganesha.pid")).toBe(pid);
  });

  test("drift: a hand-edited fstab line and a manual unmount show in refresh; the next up converges", async () => {
    await sh(node1, "sed -i 's|^.* /data nfs .*$|" + `${SRC} /data nfs soft 0 0` + "|' /etc/fstab && umount /data");
    const refreshed = await mounts.node1.refresh();
    expect(refreshed!.outputs).toMatchObject({ mounted: false, inFstab: true, options: ["soft"], mount: null });
    expect(refreshed!.outputs.drift).toEqual(["/data is not mounted", `/etc/fstab says: ${SRC} /data nfs soft 0 0`]);
    const up = await mounts.node1.up(mountInputs(node1, { existingContent: "carry" }));
    expect(up.op).toBe("update");
    expect(up.state.outputs.drift).toEqual([]);
    expect(await mountLine(node1)).toContain(` fuse.nfs ${SRC}`);
    expect(await sh(node1, "grep ' /data ' /etc/fstab")).toBe(RUNBOOK_LINE + "\n");
  });

  test("changed options remount in place (same mount ID)", async () => {
    const id = (await mountLine(node1)).split(" ")[0];
    const ro = ["hard", "ro", "rsize=32768", "wsize=32768"];
    const up = await mounts.node1.up(mountInputs(node1, { existingContent: "carry", options: ro }));
    expect(up.op).toBe("update");
    const line = await mountLine(node1);
    expect(line.split(" ")[0]).toBe(id);
    expect(line.split(" ")[1].split(",")).toContain("ro");
    const back = await mounts.node1.up(mountInputs(node1, { existingContent: "carry" }));
    expect(back.op).toBe("update");
    expect((await mountLine(node1)).split(" ")[1].split(",")).toContain("rw");
  });

  test("delete is refused while a domain's disk is on the share, naming the domain", async () => {
    await sh(node1, "cat > /etc/xen/test01", [], 'name = "test01"\nmemory = 64\ndisk = [ "file:/data/test01.img,xvda,w" ]\nvif = [ "bridge=xenbr0" ]\n');
    await createDomain(node1, "test01");
    try {
      const e = await expectFailure(mounts.node1.destroy());
      expect(e.details).toContain("refusing to unmount");
      expect(e.details).toContain("domain test01 (disk /data/test01.img)");
      expect(mounts.node1.state).toBeDefined();
      expect(await mountLine(node1)).toContain(` fuse.nfs ${SRC}`);
      expect(await sh(node1, "grep -c ' /data ' /etc/fstab")).toBe("1\n");
    } finally {
      await destroyDomain(node1, "test01");
    }
  });

  test("delete is refused while a process uses the mount, naming it", async () => {
    const pid = (await sh(node1, "cd /data && setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!")).trim();
    try {
      const e = await expectFailure(mounts.node1.destroy());
      expect(e.details).toContain(`process ${pid} (sleep) using /data`);
      expect(await mountLine(node1)).toContain(` fuse.nfs ${SRC}`);
    } finally {
      await sh(node1, 'kill "$1"', [pid]);
    }
  });

  test("delete when idle leaves no trace: unmounted, fstab as before, mount point as before", async () => {
    await mounts.node1.destroy();
    expect(await mountLine(node1)).toBe("");
    expect(await sh(node1, "cat /etc/fstab")).toBe(originalFstab.node1);
    expect(await sh(node1, "test -d /data && ls -A /data | wc -l")).toBe("0\n");
    await mounts.node2.destroy();
    expect(await mountLine(node2)).toBe("");
    expect(await sh(node2, "grep -c '^[^#].* /data' /etc/fstab; true")).toBe("0\n");
    // A mount point the resource created is removed again.
    const scratch = server.resource(mountProvider);
    const up = await scratch.up(mountInputs(node2, { mountPoint: "/mnt/xen-ha-scratch" }));
    expect(up.state.outputs.createdMountPoint).toBe(true);
    expect(await sh(node2, "awk '$5 == \"/mnt/xen-ha-scratch\" { print $9 }' /proc/self/mountinfo")).toBe(`${SRC}\n`);
    await scratch.destroy();
    expect(await sh(node2, "test -e /mnt/xen-ha-scratch && echo present || echo gone")).toBe("gone\n");
    expect(await sh(node2, "grep -c xen-ha-scratch /etc/fstab; true")).toBe("0\n");
  });

  test("something else mounted at the mount point: refused by default, replaced only when asked, never a tmpfs", async () => {
    await sh(node2, "mkdir -p /srv/local-data && echo local > /srv/local-data/local.txt && mount --bind /srv/local-data /data");
    try {
      const r = server.resource(mountProvider);
      const e = await expectFailure(r.up(mountInputs(node2)));
      expect(e.details).toMatch(/\/data has \S+ \(\S+\) mounted, not .*NFS cannot switch source with a remount/);
      expect(r.state).toBeUndefined();
      const up = await r.up(mountInputs(node2, { replaceDifferentSource: true }));
      expect(up.state.outputs.drift).toEqual([]);
      expect(await mountLine(node2)).toMatch(new RegExp(` fuse\\.nfs ${SRC.replace(/\./g, "\\.")}\\n$`));
      expect(await sh(node2, "cat /srv/local-data/local.txt")).toBe("local\n");
      await r.destroy();
      expect(await mountLine(node2)).toBe("");

      await sh(node2, "mount -t tmpfs -o size=1m tmpfs /data && echo only-in-memory > /data/note");
      const t = server.resource(mountProvider);
      const refused = await expectFailure(t.up(mountInputs(node2, { replaceDifferentSource: true })));
      expect(refused.details).toContain("/data has tmpfs (tmpfs) mounted: its content lives only in memory");
      expect(await sh(node2, "cat /data/note")).toBe("only-in-memory\n");
    } finally {
      await sh(node2, "while grep -q ' /data ' /proc/self/mountinfo; do umount /data || break; done; rm -rf /srv/local-data");
    }
  });
});
