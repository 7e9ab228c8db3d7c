import { FORCED_COMMAND_REFUSAL } from "../../../provider/resources/xl-migration-trust/refusal";
import { execFileSync, spawn } from "child_process";
import { createServer, type Server } from "net";
import {
  BRIDGE_SCRIPT,
  bridgeProbe,
  configCandidates,
  configProbe,
  diskFact,
  LOCATE_SCRIPT,
  parseListing,
  RELOCATION_SCRIPT,
  relocationProbe,
  sshProbe,
  sshWords,
  STAT_SCRIPT,
  statProbe,
} from "../../../provider/resources/live-migration/facts";
import { mountContaining } from "../../../provider/formats/mountinfo";
import { migrateArgv, observe } from "../../../provider/resources/live-migration/apply";
import { impl } from "../../../provider/resources/live-migration/impl";
import { liveMigrationInputsSchema, type LiveMigrationOutputs } from "../../../provider/resources/live-migration/schema";
import { parseMountInfo } from "../../../provider/formats/mountinfo";

const XM_LIST = `Name                                        ID   Mem VCPUs      State   Time(s)
Domain-0                                     0  4737     2     r-----  40349.4
migrating-test01                             3   512     1     -b----     12.0
`;

/** Runs one of our constant scripts locally, exactly as gatherFacts runs it remotely (sh -c BODY sh ARGS). */
function sh(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const stdout = execFileSync("sh", ["-c", script, "sh", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env });
    return { stdout, stderr: "", code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; status: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.status };
  }
}

describe("parseListing (Locate's answer)", () => {
  test("the toolstack line, then the table; transitional names found", () => {
    const f = parseListing("test01", { stdout: `toolstack=xm\n${XM_LIST}`, stderr: "", code: 0 });
    expect(f).toEqual({
      toolstack: "xm",
      ok: true,
      sightings: [{ listedAs: "migrating", id: 3, state: "-b----", paused: false, down: false, memMiB: 512 }],
    });
  });

  test("xend down: not ok, with xm's own words", () => {
    const f = parseListing("test01", {
      stdout: "toolstack=xm\n",
      stderr: "Error: Unable to connect to xend: No such file or directory. Is xend running?\n",
      code: 1,
    });
    expect(f).toMatchObject({ toolstack: "xm", ok: false, sightings: [] });
    expect(f.error).toBe("xm list failed (exit 1): Error: Unable to connect to xend: No such file or directory. Is xend running?");
  });

  test("output that is not a table: not ok (never read as 'not there')", () => {
    const f = parseListing("test01", { stdout: "toolstack=xm\nsomething odd\n", stderr: "", code: 0 });
    expect(f.ok).toBe(false);
    expect(f.error).toMatch(/cannot read xm list/);
  });

  test("a shut-down domain is listed but down", () => {
    const f = parseListing("test01", {
      stdout: "toolstack=xl\nName ID Mem VCPUs\tState\tTime(s)\ntest01 4 128 1 ---s-- 1.0\n",
      stderr: "",
      code: 0,
    });
    expect(f.sightings[0]).toMatchObject({ listedAs: "normal", down: true });
  });
});

describe("LOCATE_SCRIPT with stand-in toolstacks", () => {
  const fake = (dir: string, name: string, body: string) => {
    execFileSync("sh", ["-c", `mkdir -p "$1" && printf '%s\\n' "$2" > "$1/$3" && chmod +x "$1/$3"`, "sh", dir, `#!/bin/sh\n${body}`, name]);
  };
  const dir = `/tmp/xenha-locate-test-${process.pid}`;
  afterAll(() => execFileSync("rm", ["-rf", dir]));

  test("detect: xm when xend answers", () => {
    fake(`${dir}/a`, "xm", `printf '%s' '${XM_LIST}'`);
    fake(`${dir}/a`, "xl", "echo xl-should-not-run; exit 9");
    const r = sh(LOCATE_SCRIPT, ["detect"], { PATH: `${dir}/a:/usr/bin:/bin` });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("toolstack=xm");
    expect(parseListing("test01", r).sightings).toHaveLength(1);
  });

  test("detect: xl when xm cannot reach xend", () => {
    fake(`${dir}/b`, "xm", "echo 'Error: Unable to connect to xend: No such file or directory. Is xend running?' >&2; exit 1");
    fake(`${dir}/b`, "xl", `printf 'Name ID Mem VCPUs\\tState\\tTime(s)\\n'`);
    const r = sh(LOCATE_SCRIPT, ["detect"], { PATH: `${dir}/b:/usr/bin:/bin` });
    expect(r.stdout.split("\n")[0]).toBe("toolstack=xl");
  });

  test("detect with only a broken xm: xm's own error", () => {
    fake(`${dir}/c`, "xm", "echo 'Error: Unable to connect to xend: No such file or directory. Is xend running?' >&2; exit 1");
    const r = sh(LOCATE_SCRIPT, ["detect"], { PATH: `${dir}/c:/usr/bin:/bin` });
    expect(parseListing("test01", r)).toMatchObject({ toolstack: "xm", ok: false });
  });

  test("an explicit toolstack that is missing", () => {
    const r = sh(LOCATE_SCRIPT, ["xl"], { PATH: `${dir}/c:/usr/bin:/bin` });
    expect(parseListing("test01", r)).toMatchObject({ toolstack: null, ok: false, error: expect.stringMatching(/xl: command not found/) });
  });
});

