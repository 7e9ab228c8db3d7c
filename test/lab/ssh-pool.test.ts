/**
 * The pool against real sshd: one connection per (host, port, user), counted in the server's own log;
 * channels beyond MaxSessions queue; a dropped connection is re-dialed; timeouts kill the command.
 */
import { createHash } from "crypto";
import { closeAll, connect, dropConnection } from "../../provider/ssh/pool";
import { ExecError, ExecOutputLimitError, ExecTimeoutError, SshConnectionError } from "../../provider/ssh/remote-host";
import { acceptedConnections, authLogSince, conn, eventually, inv } from "./ssh-support";

jest.setTimeout(60_000);
const node1 = inv.hosts.node1;

beforeEach(() => closeAll());
afterAll(() => closeAll());

test("twenty commands to one host, from several connect() calls, open ONE SSH connection (sshd's log)", async () => {
  const before = acceptedConnections(node1);
  // As resources do: each asks the pool for the host on its own, some in parallel.
  const hosts = await Promise.all([1, 2, 3, 4].map(() => connect(conn(node1))));
  const outs: string[] = [];
  for (let i = 0; i < 8; i++) outs.push((await hosts[i % 4].run(["echo", `seq-${i}`])).stdout);
  const par = await Promise.all(Array.from({ length: 12 }, (_, i) => hosts[i % 4].run(["echo", `par-${i}`])));
  outs.push(...par.map((r) => r.stdout));
  expect(outs).toHaveLength(20);
  expect(outs.every((o, i) => o === (i < 8 ? `seq-${i}\n` : `par-${i - 8}\n`))).toBe(true);
  const after = await eventually(() => acceptedConnections(node1), (n) => n > before);
  expect(authLogSince(node1, before)).toHaveLength(1);
  expect(after - before).toBe(1);
});

test("more parallel commands than sshd's MaxSessions (10) queue instead of failing", async () => {
  const before = acceptedConnections(node1);
  const h = await connect(conn(node1));
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => h.run(["sh", "-c", 'sleep 0.3; echo "$1"', "sh", String(i)])));
  expect(rs.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  expect(acceptedConnections(node1) - before).toBe(1);
});

test("a connection dropped by the server is re-dialed by the next command", async () => {
  const h = await connect(conn(node1));
  // The shell's parent is the sshd process serving this connection: killing it drops the connection.
  const sshdPid = (await h.run(["sh", "-c", "echo $PPID"])).stdout.trim();
  expect(sshdPid).toMatch(/^\d+$/);
  const before = acceptedConnections(node1);
  await h.exec(["sh", "-c", 'kill -9 "$1"', "sh", sshdPid]).catch(() => undefined);
  const r = await eventually(() => h.run(["echo", "again"]).catch((e: Error) => e), (v) => !(v instanceof Error));
  expect(r).toMatchObject({ code: 0, stdout: "again\n" });
  expect(acceptedConnections(node1) - before).toBe(1);
});

