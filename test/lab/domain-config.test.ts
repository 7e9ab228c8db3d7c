/**
 * XenDomainConfig through Pulumi's real dynamic-provider server against the lab's xm hosts: the runbook's
 * test01 written identically on both nodes and accepted by the simulator's `xm create`; checks against the
 * host before writing; a change to a running domain's file reported, never applied to the domain; adoption;
 * autostart. Everything is checked ON THE HOSTS with the lab's own SSH client.
 */
import { makeProvider } from "../../provider/core/provider";
import { loadInventory, toConnection, type LabHost } from "../../lab/inventory";
import { execFileSync } from "node:child_process";
import { CheckFailedError, ProviderCallError, ProviderServer } from "../support/provider-harness";
import { LabSsh } from "./lab-ssh";

const inv = loadInventory();
const { node1, node2 } = inv.hosts;
const provider = makeProvider("xen-domain-config");
const net = (seg: number, n: number) => `${inv.network.segments[seg].subnet.split(".").slice(0, 3).join(".")}.${inv.network.guestOctets.first + n}`;
const NAME = "dcfg01";

let server: ProviderServer;
const ssh: Record<"node1" | "node2", LabSsh> = {} as never;

async function sh(h: "node1" | "node2", script: string, args: string[] = [], stdin?: string): Promise<string> {
  const r = await ssh[h].sh(script, args, stdin);
  if (r.code !== 0) throw new Error(`${h}: ${script}: exit ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The runbook's test01 (as dcfg01): disk on /data, one vif on each bridge with the guest's addresses. */
function test01(on: LabHost, over: Record<string, unknown> = {}) {
  return {
    connection: toConnection(on),
    name: NAME,
    memory: 128,
    vcpus: 1,
    boot: { kernel: "/boot/vmlinuz", extra: "console=hvc0" },
    disks: [{ path: `/data/${NAME}.img`, vdev: "xvda" }],
    vifs: [
      { mac: "00:16:3e:dc:00:01", bridge: "xenbr0", ip: net(0, 11) },
      { mac: "00:16:3e:dc:00:02", bridge: "xenbr1", ip: net(1, 11) },
    ],
    onCrash: "restart",
    ...over,
  };
}

beforeAll(async () => {
  server = await ProviderServer.start();
  ssh.node1 = await LabSsh.connect(node1);
  ssh.node2 = await LabSsh.connect(node2);
  for (const h of ["node1", "node2"] as const) {
    await sh(h, `xm destroy ${NAME} >/dev/null 2>&1; rm -f /etc/xen/${NAME} /etc/xen/${NAME}.* /etc/xen/auto/${NAME} /etc/xen/adopt01*; truncate -s 16M /data/${NAME}.img`);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  for (const h of ["node1", "node2"] as const) {
    if (!ssh[h]) continue;
    await ssh[h].sh(`xm destroy ${NAME} >/dev/null 2>&1; rm -f /etc/xen/${NAME} /etc/xen/${NAME}.* /etc/xen/auto/${NAME} /etc/xen/adopt01* /data/${NAME}.img`);
    ssh[h].close();
  }
});

/** Established TCP connections to the host's sshd, counted by the host's kernel. */
function sshdConnections(h: LabHost): number {
  const out = execFileSync("ip", ["netns", "exec", h.netns, "ss", "-Htn", "state", "established", `( sport = :${h.port} )`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).length;
}

describe("XenDomainConfig on the lab's xm hosts", () => {
  const r1 = () => server.resource(provider);

  test("bad inputs are refused in check, each field named, without opening an SSH connection", async () => {
    const before = sshdConnections(node2);
    const err = await r1().up(test01(node2, {
      name: "../etc/passwd",
      maxmem: 64,
      disks: [{ path: "/data/a.img", vdev: "xvda" }, { path: "data/b.img", vdev: "xvda" }],
      vifs: [{ mac: "01:00:5e:00:00:01", bridge: "xenbr0" }],
    })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    expect((err as CheckFailedError).failures.map((f) => f.property).sort()).toEqual(["disks[1].path", "disks[1].vdev", "maxmem", "name", "vifs[0].mac"]);
    expect(sshdConnections(node2)).toBe(before);
  }, 60_000);

  test("a disk or bridge missing on the host is refused naming the host and the thing, and nothing is written", async () => {
    const noDisk = await r1().up(test01(node2, { disks: [{ path: "/data/missing.img", vdev: "xvda" }] })).catch((e: unknown) => e);
    expect(noDisk).toBeInstanceOf(ProviderCallError);
    expect((noDisk as Error).message).toContain(`${node2.address}: disk /data/missing.img (disks[0]) does not exist on this host`);
    const noBridge = await r1().up(test01(node2, { vifs: [{ mac: "00:16:3e:dc:00:01", bridge: "xenbr7" }] })).catch((e: unknown) => e);
    expect((noBridge as Error).message).toContain(`${node2.address}: bridge xenbr7 (vifs[0].bridge) does not exist on this host (bridges here: `);
    expect((await ssh.node2.sh(`ls /etc/xen/${NAME}*`)).code).not.toBe(0);
  }, 120_000);

  test("test01 is written identically on both nodes, accepted by xm create, stable on a second apply", async () => {
    const a = r1();
    const b = r1();
    const upA = await a.up(test01(node1));
    const upB = await b.up(test01(node2));
    const f1 = await sh("node1", `cat /etc/xen/${NAME}`);
    expect(await sh("node2", `cat /etc/xen/${NAME}`)).toBe(f1);
    expect(upA.state.outputs).toMatchObject({ configPath: `/etc/xen/${NAME}`, content: f1, drift: [], adopted: false });
    expect(upA.state.outputs).not.toHaveProperty("running");
    expect(upB.state.outputs.content).toBe(f1);
    const created = await ssh.node1.sh(`cd / && xm create ${NAME}`);
    expect(created.stdout).toMatch(new RegExp(`Using config file "/etc/xen/${NAME}".\\nStarted domain ${NAME} \\(id=\\d+\\)`));
    // a second apply (a fresh create against the converged host) writes nothing
    const mtime = await sh("node1", `stat -c %Y.%i /etc/xen/${NAME}`);
    const again = await r1().up(test01(node1));
    expect(again.state.outputs).toMatchObject({ backupPath: null, runningDiffers: [] });
    expect(await sh("node1", `stat -c %Y.%i /etc/xen/${NAME}`)).toBe(mtime);

    // a change to the running domain's file: written, the domain keeps running as it was, the outputs say so
    const id = (await sh("node1", `xm list ${NAME} | awk 'NR==2 {print $2}'`)).trim();
    const up = await a.up(test01(node1, { memory: 256 }));
    expect(up.op).toBe("update");
    expect(await sh("node1", `cat /etc/xen/${NAME}`)).toContain("memory = 256\n");
    expect((await sh("node1", `xm list ${NAME} | awk 'NR==2 {print $2}'`)).trim()).toBe(id);
    expect(up.state.outputs.runningDiffers).toEqual(expect.arrayContaining(["memory: running 128 MiB, file 256 MiB"]));
    expect(up.state.outputs.backupPath).toMatch(new RegExp(`^/etc/xen/${NAME}\\.xen-ha-`));

    // a hand edit shows up as drift on refresh, field by field
    await sh("node1", `sed -i 's/^vcpus = 1$/vcpus = 2/' /etc/xen/${NAME}`);
    const st = await a.refresh();
    expect(st?.outputs).toMatchObject({ vcpus: 2, drift: ["vcpus: the file has 2, wanted 1"] });
    expect((await a.preview(test01(node1, { memory: 256 }))).op).toBe("update");

    await sh("node1", `xm destroy ${NAME}`);
    await a.destroy();
    await b.destroy();
    expect((await ssh.node1.sh(`test -e /etc/xen/${NAME}`)).code).toBe(1);
    expect(await sh("node1", `cat /etc/xen/${NAME}.xen-ha-deleted.bak`)).toContain("vcpus = 2\n");
  }, 300_000);

  test("autostart links the file into /etc/xen/auto and unlinks it", async () => {
    const r = r1();
    await r.up(test01(node1, { autostart: true }));
    expect((await sh("node1", `readlink /etc/xen/auto/${NAME}`)).trim()).toBe(`/etc/xen/${NAME}`);
    await r.up(test01(node1, { autostart: false }));
    expect((await ssh.node1.sh(`test -L /etc/xen/auto/${NAME}`)).code).toBe(1);
    await r.destroy();
  }, 120_000);

  test("an existing file is adopted (drift reported) and its content comes back on delete", async () => {
    const hand = `# written by hand on ${node1.name}\nname = 'adopt01'\nmemory = 64\nkernel = '/boot/vmlinuz'\n`;
    await sh("node1", "cat > /etc/xen/adopt01", [], hand);
    const r = r1();
    const up = await r.up(test01(node1, { name: "adopt01", disks: [], vifs: [] }));
    expect(up.state.outputs).toMatchObject({ adopted: true, previousContent: hand });
    expect(await sh("node1", "cat /etc/xen/adopt01")).toContain('name = "adopt01"\nmemory = 128\n');
    await r.destroy();
    expect(await sh("node1", "cat /etc/xen/adopt01")).toBe(hand);
  }, 120_000);
});
