/**
 * The xl simulator on a lab of its own (both Xen hosts on xl): outputs against the real 4.17 transcripts,
 * create/shutdown/destroy messages and exit codes, migration over real ssh between the hosts with the
 * intermediate names, every fault's final state, and the ping gap during a migration.
 */
import { infoKeys, XL_INFO_KEYS, XL_LIST_HEADER, XL_LIST_ROW } from "../unit/sim/expectations";
import { listedNames, listedRows, pingDuringMigration, SimLab, waitFor } from "./sim-support";

const LAB = process.env.XENHA_SIM_XL_LAB ?? "simtest-xl";
const CFG = "/etc/xen/test01.cfg";
let lab: SimLab;

function domainConfig(): string {
  return [
    'name = "test01"', 'type = "pv"', "memory = 128", "vcpus = 1", 'kernel = "/boot/vmlinuz"',
    'disk = [ "file:/data/test01.img,xvda,w" ]',
    `vif = [ "ip=${lab.guestIp(1)},bridge=xenbr0,mac=00:16:3e:5a:00:02", "ip=${lab.guestIp(1, 1)},bridge=xenbr1" ]`, "",
  ].join("\n");
}

async function names(h: "node1" | "node2"): Promise<string[]> {
  return listedNames((await lab.must(h, "xl list")).stdout);
}

/** Lets root of `from` run `ssh <to> ...` without prompts (what the library's xl trust resource sets up). */
async function trust(from: "node1" | "node2", to: "node1" | "node2"): Promise<void> {
  const pub = (await lab.must(from, "mkdir -p -m 700 /root/.ssh; test -f /root/.ssh/id_ed25519 || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519; cat /root/.ssh/id_ed25519.pub")).stdout.trim();
  await lab.must(to, 'mkdir -p -m 700 /root/.ssh && touch /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys && (grep -qxF "$1" /root/.ssh/authorized_keys || echo "$1" >> /root/.ssh/authorized_keys)', [pub]);
  const t = lab.host(to);
  await lab.must(from, 'grep -q "^$1 " /root/.ssh/known_hosts 2>/dev/null || ssh-keyscan -t ed25519 "$1" "$2" 2>/dev/null >> /root/.ssh/known_hosts', [t.address, t.name]);
}

async function dropTrust(): Promise<void> {
  for (const h of ["node1", "node2"] as const) await lab.must(h, "rm -f /root/.ssh/authorized_keys /root/.ssh/known_hosts");
}

/** test01 running on node1 only, no faults, quick copies. */
async function reset(): Promise<void> {
  for (const h of ["node1", "node2"] as const) {
    lab.netUp(h);
    await lab.faults(h, {});
    await lab.settings(h, { copyMsPerMiB: 2, copyMinMs: 400, streamTimeoutMs: 4000 });
    await lab.must(h, "truncate -s 16M /data/test01.img");
  }
  for (const n of await names("node2")) await lab.must("node2", 'xl destroy "$1"', [n]);
  for (const n of await names("node1")) if (n !== "test01") await lab.must("node1", 'xl destroy "$1"', [n]);
  if (!(await names("node1")).includes("test01")) await lab.must("node1", `xl create ${CFG}`);
  await trust("node1", "node2");
  await trust("node2", "node1");
}

beforeAll(async () => {
  lab = await SimLab.up(LAB, "xl");
  for (const h of ["node1", "node2"] as const) {
    await lab.writeFile(h, CFG, domainConfig());
    await lab.must(h, "truncate -s 16M /data/test01.img");
  }
}, 180000);

afterAll(async () => {
  await lab?.down();
}, 120000);