describe("disk facts", () => {
  const mounts = parseMountInfo(
    [
      "20 1 0:20 / / rw,relatime - overlay overlay rw,lowerdir=/,upperdir=/x",
      "40 20 0:40 / /data rw,nosuid,nodev,relatime - fuse.nfs 198.18.0.30:/data rw,user_id=0,group_id=0",
      "41 20 0:41 /images /srv/img rw - nfs4 10.10.10.30:/export rw",
    ].join("\n"),
  );

  test("mountContaining picks the deepest mount point, not a prefix of the name", () => {
    expect(mountContaining(mounts, "/data/test01.img")!.mountPoint).toBe("/data");
    expect(mountContaining(mounts, "/data2/x.img")!.mountPoint).toBe("/");
    expect(mountContaining(mounts, "/data")!.mountPoint).toBe("/data");
  });

  test("a file on the NFS mount: type, source and path inside the export", () => {
    const f = diskFact(
      { path: "/data/test01.img", exists: true, realPath: "/data/test01.img", fileType: "regular file", size: 10, inode: 7 },
      mounts,
    );
    expect(f).toMatchObject({ fsType: "fuse.nfs", mountSource: "198.18.0.30:/data", mountPoint: "/data", relativePath: "/test01.img" });
  });

  test("a bind-style mount root is part of the relative path", () => {
    const f = diskFact({ path: "/srv/img/a.img", exists: true, realPath: "/srv/img/a.img", fileType: "regular file", size: 1, inode: 1 }, mounts);
    expect(f.relativePath).toBe("/images/a.img");
  });

  test("a local file", () => {
    const f = diskFact({ path: "/var/lib/xen/a.img", exists: true, realPath: "/var/lib/xen/a.img", fileType: "regular file", size: 1, inode: 1 }, mounts);
    expect(f).toMatchObject({ fsType: "overlay", mountPoint: "/", relativePath: "/var/lib/xen/a.img" });
  });

  test("STAT_SCRIPT on real files: present (through a symlink), absent", () => {
    const dir = `/tmp/xenha-stat-${process.pid}`;
    execFileSync("sh", ["-c", `mkdir -p ${dir} && printf abc > ${dir}/disk.img && ln -sf ${dir}/disk.img ${dir}/link.img`]);
    try {
      const present = statProbe(`${dir}/link.img`).parse(sh(STAT_SCRIPT, [`${dir}/link.img`]));
      expect(present).toMatchObject({ exists: true, realPath: `${dir}/disk.img`, fileType: "regular file", size: 3 });
      const absent = statProbe(`${dir}/none.img`).parse(sh(STAT_SCRIPT, [`${dir}/none.img`]));
      expect(absent).toMatchObject({ exists: false, realPath: null });
    } finally {
      execFileSync("rm", ["-rf", dir]);
    }
  });
});