test("a command running when the connection is cut fails clearly instead of hanging", async () => {
  const h = await connect(conn(node1));
  const running = h.exec(["sleep", "20"], { timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  expect(await dropConnection(h.label)).toBe(true);
  const err = await running.catch((e: Error) => e);
  expect(err).toBeInstanceOf(SshConnectionError);
  expect(String(err)).toMatch(/lost.*while running a command; it may or may not have completed/);
});

test("a command that outlives its timeout is killed and the error says it timed out", async () => {
  const h = await connect(conn(node1));
  const tag = `xenha-timeout-${process.pid}-${Date.now()}`;
  const err = await h.exec(["sh", "-c", 'sleep 30; : "$1"', "sh", tag], { timeoutMs: 1000 }).catch((e: Error) => e);
  expect(err).toBeInstanceOf(ExecTimeoutError);
  expect(String(err)).toContain(`timed out after 1 s on ${h.label}`);
  // The remote command is gone (sshd delivered the KILL signal).
  const left = await eventually(() => h.exec(["pgrep", "-f", tag]), (r) => r.code === 1);
  expect(left.code).toBe(1);
});

test("a command whose output exceeds maxOutputBytes is killed instead of filling memory", async () => {
  const h = await connect(conn(node1));
  const tag = `xenha-flood-${process.pid}-${Date.now()}`;
  const err = await h.exec(["sh", "-c", 'while :; do echo "$1"; done', "sh", tag], { maxOutputBytes: 1_000_000 })
    .catch((e: Error) => e);
  expect(err).toBeInstanceOf(ExecOutputLimitError);
  expect(String(err)).toContain("exceeded 1000000 bytes (maxOutputBytes)");
  const left = await eventually(() => h.exec(["pgrep", "-f", tag]), (r) => r.code === 1);
  expect(left.code).toBe(1);
  expect((await h.run(["echo", "still fine"])).stdout).toBe("still fine\n");
});

test("stdin is binary-safe and large inputs arrive whole", async () => {
  const h = await connect(conn(node1));
  const data = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
  const r = await h.run(["sha256sum"], { stdin: data });
  expect(r.stdout.split(" ")[0]).toBe(createHash("sha256").update(data).digest("hex"));
});

test("a failing command's error names the host, the command, the exit code and the stderr tail", async () => {
  const h = await connect(conn(node1));
  const err = await h.run(["sh", "-c", 'echo "first line" >&2; echo "no such thing: $1" >&2; exit 7', "sh", "x y"])
    .catch((e: Error) => e);
  expect(err).toBeInstanceOf(ExecError);
  const e = err as ExecError;
  expect(e.host).toBe(`root@${node1.address}:22`);
  expect(e.code).toBe(7);
  expect(e.stderrTail).toContain("no such thing: x y");
  expect(e.message).toContain(e.host);
  expect(e.message).toContain("exit code 7");
  expect(e.message).toContain('"x y"');
  expect(e.message).toContain("no such thing: x y");
  // exec itself never throws for an exit code
  expect((await h.exec(["false"])).code).toBe(1);
});

test("the pool reached by package name is this same pool (what serialized providers use)", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const byName = require("pulumi-xen-ha/ssh/pool") as typeof import("../../provider/ssh/pool");
  expect(byName.connect).toBe(connect);
  const before = acceptedConnections(node1);
  await (await connect(conn(node1))).run(["true"]);
  await (await byName.connect(conn(node1))).run(["true"]);
  expect(acceptedConnections(node1) - before).toBe(1);
});

test("a server allowing fewer sessions than 10 (MaxSessions 2) is detected: channels wait instead of failing", async () => {
  const root = await connect(conn(node1));
  // A second sshd inside node1 with MaxSessions 2, same host key and authorized keys.
  const start = await root.run(["sh", "-c",
    '/usr/sbin/sshd -o Port=2222 -o MaxSessions=2 -o PidFile=/run/sshd-2222.pid -E /var/log/auth-2222.log && echo started']);
  expect(start.stdout).toBe("started\n");
  try {
    const h = await eventually(() => connect(conn(node1, { port: 2222 })).catch((e: Error) => e),
      (v) => !(v instanceof Error));
    if (h instanceof Error) throw h;
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => h.run(["sh", "-c", 'sleep 0.2; echo "$1"', "sh", String(i)])));
    expect(rs.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    const log = await root.run(["cat", "/var/log/auth-2222.log"]);
    expect(log.stdout.match(/^Accepted publickey/gm)).toHaveLength(1);
  } finally {
    await root.exec(["sh", "-c", 'kill "$(cat /run/sshd-2222.pid)"; rm -f /var/log/auth-2222.log']);
  }
});

test("keepalives notice a peer that stopped answering, and the next command re-dials", async () => {
  // A pool of its own with a short keepalive interval (read when the module loads).
  process.env.XENHA_SSH_KEEPALIVE_MS = "500";
  let pool!: typeof import("../../provider/ssh/pool");
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pool = require("../../provider/ssh/pool");
  });
  delete process.env.XENHA_SSH_KEEPALIVE_MS;
  const root = await connect(conn(node1));
  const h = await pool.connect(conn(node1));
  const sshdPid = (await h.run(["sh", "-c", "echo $PPID"])).stdout.trim();
  try {
    // The command freezes the sshd process serving its own connection: TCP stays up, nothing answers.
    const err = await h.exec(["sh", "-c", 'kill -STOP "$PPID"; echo never'], { timeoutMs: 60_000 })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/SshConnectionError: SSH connection to .* was lost \(Keepalive timeout\) while running a command/);
    expect((await h.run(["echo", "again"])).stdout).toBe("again\n");
  } finally {
    await root.exec(["sh", "-c", 'kill -CONT "$1"; kill "$1"', "sh", sshdPid]);
    await pool.closeAll();
  }
});
