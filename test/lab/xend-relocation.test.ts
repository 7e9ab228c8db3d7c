/**
 * XendRelocationConfig through Pulumi's real dynamic-provider server against the lab's xm hosts (the
 * simulator's xend reads xend-config.sxp with xend's rules, listens, and enforces hosts-allow). Everything is
 * checked ON THE HOSTS with the lab's own SSH client, and the effective values with the simulator's own reader.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeProvider } from "../../provider/core/provider";
import { loadInventory, toConnection } from "../../lab/inventory";
import { readXendConfig } from "../../lab/sim/xend-config";
import { parseSxp } from "../../provider/formats/sxp";
import { ProviderCallError, ProviderServer } from "../support/provider-harness";
import { LabSsh } from "./lab-ssh";

const inv = loadInventory();
const { node1, node2 } = inv.hosts;
const provider = makeProvider("xend-relocation-config");
const FIXTURES = join(__dirname, "../fixtures/xend-config");
const samples = readdirSync(FIXTURES).filter((f) => f.startsWith("xend-config.sxp."));
const guestIp = `${inv.network.segments[0].subnet.split(".").slice(0, 3).join(".")}.${inv.network.guestOctets.first + 7}`;
const DOMAIN = "reloc01";

let server: ProviderServer;
const ssh: Record<"node1" | "node2", LabSsh> = {} as never;
const originals: Record<string, string> = {};

async function sh(h: "node1" | "node2", script: string, args: string[] = [], stdin?: string): Promise<string> {
  const r = await ssh[h].sh(script, args, stdin);
  if (r.code !== 0) throw new Error(`${h}: ${script}: exit ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const readConfig = (h: "node1" | "node2") => sh(h, "cat /etc/xen/xend-config.sxp");
const backups = (h: "node1" | "node2") => sh(h, "ls /etc/xen/ | grep -c '^xend-config.sxp.xen-ha-' || true").then((s) => Number(s.trim()));
const xendPid = (h: "node1" | "node2") => sh(h, "cat /var/run/xend.pid").then((s) => s.trim());

/** Puts a config on a host and restarts xend with it, as an operator would before the resource runs. */
async function install(h: "node1" | "node2", text: string, mayFail = false): Promise<void> {
  const restart = mayFail ? "service xend restart >/dev/null 2>&1; true" : "service xend restart >/dev/null";
  await sh(h, `cat > /etc/xen/xend-config.sxp && rm -f /etc/xen/xend-config.sxp.xen-ha-* && ${restart}`, [], text);
}

function inputs(on: typeof node1, other: typeof node1, over: Record<string, unknown> = {}) {
  return { connection: toConnection(on), hostsAllow: [other.address, other.name], ...over };
}

beforeAll(async () => {
  server = await ProviderServer.start();
  ssh.node1 = await LabSsh.connect(node1);
  ssh.node2 = await LabSsh.connect(node2);
  for (const h of ["node1", "node2"] as const) {
    originals[h] = await readConfig(h);
    await sh(h, "truncate -s 16M /data/reloc01.img");
    await sh(h, `xm destroy ${DOMAIN} >/dev/null 2>&1; true`);
  }
  await sh("node1", "cat > /etc/xen/reloc01", [], [
    `name = "${DOMAIN}"`, "memory = 64", 'kernel = "/boot/vmlinuz"', 'disk = [ "file:/data/reloc01.img,xvda,w" ]',
    `vif = [ "mac=00:16:3e:12:00:07,bridge=xenbr0,ip=${guestIp}" ]`, "",
  ].join("\n"));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  for (const h of ["node1", "node2"] as const) {
    if (!ssh[h]) continue;
    await ssh[h].sh(`xm destroy ${DOMAIN} >/dev/null 2>&1; rm -f /etc/xen/reloc01 /data/reloc01.img`);
    if (originals[h] !== undefined) await install(h, originals[h]);
    ssh[h].close();
  }
});