describe("other probes' parsers", () => {
  test("config present and absent", () => {
    expect(configProbe("/etc/xen/test01").parse({ stdout: "name='test01'\n", stderr: "", code: 0 })).toEqual({ path: "/etc/xen/test01", content: "name='test01'\n" });
    expect(configProbe("/etc/xen/test01").parse({ stdout: "", stderr: "", code: 44 })).toEqual({ path: "/etc/xen/test01", content: null });
    expect(() => configProbe("/etc/xen/test01").parse({ stdout: "", stderr: "cat: Permission denied", code: 1 })).toThrow(/Permission denied/);
  });

  test("bridge: missing, a bridge, another kind, unknown", () => {
    const p = bridgeProbe("xenbr1");
    expect(p.parse({ stdout: "", stderr: "", code: 44 })).toEqual({ name: "xenbr1", exists: false, isBridge: null });
    expect(p.parse({ stdout: "bridge\n", stderr: "", code: 0 })).toEqual({ name: "xenbr1", exists: true, isBridge: true });
    expect(p.parse({ stdout: "other\n", stderr: "", code: 0 })).toEqual({ name: "xenbr1", exists: true, isBridge: false });
    expect(p.parse({ stdout: "unknown\n", stderr: "", code: 0 })).toEqual({ name: "xenbr1", exists: true, isBridge: null });
  });

  test("BRIDGE_SCRIPT: the loopback exists and is not a bridge; a missing name", () => {
    expect(bridgeProbe("lo").parse(sh(BRIDGE_SCRIPT, ["lo"]))).toMatchObject({ exists: true });
    expect(bridgeProbe("nosuchbr0").parse(sh(BRIDGE_SCRIPT, ["nosuchbr0"]))).toEqual({ name: "nosuchbr0", exists: false, isBridge: null });
  });

  test("ssh probe: ok, refused login, no xl", () => {
    const p = sshProbe(["ssh"], "198.18.0.12");
    expect(p.args).toEqual(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "198.18.0.12", "command -v xl"]);
    expect(p.parse({ stdout: "/usr/sbin/xl\n", stderr: "", code: 0 })).toEqual({ ok: true, detail: "/usr/sbin/xl" });
    expect(p.parse({ stdout: "", stderr: "root@198.18.0.12: Permission denied (publickey).\n", code: 255 })).toEqual({
      ok: false,
      detail: "root@198.18.0.12: Permission denied (publickey). (exit 255)",
    });
    expect(p.parse({ stdout: "", stderr: "", code: 1 }).detail).toMatch(/has no xl/);
    // A key restricted by XlMigrationTrust: its forced command refuses `command -v xl`, and that proves the login.
    const restricted = p.parse({ stdout: "", stderr: `${FORCED_COMMAND_REFUSAL}; refused: command -v xl\n`, code: 1 });
    expect(restricted).toEqual({ ok: true, detail: expect.stringMatching(/may only run xl migrate-receive/) });
    // the target's host key must be known, whatever the source's ssh_config says; the user's own words come first
    expect(sshWords(["ssh", "-p", "2222"], "/root/.ssh/mig.conf")).toEqual(["ssh", "-p", "2222", "-F", "/root/.ssh/mig.conf", "-o", "StrictHostKeyChecking=yes"]);
    expect(sshWords(undefined, undefined)).toEqual(["ssh", "-o", "StrictHostKeyChecking=yes"]);
  });

  test("config candidates", () => {
    expect(configCandidates("test01", undefined)).toEqual(["/etc/xen/test01", "/etc/xen/test01.cfg"]);
    expect(configCandidates("test01", "/srv/xen/t.cfg")).toEqual(["/srv/xen/t.cfg"]);
  });
});

describe("RELOCATION_SCRIPT against local listeners", () => {
  let server: Server;
  let port = 0;
  let mode: "keep" | "close" = "keep";
  const open = new Set<import("net").Socket>();
  beforeAll(async () => {
    server = createServer((sock) => {
      if (mode === "close") sock.destroy();
      else open.add(sock);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const s of open) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const run = (p: number) =>
    new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      const c = spawn("sh", ["-c", RELOCATION_SCRIPT, "sh", "127.0.0.1", String(p)]);
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d) => (stdout += d));
      c.stderr.on("data", (d) => (stderr += d));
      c.on("close", (code) => resolve({ stdout, stderr, code: code ?? -1 }));
    });

  test("admitted: the server keeps the connection open", async () => {
    mode = "keep";
    expect(relocationProbe("127.0.0.1", port).parse(await run(port))).toEqual({ result: "open", address: "127.0.0.1", port });
  });

  test("rejected by hosts-allow: accepted, then closed at once", async () => {
    mode = "close";
    expect(relocationProbe("127.0.0.1", port).parse(await run(port))).toMatchObject({ result: "closed" });
  });

  test("nothing listening: refused, with the shell's words", async () => {
    const closedPort = 1;
    const r = relocationProbe("127.0.0.1", closedPort).parse(await run(closedPort));
    expect(r).toMatchObject({ result: "refused", detail: expect.stringMatching(/Connection refused/) });
  });
});