describe("xl commands against the real formats", () => {
  beforeAll(reset, 60000);

  test("xl list: the real header (with its TABs) and rows; unknown domain", async () => {
    const out = (await lab.must("node1", "xl list")).stdout.split("\n");
    expect(out[0]).toBe(XL_LIST_HEADER);
    for (const l of out.slice(1, -1)) expect(l).toMatch(XL_LIST_ROW);
    expect(listedRows(out.join("\n")).map((r) => [r.name, r.mem, r.vcpus, r.state])).toEqual([["Domain-0", 1024, 2, "r-----"], ["test01", 128, 1, "-b----"]]);
    const none = await lab.run("node1", "xl list nosuch");
    expect([none.code, none.stderr]).toEqual([1, "nosuch is an invalid domain identifier (rc=-6)\n"]);
  });

  test("xl info: the real keys in the real order; free memory accounts for domains", async () => {
    const info = (await lab.must("node1", "xl info")).stdout;
    expect(infoKeys(info)).toEqual(XL_INFO_KEYS);
    expect(info).toContain("total_memory           : 4096\nfree_memory            : 2944\n");
  });

  test("xl list -l: JSON array of {domid, config} with disks and nics", async () => {
    const j = JSON.parse((await lab.must("node1", "xl list -l")).stdout) as { domid: number; config: { c_info: { name: string }; disks?: unknown[]; nics?: { ip: string }[] } }[];
    expect(j.map((d) => [d.domid, d.config.c_info.name])).toEqual([[0, "Domain-0"], [expect.any(Number), "test01"]]);
    expect(j[1].config.nics?.[0].ip).toBe(lab.guestIp(1));
    const one = JSON.parse((await lab.must("node1", "xl list -l test01")).stdout) as unknown[];
    expect(one).toHaveLength(1);
  });

  test("xl create: no /etc/xen search, duplicate and missing file exit 3", async () => {
    const dup = await lab.run("node1", `xl create ${CFG}`);
    expect(dup.code).toBe(3);
    expect(dup.stderr).toMatch(new RegExp(`^Parsing config from ${CFG}\nlibxl: error: libxl_domain.c:81:libxl__domain_rename: Domain \\d+:Domain with name "test01" already exists.\n`));
    const rel = await lab.run("node1", "cd / && xl create test01.cfg");
    expect([rel.code, rel.stderr]).toEqual([3, "Failed to read config file: test01.cfg: No such file or directory\n"]);
    await lab.writeFile("node1", "/root/bad.cfg", 'name = "bad" + "x"\n');
    const bad = await lab.run("node1", "xl create /root/bad.cfg");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("/root/bad.cfg:1: config parsing error near `+'");
  });

  test("xl shutdown -w and destroy", async () => {
    await lab.writeFile("node1", "/root/tmp1.cfg", 'name = "tmp1"\nmemory = 32\n');
    await lab.must("node1", "xl create /root/tmp1.cfg");
    const id = listedRows((await lab.must("node1", "xl list tmp1")).stdout)[0].id;
    const sd = await lab.must("node1", "xl shutdown -w tmp1");
    expect(sd.stderr).toBe(`Shutting down domain ${id}\nWaiting for 1 domains\nDomain ${id} has been shut down, reason code 0\n`);
    const again = await lab.run("node1", "xl destroy tmp1");
    expect([again.code, again.stderr]).toEqual([1, "tmp1 is an invalid domain identifier (rc=-6)\n"]);
  });

  test("xl migrate -l is rejected with exit 2", async () => {
    const r = await lab.run("node1", "xl migrate -l test01 node2");
    expect([r.code, r.stderr]).toEqual([2, "option `l' not supported.\n"]);
  });
});

