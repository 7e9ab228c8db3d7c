/**
 * The xm/xend simulator on a lab of its own: outputs against the real formats, xend's config rules, the
 * relocation server and hosts-allow, domain life cycle, live migration with its intermediate names, every
 * fault's final state, and the ping gap seen from observer during a migration.
 */
import { infoKeys, infoMap, XM_INFO_KEYS, XM_LIST_HEADER, XM_LIST_ROW } from "../unit/sim/expectations";
import { listedNames, listedRows, pingDuringMigration, SimLab, waitFor } from "./sim-support";

const LAB = process.env.XENHA_SIM_XM_LAB ?? "simtest-xm";
let lab: SimLab;
let defaultConfig = "";

/** Runbook step 5: relocation server on, port 8002 on all addresses, every host allowed. */
const open = (cfg: string): string => cfg
  .replace(/^\(xend-relocation-hosts-allow '\^localhost.*$/m, "#$&")
  .replace(/^#\(xend-relocation-hosts-allow ''\)$/m, "(xend-relocation-hosts-allow '')")
  .replace(/^#\(xend-relocation-port 8002\)$/m, "(xend-relocation-port 8002)");

function domainConfig(): string {
  return [
    'name = "test01"', "memory = 128", "vcpus = 1", 'kernel = "/boot/vmlinuz-2.6.18-308.el5xen"',
    'disk = [ "file:/data/test01.img,xvda,w" ]',
    `vif = [ "ip=${lab.guestIp(0)},bridge=xenbr0,mac=00:16:3e:5a:00:01", "ip=${lab.guestIp(0, 1)},bridge=xenbr1" ]`, "",
  ].join("\n");
}

async function xendConfig(h: "node1" | "node2", text: string): Promise<number> {
  await lab.writeFile(h, "/etc/xen/xend-config.sxp", text);
  return (await lab.run(h, "service xend restart")).code;
}

async function names(h: "node1" | "node2"): Promise<string[]> {
  return listedNames((await lab.must(h, "xm list")).stdout);
}

/** test01 running on node1 only, both xends up with the open config, no faults. */
async function reset(): Promise<void> {
  for (const h of ["node1", "node2"] as const) {
    await lab.faults(h, {});
    await lab.settings(h, { copyMsPerMiB: 2, copyMinMs: 400, streamTimeoutMs: 4000 });
    await lab.must(h, "truncate -s 16M /data/test01.img");
    lab.netUp(h);
    await xendConfig(h, open(defaultConfig));
  }
  if ((await names("node2")).includes("test01")) await lab.must("node2", "xm destroy test01");
  if (!(await names("node1")).includes("test01")) await lab.must("node1", "xm create test01");
}

beforeAll(async () => {
  lab = await SimLab.up(LAB, "xm");
  defaultConfig = await lab.readFile("node1", "/etc/xen/xend-config.sxp");
  for (const h of ["node1", "node2"] as const) {
    await lab.writeFile(h, "/etc/xen/test01", domainConfig());
    await lab.must(h, "truncate -s 16M /data/test01.img");
  }
}, 180000);

afterAll(async () => {
  await lab?.down();
}, 120000);

describe("xend and its config", () => {
  test("the host starts xend at boot from the upstream 4.1 config; relocation listens on 8002", async () => {
    expect(defaultConfig).toContain("(xend-relocation-hosts-allow '^localhost$ ^localhost\\\\.localdomain$')");
    expect((await lab.run("node1", "service xend status")).code).toBe(0);
    expect((await lab.must("node1", "ss -ltnH")).stdout).toMatch(/:8002\b/);
  });

  test("without xend every xm command fails like the real one", async () => {
    await lab.must("node1", "service xend stop");
    for (const cmd of ["xm list", "xm info", "xm migrate -l test01 node2"]) {
      const r = await lab.run("node1", cmd);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("Error: Unable to connect to xend: No such file or directory. Is xend running?\n");
    }
    expect((await lab.run("node1", "service xend status")).code).toBe(3);
    expect((await lab.run("node1", "service xend start")).code).toBe(0);
  });

  test("an unparseable file stops xend, with the reason in xend.log", async () => {
    expect(await xendConfig("node1", defaultConfig + "\n(xend-relocation-port 8002\n")).toBe(1);
    expect(await lab.readFile("node1", "/var/log/xen/xend.log")).toContain("Reading config file /etc/xen/xend-config.sxp: unexpected EOF");
    expect((await lab.run("node1", "xm list")).code).toBe(1);
    expect(await xendConfig("node1", "(xend-relocation-server maybe)\n" + defaultConfig)).toBe(1);
    expect(await lab.readFile("node1", "/var/log/xen/xend.log"))
      .toContain("Exception starting xend (invalid xend config xend-relocation-server: expected bool: maybe)");
    expect(await xendConfig("node1", defaultConfig)).toBe(0);
  });

  test("the first active entry wins: an earlier 'no' keeps the relocation server off", async () => {
    await reset();
    expect(await xendConfig("node2", "(xend-relocation-server no)\n" + open(defaultConfig))).toBe(0);
    expect((await lab.must("node2", "ss -ltnH")).stdout).not.toMatch(/:8002\b/);
    const r = await lab.run("node1", `xm migrate -l test01 ${lab.host("node2").address}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: can't connect: (111, 'Connection refused')\n");
    expect(r.stdout).toMatch(/^Usage: xm migrate <Domain> <Host>/);
    expect(await names("node1")).toEqual(["test01"]);
  });

  test("port and address: the server listens where the config says", async () => {
    const addr = lab.host("node2").address;
    expect(await xendConfig("node2", open(defaultConfig).replace("(xend-relocation-port 8002)", "(xend-relocation-port 8102)")
      .replace("#(xend-relocation-address '')", `(xend-relocation-address '${addr}')`))).toBe(0);
    const ss = (await lab.must("node2", "ss -ltnH")).stdout;
    expect(ss).toContain(`${addr}:8102`);
    expect(ss).not.toMatch(/:8002\b/);
    // 4.1 also takes an interface name
    expect(await xendConfig("node2", open(defaultConfig).replace("#(xend-relocation-address '')", "(xend-relocation-address 'xenbr1')"))).toBe(0);
    expect((await lab.must("node2", "ss -ltnH")).stdout).toContain(`${lab.host("node2").address2}:8002`);
  });

  test("an address xend cannot bind stops it: Exception starting xend in xend.log, the init script fails", async () => {
    expect(await xendConfig("node2", open(defaultConfig).replace("#(xend-relocation-address '')", "(xend-relocation-address '198.18.254.254')"))).toBe(1);
    expect(await lab.readFile("node2", "/var/log/xen/xend.log")).toContain("ERROR (SrvDaemon:349) Exception starting xend ((99, 'Cannot assign requested address'))");
    expect((await lab.run("node2", "xm list")).code).toBe(1);
    expect(await xendConfig("node2", open(defaultConfig))).toBe(0);
  });
});

describe("xm commands against the real formats", () => {
  beforeAll(reset, 60000);

  test("xm list: the real header and row layout; test01 with its memory and state", async () => {
    const out = (await lab.must("node1", "xm list")).stdout.split("\n");
    expect(out[0]).toBe(XM_LIST_HEADER);
    for (const l of out.slice(1, -1)) expect(l).toMatch(XM_LIST_ROW);
    const rows = listedRows(out.join("\n"));
    expect(rows.map((r) => [r.name, r.mem, r.vcpus, r.state])).toEqual([["Domain-0", 1024, 2, "r-----"], ["test01", 128, 1, "-b----"]]);
    const one = await lab.run("node1", "xm list test01");
    expect(one.stdout.split("\n")).toHaveLength(3);
    const none = await lab.run("node1", "xm list nosuch");
    expect([none.code, none.stderr]).toEqual([3, "Error: Domain 'nosuch' does not exist.\n"]);
  });

  test("xm info: real keys in order; free memory drops by the domain's memory", async () => {
    const before = (await lab.must("node1", "xm info")).stdout;
    expect(infoKeys(before).filter((k) => XM_INFO_KEYS.includes(k))).toEqual(XM_INFO_KEYS);
    for (const l of before.trim().split("\n")) expect(l.indexOf(":")).toBe(23);
    const free0 = Number(infoMap(before).free_memory);
    await lab.must("node1", "xm destroy test01");
    const free1 = Number(infoMap((await lab.must("node1", "xm info")).stdout).free_memory);
    expect(free1 - free0).toBe(128);
    expect(infoMap(before).total_memory).toBe("4096");
    await lab.must("node1", "xm create test01");
  });

  test("xm list -l: sxp with the domain's devices", async () => {
    const out = (await lab.must("node1", "xm list -l test01")).stdout;
    expect(out).toMatch(/^\(domain\n {4}\(domid \d+\)\n/);
    expect(out).toContain("    (name test01)\n");
    expect(out).toContain("            (uname file:/data/test01.img)\n");
    expect(out).toContain(`            (ip ${lab.guestIp(0)})\n`);
    expect(out.trimEnd().endsWith(")")).toBe(true);
  });

  test("xm create: searches . then /etc/xen, refuses a duplicate, and checks disks and bridges", async () => {
    const dup = await lab.run("node1", "cd / && xm create test01");
    expect(dup.stdout).toMatch(/^Using config file "\/etc\/xen\/test01"\.\n/);
    expect(dup.stderr).toMatch(/^Error: Domain 'test01' already exists with ID '\d+'\n$/);
    expect(dup.code).toBe(1);
    await lab.writeFile("node1", "/root/web1", 'name = "web1"\nmemory = 64\ndisk = [ "file:/data/nosuch.img,xvda,w" ]\n');
    const local = await lab.run("node1", "cd /root && xm create web1");
    expect(local.stdout).toMatch(/^Using config file "\.\/web1"\.\n/);
    expect(local.stderr).toBe("Error: Device 51712 (vbd) could not be connected. /data/nosuch.img does not exist.\n");
    await lab.writeFile("node1", "/root/web2", 'name = "web2"\nmemory = 64\nvif = [ "bridge=xenbr9" ]\n');
    const br = await lab.run("node1", "cd /root && xm create web2");
    expect(br.stderr).toBe("Error: Device 0 (vif) could not be connected. Could not find bridge device xenbr9\n");
    const missing = await lab.run("node1", "cd /root && xm create nosuch");
    expect([missing.code, missing.stderr]).toEqual([1, 'Error: Cannot open config file "nosuch"\n']);
    await lab.writeFile("node1", "/root/big", 'name = "big"\nmemory = 8192\n');
    const big = await lab.run("node1", "cd /root && xm create big");
    expect(big.stderr).toMatch(/^Error: I need 8388608 KiB, but dom0_min_mem is 200704 and shrinking to 200704 KiB would leave only \d+ KiB free\.\n$/);
  });

  test("shutdown -w and destroy; domains survive an xend restart", async () => {
    await lab.must("node1", "cd /root && printf 'name = \"tmp1\"\\nmemory = 32\\n' > tmp1 && xm create tmp1");
    await lab.must("node1", "service xend restart");
    expect(await names("node1")).toEqual(["test01", "tmp1"]);
    const sd = await lab.must("node1", "xm shutdown -w tmp1");
    expect(sd.stdout).toBe("Domain tmp1 terminated\nAll domains terminated\n");
    expect(await names("node1")).toEqual(["test01"]);
    const gone = await lab.run("node1", "xm destroy tmp1");
    expect([gone.code, gone.stderr]).toEqual([3, "Error: Domain 'tmp1' does not exist.\n"]);
  });

  test("every toolstack command is in the simulator's own log", async () => {
    const log = await lab.commandLog("node1");
    expect(log.some((e) => e.event === "exit" && e.tool === "xm" && e.argv[0] === "shutdown" && e.code === 0)).toBe(true);
  });
});

describe("live migration", () => {
  beforeEach(reset, 60000);

  test("rejected by hosts-allow: accepted, logged, closed; the domain keeps running on the source", async () => {
    expect(await xendConfig("node2", defaultConfig)).toBe(0);
    const r = await lab.run("node1", `xm migrate -l test01 ${lab.host("node2").address}`);
    expect([r.code, r.stderr]).toEqual([1, "Error: [Errno 32] Broken pipe\n"]);
    expect(await lab.readFile("node2", "/var/log/xen/xend.log"))
      .toContain(`WARNING (connection:98) Rejected connection from ${lab.host("node1").address} (node1).`);
    expect(await names("node1")).toEqual(["test01"]);
    expect(await names("node2")).toEqual([]);
  });

  test("success: migrating-NAME on the source and NAME paused on the target while it copies, then a new ID there", async () => {
    await lab.settings("node1", { copyMsPerMiB: 25 });
    const mig = lab.run("node1", `xm migrate -l test01 ${lab.host("node2").address}`);
    const src = await waitFor(() => names("node1"), (n) => n.includes("migrating-test01"), 5000, 20);
    expect(src).toEqual(["migrating-test01"]);
    const dst = await waitFor(async () => listedRows((await lab.must("node2", "xm list")).stdout), (r) => r.some((x) => x.name === "test01"), 5000, 20);
    expect(dst.find((x) => x.name === "test01")?.state).toBe("--p---");
    const r = await mig;
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "", ""]);
    expect(await names("node1")).toEqual([]);
    const after = listedRows((await lab.must("node2", "xm list")).stdout).find((x) => x.name === "test01");
    expect(after?.state).toBe("-b----");
    expect(after?.time).toBeLessThan(1);
    expect(after?.id).toBeGreaterThan(0);
    await lab.must("node2", "xm migrate -l test01 node1");
    expect(await names("node1")).toEqual(["test01"]);
  });

  test("fault: disk missing on the target -> error from the target, domain still running on the source", async () => {
    await lab.must("node2", "rm /data/test01.img");
    const r = await lab.run("node1", `xm migrate -l test01 ${lab.host("node2").address}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: Device 51712 (vbd) could not be connected. /data/test01.img does not exist. (from ${lab.host("node2").address})\n`);
    expect(await names("node1")).toEqual(["test01"]);
    expect(await names("node2")).toEqual([]);
  });

  test("fault: target short of memory -> balloon error from the target, domain still on the source", async () => {
    await lab.faults("node2", { reserveMemoryMiB: 3000 });
    const free = Number(infoMap((await lab.must("node2", "xm info")).stdout).free_memory);
    expect(free).toBe(4096 - 1024 - 3000);
    const r = await lab.run("node1", "xm migrate -l test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: I need 131072 KiB, but dom0_min_mem is 200704 and shrinking to 200704 KiB would leave only ${free * 1024} KiB free. (from node2)\n`);
    expect(await names("node1")).toEqual(["test01"]);
  });

  test("fault: target xend killed mid-migration -> source keeps the domain; target has none after restart", async () => {
    await lab.faults("node2", { killXendAtPercent: 50 });
    const r = await lab.run("node1", "xm migrate -l test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: \/usr\/lib\/xen\/bin\/xc_save \d+ \d+ 0 0 1 failed\n$/);
    expect(await names("node1")).toEqual(["test01"]);
    expect((await lab.run("node2", "service xend status")).code).toBe(3);
    await lab.faults("node2", {});
    await lab.must("node2", "service xend start");
    expect(await names("node2")).toEqual([]);
  });

  test("fault: source host gone (network down mid-copy) -> the target drops the incoming domain, the source keeps it", async () => {
    await lab.faults("node1", { networkDownAtPercent: 30 });
    const r = lab.inHost("node1", `xm migrate -l test01 ${lab.host("node2").address}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: \/usr\/lib\/xen\/bin\/xc_save \d+ \d+ 0 0 1 failed\n$/);
    expect(lab.inHost("node1", "xm list").stdout).toMatch(/\ntest01 /);
    expect(await waitFor(() => names("node2"), (n) => n.length === 0, 10000)).toEqual([]);
    lab.netUp("node1");
  });
});

describe("ping during a migration", () => {
  beforeAll(reset, 60000);

  test("observer pings the guest every 10 ms: answers before and after, the gap is short", async () => {
    const ip = lab.guestIp(0);
    expect((await lab.run("observer", `ping -c 1 -W 2 ${ip}`)).code).toBe(0);
    const { code, replies, t0, t1, lost } = await pingDuringMigration(lab, ip, `xm migrate -l test01 ${lab.host("node2").address}`, "xm migrate -l");
    expect(code).toBe(0);
    // the guest answered before the migration started and after it ended (ping -D stamps use the same clock)
    expect(replies.some((r) => r.t < t0)).toBe(true);
    expect(replies.some((r) => r.t > t1)).toBe(true);
    expect(lost).toBeLessThan(100); // the vifs move within the pause: never an ARP-expiry outage (~20 s)
    expect(await names("node2")).toEqual(["test01"]);
  });
});

describe("boot", () => {
  test("a reboot stops the domains; xendomains starts /etc/xen/auto/* at boot", async () => {
    await reset();
    await lab.must("node1", "mkdir -p /etc/xen/auto && ln -sf ../test01 /etc/xen/auto/test01");
    await lab.writeFile("node1", "/root/tmp2", 'name = "tmp2"\nmemory = 32\n');
    await lab.must("node1", "cd /root && xm create tmp2");
    await lab.reboot("node1");
    expect((await lab.run("node1", "service xend status")).code).toBe(0);
    expect(await names("node1")).toEqual(["test01"]);
    expect((await lab.run("observer", `ping -c 1 -W 2 ${lab.guestIp(0)}`)).code).toBe(0);
    await lab.must("node1", "rm /etc/xen/auto/test01");
  });
});