describe("migrate commands", () => {
  const base = liveMigrationInputsSchema.parse({
    domain: "test01",
    hosts: [
      { name: "node1", connection: { host: "198.18.0.11" }, migrationAddress: "192.168.233.150" },
      { name: "node2", connection: { host: "198.18.0.12" }, migrationAddress: "192.168.233.151" },
    ],
    desiredHost: "node2",
  });

  test("the runbook's command", () => {
    expect(migrateArgv(base, "xm", "192.168.233.151")).toEqual(["xm", "migrate", "-l", "test01", "192.168.233.151"]);
  });
  test("xm with port, ssl, not live", () => {
    const i = { ...base, migration: { ...base.migration, live: false, port: 8102, ssl: true } };
    expect(migrateArgv(i, "xm", "192.168.233.151")).toEqual(["xm", "migrate", "-p", "8102", "-s", "test01", "192.168.233.151"]);
  });
  test("xl: no -l (xl rejects it); host keys checked strictly; a custom ssh command is quoted word by word", () => {
    expect(migrateArgv(base, "xl", "192.168.233.151")).toEqual(["xl", "migrate", "-s", "ssh -o 'StrictHostKeyChecking=yes'", "test01", "192.168.233.151"]);
    const i = { ...base, migration: { ...base.migration, sshCommand: ["ssh", "-i", "/root/my key"], sshConfigFile: "/root/mig.conf" } };
    expect(migrateArgv(i, "xl", "192.168.233.151")).toEqual(["xl", "migrate", "-s", "ssh -i '/root/my key' -F /root/mig.conf -o 'StrictHostKeyChecking=yes'", "test01", "192.168.233.151"]);
  });
});

