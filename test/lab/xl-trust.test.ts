/**
 * On a lab instance of its own whose Xen hosts run xl: XenDomainConfig in the xl flavour accepted by
 * `xl create`; XendRelocationConfig refused with a pointer to the SSH trust; XlMigrationTrust through the real
 * provider server: `xl migrate` (which really runs `ssh TARGET xl migrate-receive`) fails before and works
 * after, the key can do nothing else and only from the source, and delete takes back exactly what was added.
 */
import { makeProvider } from "../../provider/core/provider";
import { toConnection, type LabHost } from "../../lab/inventory";
import { ProviderCallError, ProviderServer } from "../support/provider-harness";
import { SimLab } from "./sim-support";

const LAB = `${process.env.XENHA_LAB ?? "default"}-xl`;
const domainConfig = makeProvider("xen-domain-config");
const relocation = makeProvider("xend-relocation-config");
const trust = makeProvider("xl-migration-trust");
const NAME = "xtest01";

let lab: SimLab;
let server: ProviderServer;
let node1: LabHost;
let node2: LabHost;

/** What the trust may touch, on both hosts, to compare before and after. */
async function trustFiles(): Promise<string> {
  const src = await lab.run("node1", "for f in /root/.ssh/known_hosts /root/.ssh/config /root/.ssh/id_xen_migrate_*; do [ -e \"$f\" ] && { echo \"== $f\"; cat \"$f\"; }; done; true");
  const tgt = await lab.run("node2", "for f in /root/.ssh/authorized_keys /etc/ssh/authorized_keys/root /usr/local/sbin/xen-ha-xl-migrate-receive; do [ -e \"$f\" ] && { echo \"== $f\"; cat \"$f\"; }; done; true");
  return src.stdout + tgt.stdout;
}

function config(on: LabHost) {
  return {
    connection: toConnection(on),
    name: NAME,
    flavour: "xl",
    memory: 64,
    boot: { kernel: "/boot/vmlinuz", ramdisk: "/boot/domU.cpio.gz", extra: "console=hvc0 rdinit=/init quiet" },
    disks: [{ path: `/data/${NAME}.img`, vdev: "xvda" }],
    vifs: [{ mac: "00:16:3e:dc:01:01", bridge: "xenbr0", ip: lab.guestIp(21) }],
    onCrash: "destroy",
    extraKeys: { type: "pv" },
  };
}