describe("xl migrate", () => {
  beforeEach(reset, 60000);

  test("without ssh trust: ssh fails, the banner is never read, the domain stays", async () => {
    await dropTrust();
    const r = await lab.run("node1", `xl migrate test01 ${lab.host("node2").address}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Host key verification failed\.|Permission denied/);
    expect(r.stderr).toContain("libxl: error: libxl_utils.c:505:libxl_read_exactly: file/stream truncated reading banner from migration receiver stream\n");
    expect(r.stderr).toMatch(/migration transport process \[\d+\] exited with error status 255\n$/);
    expect(await names("node1")).toEqual(["test01"]);
    expect((await lab.commandLog("node2")).some((e) => e.tool === "xl" && e.argv[0] === "migrate-receive")).toBe(false);
  });

  test("success over ssh: NAME--incoming on the target while it copies; a new domid there", async () => {
    await lab.settings("node1", { copyMsPerMiB: 25 });
    const mig = lab.run("node1", "xl migrate test01 node2");
    const during = await waitFor(() => names("node2"), (n) => n.includes("test01--incoming"), 5000, 20);
    expect(during).toEqual(["test01--incoming"]);
    expect(await names("node1")).toEqual(["test01"]);
    const r = await mig;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Migration successful.\n");
    expect(r.stderr).toContain("migration target: Ready to receive domain.\n");
    expect(r.stderr).toContain("migration sender: Target reports successful startup.\n");
    expect(await names("node1")).toEqual([]);
    const row = listedRows((await lab.must("node2", "xl list")).stdout).find((x) => x.name === "test01");
    expect(row?.state).toBe("-b----");
    expect(row?.time).toBeLessThan(1);
    expect((await lab.commandLog("node2")).some((e) => e.tool === "xl" && e.argv[0] === "migrate-receive" && e.event === "exit" && e.code === 0)).toBe(true);
  });

  test("fault: disk missing on the target -> creation fails there, the sender resumes", async () => {
    await lab.must("node2", "rm /data/test01.img");
    const r = await lab.run("node1", "xl migrate test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Disk vdev=xvda failed to stat: /data/test01.img: No such file or directory\n");
    expect(r.stderr).toContain("migration target: Domain creation failed (code -3).\n");
    expect(r.stderr).toContain("migration sender: libxl_domain_suspend failed (rc=-3)\n");
    expect(r.stderr).toMatch(/Migration failed, resuming at sender\.\n$/);
    expect(listedRows((await lab.must("node1", "xl list")).stdout).find((x) => x.name === "test01")?.state).toBe("-b----");
    expect(await names("node2")).toEqual([]);
  });

  test("fault: target short of memory -> cannot build the domain there, the sender resumes", async () => {
    await lab.faults("node2", { reserveMemoryMiB: 3000 });
    const r = await lab.run("node1", "xl migrate test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot (re-)build domain: -3");
    expect(r.stderr).toMatch(/Migration failed, resuming at sender\.\n$/);
    expect(await names("node1")).toEqual(["test01"]);
    expect(await names("node2")).toEqual([]);
  });

  test("fault: target sshd killed mid-copy -> the sender resumes, the target cleans up", async () => {
    await lab.faults("node2", { killSshdAtPercent: 40 });
    const r = await lab.run("node1", "xl migrate test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/migration transport process \[\d+\] exited with error status 255\n/);
    expect(r.stderr).toMatch(/Migration failed, resuming at sender\.\n$/);
    expect(await names("node1")).toEqual(["test01"]);
    expect(await waitFor(() => names("node2"), (n) => n.length === 0, 5000)).toEqual([]);
  });

  test("fault: target sshd killed in the final handshake -> domain on BOTH ends, as the xl docs warn", async () => {
    await lab.faults("node2", { killSshdAtFinalHandshake: true });
    const r = await lab.run("node1", "xl migrate test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("** Migration failed during final handshake **\n");
    expect(listedRows((await lab.must("node1", "xl list")).stdout).find((x) => x.name === "test01--migratedaway")?.state).toBe("--pss-");
    expect(await names("node2")).toEqual(["test01"]);
    // cleaning up the stale copy on the source leaves the running one alone
    await lab.must("node1", "xl destroy test01--migratedaway");
    expect((await lab.run("observer", `ping -c 1 -W 2 ${lab.guestIp(1)}`)).code).toBe(0);
  });

  test("fault: source host gone (network down mid-copy) -> sender resumes after the stream stalls; target drops it", async () => {
    await lab.faults("node1", { networkDownAtPercent: 30 });
    const r = lab.inHost("node1", "xl migrate test01 node2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Migration failed, resuming at sender\.\n$/);
    expect(lab.inHost("node1", "xl list").stdout).toMatch(/\ntest01 /);
    lab.netUp("node1");
    expect(await waitFor(() => names("node2"), (n) => n.length === 0, 10000)).toEqual([]);
  });

  test("ping from observer every 10 ms during xl migrate: answers before and after", async () => {
    const ip = lab.guestIp(1);
    expect((await lab.run("observer", `ping -c 1 -W 2 ${ip}`)).code).toBe(0);
    const { code, replies, t0, t1, lost } = await pingDuringMigration(lab, ip, "xl migrate test01 node2", "xl migrate");
    expect(code).toBe(0);
    // the guest answered before the migration started and after it ended (ping -D stamps use the same clock)
    expect(replies.some((r) => r.t < t0)).toBe(true);
    expect(replies.some((r) => r.t > t1)).toBe(true);
    expect(lost).toBeLessThan(100);
  });
});