describe("XendRelocationConfig on the lab's xm hosts", () => {
  test("every sample and the Red Hat style variant: effective values as the simulator's xend reads them, comments kept, second apply byte-identical", async () => {
    for (const f of samples) {
      const text = readFileSync(join(FIXTURES, f), "utf8");
      await install("node1", text);
      const res = server.resource(provider);
      const up = await res.up(inputs(node1, node2));
      const after = await readConfig("node1");
      // the simulator's own reading of the file, and the running xend
      const o = readXendConfig(after);
      expect({ f, server: o.relocationServer, port: o.relocationPort, address: o.relocationAddress, allow: o.relocationHostsAllow }).toEqual({
        f, server: true, port: 8002, address: "", allow: `^${node2.address.replace(/\./g, "\\.")}$ ^${node2.name}$`,
      });
      expect(await sh("node1", "ss -Hltn 'sport = :8002'")).toMatch(/:8002\b/);
      expect(up.state.outputs).toMatchObject({ xendRunning: true, drift: [] });
      // every comment of the original is still there
      const comments = parseSxp(after).comments.map((c) => c.text);
      for (const c of parseSxp(text).comments) expect(comments).toContain(c.text);
      // a second apply (a fresh create against the converged host) writes nothing and does not restart xend
      const pid = await xendPid("node1");
      const n = await backups("node1");
      const again = await server.resource(provider).up(inputs(node1, node2));
      expect(await readConfig("node1")).toBe(after);
      expect(await xendPid("node1")).toBe(pid);
      expect(await backups("node1")).toBe(n);
      expect(again.state.outputs).toMatchObject({ xendRestarted: false, backupPath: null });
      expect(up.state.outputs.previous).toMatchObject({ server: f !== "xend-config.sxp.redhat-style" && !f.endsWith("messy") });
    }
  }, 300_000);

  test("no file at all (xend's built-in defaults): created, and removed again by delete", async () => {
    await sh("node1", "rm -f /etc/xen/xend-config.sxp /etc/xen/xend-config.sxp.xen-ha-*; service xend restart >/dev/null");
    const res = server.resource(provider);
    const up = await res.up(inputs(node1, node2));
    expect(up.state.outputs).toMatchObject({ createdFile: true, previous: { server: false, hostsAllow: "" } });
    expect(readXendConfig(await readConfig("node1")).relocationServer).toBe(true);
    expect(await sh("node1", "ss -Hltn 'sport = :8002'")).toMatch(/:8002\b/);
    await res.destroy();
    expect((await ssh.node1.sh("test -e /etc/xen/xend-config.sxp")).code).toBe(1);
    expect(await sh("node1", "ss -Hltn 'sport = :8002'")).toBe("");
  }, 300_000);

  test("a file xend cannot parse is refused before anything is written", async () => {
    const broken = originals.node1.replace("(xend-relocation-server yes)", "(xend-relocation-server yes");
    await install("node1", broken, true);
    const n = await backups("node1");
    const err = await server.resource(provider).up(inputs(node1, node2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as Error).message).toMatch(/xend-config\.sxp line \d+: unexpected EOF.*left untouched.*nothing was changed/s);
    expect(await readConfig("node1")).toBe(broken);
    expect(await backups("node1")).toBe(n);
  }, 300_000);

  test("xend failing with the new settings (an address it cannot bind): the previous file is restored and xend runs again, with xend.log in the error", async () => {
    await install("node1", originals.node1);
    const err = await server.resource(provider).up(inputs(node1, node2, { address: "198.18.254.254" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/xend did not come up with the new relocation settings/);
    // xend dies when it cannot bind its relocation socket (or, in some versions, runs without it): either way
    expect(msg).toMatch(/xend does not answer `xm list`|does not listen on 198\.18\.254\.254:8002/);
    expect(msg).toMatch(/the previous \/etc\/xen\/xend-config\.sxp was restored and xend runs again with it/);
    expect(msg).toMatch(/Cannot assign requested address|Unable to bind relocation socket on 198\.18\.254\.254:8002/);
    expect(await readConfig("node1")).toBe(originals.node1);
    expect((await ssh.node1.sh("xm list")).code).toBe(0);
  }, 300_000);

  test("a restart that never happens (the init script fails, the old xend keeps running): the run says so, and the next one restarts xend although the file looks converged", async () => {
    const marker = () => ssh.node1.sh("cat /var/run/xen-ha/xend-restart-pending").then((r) => (r.code === 0 ? r.stdout : null));
    await install("node1", originals.node1);
    // relocation on and listening already, so that only hosts-allow changes: nothing a listener shows
    await server.resource(provider).up(inputs(node1, node2, { hostsAllow: [node2.address] }));
    const init = await sh("node1", "cat /etc/init.d/xend");
    const pid0 = await xendPid("node1");
    await sh("node1", "cat > /etc/init.d/xend", [], init.replace("#!/bin/sh\n", '#!/bin/sh\n[ "$1" = restart ] && { echo "xend restart refused (test)" >&2; exit 1; }\n'));
    try {
      const err = await server.resource(provider).up(inputs(node1, node2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderCallError);
      expect((err as Error).message).toMatch(new RegExp(`xend was not restarted on ${node1.address}: service xend restart failed: .*the same xend \\(pid ${pid0}\\) still runs`, "s"));
      expect(await xendPid("node1")).toBe(pid0);
      expect(readXendConfig(await readConfig("node1")).relocationHostsAllow).toContain(node2.name); // the new file is in place
      expect(await marker()).toBe(`xend-pid=${pid0}\nconfig=/etc/xen/xend-config.sxp\n`);
    } finally {
      await sh("node1", "cat > /etc/init.d/xend", [], init);
    }
    // the file already says what the inputs say: only the marker tells that xend still runs the old settings
    const again = await server.resource(provider).up(inputs(node1, node2));
    expect(again.state.outputs).toMatchObject({ xendRestarted: true, drift: [] });
    const pid1 = await xendPid("node1");
    expect(pid1).not.toBe(pid0);
    expect(await marker()).toBeNull();
    const third = await server.resource(provider).up(inputs(node1, node2));
    expect(third.state.outputs).toMatchObject({ xendRestarted: false });
    expect(await xendPid("node1")).toBe(pid1);
  }, 300_000);

  test("xm migrate -l fails while relocation is off on the target, and works once both nodes are configured", async () => {
    const redhat = readFileSync(join(FIXTURES, "xend-config.sxp.redhat-style"), "utf8");
    await install("node1", redhat);
    await install("node2", redhat);
    await sh("node1", `xm create ${DOMAIN} >/dev/null`);
    const before = await ssh.node1.sh(`xm migrate -l ${DOMAIN} ${node2.address}`);
    expect(before.code).toBe(1);
    expect(before.stderr + before.stdout).toMatch(/Error: can't connect: \(111, 'Connection refused'\)/);

    const r1 = server.resource(provider);
    const r2 = server.resource(provider);
    await r1.up(inputs(node1, node2));
    await r2.up(inputs(node2, node1));
    const ok = await ssh.node1.sh(`xm migrate -l ${DOMAIN} ${node2.address}`);
    expect(ok).toMatchObject({ code: 0, stdout: "" });
    expect(await sh("node2", "xm list")).toContain(DOMAIN);
    expect(await sh("node1", "xm list")).not.toContain(DOMAIN);

    // hosts-allow is enforced: node1 now only accepts the observer, so node2 cannot send it back
    await r1.up(inputs(node1, inv.hosts.observer));
    const refused = await ssh.node2.sh(`xm migrate -l ${DOMAIN} ${node1.address}`);
    expect(refused.code).toBe(1);
    expect(await sh("node1", "tail -n 20 /var/log/xen/xend.log")).toContain(`Rejected connection from ${node2.address}`);
    expect(await sh("node2", "xm list")).toContain(DOMAIN);

    // delete restores the settings found before create (Red Hat style: relocation off)
    await r1.destroy();
    await r2.destroy();
    for (const h of ["node1", "node2"] as const) {
      expect(readXendConfig(await readConfig(h)).relocationServer).toBe(false);
      expect(await sh(h, "ss -Hltn 'sport = :8002'")).toBe("");
    }
  }, 300_000);
});