beforeAll(async () => {
  lab = await SimLab.up(LAB, "xl");
  node1 = lab.host("node1");
  node2 = lab.host("node2");
  server = await ProviderServer.start();
  for (const h of ["node1", "node2"] as const) await lab.must(h, `truncate -s 16M /data/${NAME}.img`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await lab?.down();
}, 120_000);

describe("on xl hosts", () => {
  test("the runbook's domain in the xl flavour is accepted by xl create", async () => {
    const a = await server.resource(domainConfig).up(config(node1));
    const b = await server.resource(domainConfig).up(config(node2));
    expect(b.state.outputs.content).toBe(a.state.outputs.content);
    const r = await lab.run("node1", `xl create /etc/xen/${NAME}`);
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).toContain(`Parsing config from /etc/xen/${NAME}`);
    expect((await lab.must("node1", "xl list")).stdout).toContain(NAME);
  }, 120_000);

  test("XendRelocationConfig is refused on an xl host, in create and in preview, pointing to the SSH trust, and writes nothing", async () => {
    const err = await server.resource(relocation).up({ connection: toConnection(node1), hostsAllow: [node2.address] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as Error).message).toMatch(/runs the xl toolstack .* Use XlMigrationTrust/);
    expect((await lab.run("node1", "test -e /etc/xen/xend-config.sxp")).code).toBe(1);
    // and in preview: a resource recorded earlier (say, before the host moved to xl) fails at check time,
    // from read-only facts, before any update runs (not in Diff, which a refresh also runs)
    const recorded = { connection: toConnection(node1), hostsAllow: [node2.address] };
    const checked = (await server.check(relocation, {}, recorded)).inputs;
    const res = server.resource(relocation, { id: `${node1.address}:/etc/xen/xend-config.sxp`, inputs: checked, outputs: checked });
    const previewErr = await res.preview({ ...recorded, port: 8012 }).catch((e: unknown) => e);
    expect(previewErr).toBeInstanceOf(ProviderCallError);
    expect((previewErr as ProviderCallError).method).toBe("Check");
    expect((previewErr as Error).message).toMatch(/runs the xl toolstack .* Use XlMigrationTrust/);
    expect((await lab.run("node1", "test -e /etc/xen/xend-config.sxp")).code).toBe(1);
  }, 60_000);

  test("xl migrate fails without the trust, works with it; the key runs nothing else and only from the source; delete takes it all back", async () => {
    const before = await trustFiles();
    const refused = await lab.run("node1", `xl migrate ${NAME} ${node2.address}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/migration transport process \[\d+\] exited with error status 255|Host key verification failed|Permission denied/);
    expect((await lab.must("node1", "xl list")).stdout).toContain(NAME);

    const t = server.resource(trust);
    const up = await t.up({ source: toConnection(node1), target: toConnection(node2) });
    const o = up.state.outputs as Record<string, unknown>;
    expect(o).toMatchObject({ keyCreated: true, fromAddresses: [node1.address], sshConfigAdded: true, wrapperInstalled: true });
    expect(String(o.authorizedLine)).toMatch(/^restrict,command="\/usr\/local\/sbin\/xen-ha-xl-migrate-receive",from="[\d.]+" ssh-ed25519 /);
    // the private key never left the source: only its public half is in the outputs
    // (the key-specific end of its base64 body; the start is the same header in every OpenSSH key)
    const body = (await lab.must("node1", `sed '1d;$d' ${String(o.privateKeyPath)} | tr -d '\\n'`)).stdout.trim();
    expect(body.length).toBeGreaterThan(200);
    expect(JSON.stringify(o)).not.toContain(body.slice(-80, -20));

    // a second apply (a fresh create) changes nothing
    const snapshot = await trustFiles();
    await server.resource(trust).up({ source: toConnection(node1), target: toConnection(node2) });
    expect(await trustFiles()).toBe(snapshot);

    const moved = await lab.run("node1", `xl migrate ${NAME} ${node2.address}`);
    expect(moved.stdout + moved.stderr).toContain("Migration successful.");
    expect(moved.code).toBe(0);
    expect((await lab.must("node2", "xl list")).stdout).toContain(NAME);
    expect((await lab.must("node1", "xl list")).stdout).not.toContain(NAME);

    // anything else with that key is refused by the forced command or by restrict
    const key = String(o.privateKeyPath);
    const withKey = (extra: string) => lab.run("node1", `ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes ${extra}`);
    for (const cmd of ["id", "xl list", "'xl migrate-receive; id'", "'sh -c id'"]) {
      const r = await withKey(`${node2.address} ${cmd}`);
      expect({ cmd, code: r.code, out: r.stdout }).toEqual({ cmd, code: 1, out: "" });
      expect(r.stderr).toContain("xen-ha: this key may only run xl migrate-receive; refused");
    }
    const shell = await withKey(`-tt ${node2.address} </dev/null`);
    expect({ code: shell.code === 0 ? 0 : "failed", stderr: shell.stderr }).toEqual({ code: "failed", stderr: expect.stringMatching(/xen-ha: this key may only run|PTY allocation request failed/) });
    const forward = await withKey(`-W 127.0.0.1:22 ${node2.address}`);
    expect(forward.code).not.toBe(0);
    expect(forward.stderr).toMatch(/administratively prohibited|open failed/);
    // the same key from another host is refused by from=
    const priv = await lab.must("node1", `cat ${key}`); // a test copying the key, to show from= at work
    await lab.writeFile("observer", "/tmp/stolen-key", priv.stdout);
    const stolen = await lab.run("observer", `chmod 600 /tmp/stolen-key; ssh -i /tmp/stolen-key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no root@${node2.address} xl migrate-receive </dev/null; s=$?; rm -f /tmp/stolen-key; exit $s`);
    expect(stolen.code).toBe(255);
    expect(stolen.stderr).toMatch(/Permission denied/);

    const refreshed = await t.refresh();
    expect(refreshed?.outputs.drift).toEqual([]);

    await t.destroy();
    expect(await trustFiles()).toBe(before);
    const again = await lab.run("node2", `xl migrate ${NAME} ${node1.address}`);
    expect(again.code).not.toBe(0);
  }, 300_000);
});