describe("schema", () => {
  const hosts = [
    { name: "node1", connection: { host: "198.18.0.11" }, migrationAddress: "192.168.233.150" },
    { name: "node2", connection: { host: "198.18.0.12" }, migrationAddress: "192.168.233.151" },
  ];
  const issues = (v: unknown) => {
    const r = liveMigrationInputsSchema.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  test("defaults", () => {
    expect(liveMigrationInputsSchema.parse({ domain: "test01", hosts, desiredHost: "node2" })).toMatchObject({
      toolstack: "detect",
      migration: { live: true, ssl: false, timeoutSeconds: 600 },
      failover: { allow: false },
      startIfStopped: false,
      preflightOnly: false,
    });
  });
  test("errors name the field", () => {
    expect(issues({ domain: "test01", hosts, desiredHost: "node3" })).toEqual(["desiredHost: must be one of the hosts' names (node1, node2)"]);
    expect(issues({ domain: "Domain-0", hosts, desiredHost: "node2" })).toEqual(["domain: Domain-0 is the control domain"]);
    expect(issues({ domain: "t", hosts: [hosts[0], { ...hosts[1], name: "node1" }], desiredHost: "node1" })).toEqual(['hosts.1.name: duplicate host name "node1"']);
    expect(issues({ domain: "t", hosts, desiredHost: "node2", failover: { allow: true, fencedHost: "node2" } })).toEqual([
      "failover.fencedHost: cannot be the desired host: a fenced host cannot run the domain",
    ]);
    expect(issues({ domain: "test01", hosts, desiredHost: "node2", failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7" } })).toEqual([]);
    expect(issues({ domain: "test01", hosts, desiredHost: "node2", failover: { allow: true, fencedHost: "node1", incident: "node1:test01:id7:retry2" } })).toEqual([]);
    expect(issues({ domain: "test01", hosts, desiredHost: "node2", failover: { allow: true, fencedHost: "node1", incident: "node1" } })).toEqual([
      'failover.incident: must be the incident as the refusal names it, e.g. "node1:test01:id7"',
    ]);
    expect(issues({ domain: "test01", hosts, desiredHost: "node2", failover: { allow: true, incident: "node1:test01:id7" } })).toEqual([
      "failover.incident: needs failover.fencedHost: it is the incident that host is confirmed fenced for",
    ]);
    expect(issues({ domain: "test01", hosts, desiredHost: "node2", failover: { allow: true, fencedHost: "node1", incident: "node1:web01:id7" } })).toEqual([
      'failover.incident: must be an incident of test01 on failover.fencedHost, "node1:test01:…", as the refusal names it',
    ]);
    expect(issues({ domain: "t", hosts, desiredHost: "node2", toolstack: "xl", migration: { port: 8002 } })).toEqual([
      "migration: port and ssl are xm options; xl migrates over ssh",
    ]);
    expect(issues({ domain: "t", hosts: [{ ...hosts[0], migrationAddress: "-oProxyCommand=x" }, hosts[1]], desiredHost: "node2" })[0]).toMatch(
      /hosts.0.migrationAddress: must not start with .-. \(a command would read it as an option\)/,
    );
    expect(issues({ domain: "t", hosts, desiredHost: "node2", migration: { timeoutSeconds: 0.5 } })).toEqual(["migration.timeoutSeconds: must be a whole number of seconds"]);
    expect(issues({ domain: "t", hosts, desiredHost: "node2", migration: { timeoutSeconds: 90000 } })).toEqual(["migration.timeoutSeconds: must be at most 86400 seconds"]);
  });
  test("idempotent: the parsed value parses to itself", () => {
    const once = liveMigrationInputsSchema.parse({ domain: "test01", hosts, desiredHost: "node2", probe: { connection: { host: "198.18.0.40" }, address: "198.18.0.50" } });
    expect(liveMigrationInputsSchema.parse(once)).toEqual(once);
  });
});

describe("diff (pure)", () => {
  const inputs = liveMigrationInputsSchema.parse({
    domain: "test01",
    hosts: [
      { name: "node1", connection: { host: "198.18.0.11" }, migrationAddress: "a1" },
      { name: "node2", connection: { host: "198.18.0.12" }, migrationAddress: "a2" },
    ],
    desiredHost: "node2",
  });
  const olds = { ...inputs, currentHost: "node2", locations: [], unreachableHosts: [], preflight: [], lastMigration: null } as LiveMigrationOutputs;

  test("in place and unchanged: no changes", () => {
    expect(impl.diff(olds, inputs).changes).toBe(false);
  });
  test("a new desired host is an update, not a replacement", () => {
    const d = impl.diff(olds, { ...inputs, desiredHost: "node1" });
    expect(d).toMatchObject({ changes: true, replaces: [] });
    expect(d.diffs).toEqual(expect.arrayContaining(["desiredHost", "currentHost"]));
  });
  test("refresh found the domain elsewhere: an update moves it back", () => {
    expect(impl.diff({ ...olds, currentHost: "node1" }, inputs)).toMatchObject({ changes: true, replaces: [], diffs: ["currentHost"] });
  });
  test("another domain is another resource", () => {
    expect(impl.diff(olds, { ...inputs, domain: "test02" }).replaces).toEqual(["domain"]);
  });
});

describe("observe (the outputs of a look at every host)", () => {
  const s = (listedAs: "normal" | "migrating", state = "-b----") => ({ listedAs, id: 3, state, paused: false, down: state[3] === "s", memMiB: 128 });
  test("one running copy is the current host; transitional names are listed as shown", () => {
    expect(
      observe("test01", [
        { host: "node1", status: "ok", toolstack: "xm", sightings: [s("migrating")] },
        { host: "node2", status: "ok", toolstack: "xm", sightings: [s("normal")] },
        { host: "node3", status: "unreachable", error: "connect ETIMEDOUT", toolstack: null, sightings: [] },
      ]),
    ).toEqual({
      currentHost: "node2",
      locations: [
        { host: "node1", listedAs: "migrating-test01", state: "-b----" },
        { host: "node2", listedAs: "test01", state: "-b----" },
      ],
      unreachableHosts: ["node3: connect ETIMEDOUT"],
      lastSeen: { host: "node2", id: 3 },
    });
  });
  test("lastSeen: where the one running copy is, else what the state saw before (the copy a failover is about)", () => {
    const before = { host: "node1", id: 7 };
    const gone = observe("test01", [
      { host: "node1", status: "unreachable", error: "connect ETIMEDOUT", toolstack: null, sightings: [] },
      { host: "node2", status: "ok", toolstack: "xm", sightings: [] },
    ], before);
    expect(gone).toMatchObject({ currentHost: null, lastSeen: before });
    const two = observe("test01", [
      { host: "node1", status: "ok", toolstack: "xm", sightings: [s("normal")] },
      { host: "node2", status: "ok", toolstack: "xm", sightings: [s("normal")] },
    ], before);
    expect(two.lastSeen).toEqual(before);
    const moved = observe("test01", [{ host: "node2", status: "ok", toolstack: "xm", sightings: [s("normal")] }], before);
    expect(moved.lastSeen).toEqual({ host: "node2", id: 3 });
    expect(observe("test01", [], null).lastSeen).toBeNull();
  });
  test("two running copies, or only a shut-down one: no current host", () => {
    const two = observe("test01", [
      { host: "node1", status: "ok", toolstack: "xm", sightings: [s("normal")] },
      { host: "node2", status: "ok", toolstack: "xm", sightings: [s("normal")] },
    ]);
    expect(two.currentHost).toBeNull();
    const down = observe("test01", [{ host: "node1", status: "ok", toolstack: "xm", sightings: [s("normal", "---s--")] }]);
    expect(down.currentHost).toBeNull();
  });
});
