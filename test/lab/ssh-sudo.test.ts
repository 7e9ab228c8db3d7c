/**
 * Becoming root with sudo for a non-root connection user: NOPASSWD, with a password, a wrong or missing
 * password, no sudo rights, and sudoers "requiretty" (a pty is used, stdin is staged in a file).
 */
import { existsSync } from "fs";
import { HostLockError, withHostLock } from "../../provider/host/lock";
import { readFile } from "../../provider/host/read-file";
import { writeFileAtomic } from "../../provider/host/write-file";
import { closeAll, connect } from "../../provider/ssh/pool";
import { type RemoteHost, SshConnectionError } from "../../provider/ssh/remote-host";
import { conn, eventually, hostFile, inv } from "./ssh-support";

const node1 = inv.hosts.node1;
const PASSWORD = "correct horse 'battery' $(staple)";
const USERS = ["xenha-nopw", "xenha-pw", "xenha-tty", "xenha-nosudo"];
const SUDOERS = [
  "xenha-nopw ALL=(ALL) NOPASSWD: ALL",
  "xenha-pw ALL=(ALL) ALL",
  "Defaults:xenha-tty requiretty",
  "xenha-tty ALL=(ALL) ALL",
  "",
].join("\n");

// sudo comes from the machine's packages (the hosts' root is an overlay on it).
const describeIfSudo = existsSync("/usr/bin/sudo") ? describe : describe.skip;

describeIfSudo("sudo", () => {
  let root: RemoteHost;
  const as = (user: string, sudo?: { password?: string }) => connect(conn(node1, { user, ...(sudo ? { sudo } : {}) }));

  beforeAll(async () => {
    root = await connect(conn(node1));
    for (const u of USERS) {
      await root.run(["sh", "-c", 'id "$1" >/dev/null 2>&1 || useradd -m -s /bin/bash "$1"', "sh", u]);
      await root.run(["chpasswd"], { stdin: `${u}:${PASSWORD}\n` });
      await writeFileAtomic(root, `/etc/ssh/authorized_keys/${u}`, inv.publicKey, { mode: 0o644, backup: false });
    }
    await writeFileAtomic(root, "/etc/sudoers.d/xenha-test", SUDOERS, { mode: 0o440, backup: false });
    await root.run(["visudo", "-c", "-f", "/etc/sudoers.d/xenha-test"]);
    await root.run(["rm", "-f", "/root/xenha-sudo-canary"]);
  });
  afterAll(async () => {
    await root.exec(["sh", "-c", 'rm -f /etc/sudoers.d/xenha-test /etc/xenha-sudo-*; for u in "$@"; do ' +
      'userdel -r "$u" 2>/dev/null; rm -f "/etc/ssh/authorized_keys/$u"; done', "sh", ...USERS]).catch(() => undefined);
    await closeAll();
  });

  test("without sudo the user is not root (the control case)", async () => {
    const h = await as("xenha-nopw");
    expect((await h.run(["id", "-un"])).stdout.trim()).toBe("xenha-nopw");
  });

  test("NOPASSWD: runs as root, and stdin reaches the command intact", async () => {
    const h = await as("xenha-nopw", {});
    expect((await h.run(["id", "-u"])).stdout.trim()).toBe("0");
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff));
    const r = await h.run(["sha256sum"], { stdin: data });
    const { createHash } = await import("crypto");
    expect(r.stdout.split(" ")[0]).toBe(createHash("sha256").update(data).digest("hex"));
    const e = await h.run(["sh", "-c", "echo out; echo err >&2"]);
    expect(e).toMatchObject({ stdout: "out\n", stderr: "err\n" });
  });

  test("with a password: runs as root, the password never reaches the command's stdin", async () => {
    const h = await as("xenha-pw", { password: PASSWORD });
    expect((await h.run(["id", "-u"])).stdout.trim()).toBe("0");
    expect((await h.run(["cat"], { stdin: "only this\n" })).stdout).toBe("only this\n");
    expect((await h.run(["cat"])).stdout).toBe("");
  });

  test("host primitives work through sudo (atomic write into /etc)", async () => {
    const h = await as("xenha-pw", { password: PASSWORD });
    const r = await writeFileAtomic(h, "/etc/xenha-sudo-test.conf", "via sudo\n", { mode: 0o600 });
    expect(r.changed).toBe(true);
    expect(hostFile(node1, "/etc/xenha-sudo-test.conf")).toBe("via sudo\n");
    expect((await root.run(["stat", "-c", "%U %a", "/etc/xenha-sudo-test.conf"])).stdout.trim()).toBe("root 600");
    expect(await readFile(h, "/etc/xenha-sudo-test.conf")).toBe("via sudo\n");
  });

  test("a wrong password is refused clearly", async () => {
    const h = await as("xenha-pw", { password: "wrong" });
    const e = await h.run(["touch", "/root/xenha-sudo-canary"]).catch((err: Error) => err);
    expect(e).toBeInstanceOf(SshConnectionError);
    expect(String(e)).toContain("sudo on xenha-pw@");
    expect(String(e)).toContain("refused connection.sudo.password");
    expect(hostFile(node1, "/root/xenha-sudo-canary")).toBeNull();
  });

  test("a needed but missing password is reported as such", async () => {
    const h = await as("xenha-pw", {});
    const e = await h.run(["true"]).catch((err: Error) => err);
    expect(String(e)).toContain("asks for a password, but connection.sudo.password is not set");
  });

  test("a user without sudo rights gets sudo's own refusal", async () => {
    const h = await as("xenha-nosudo", { password: PASSWORD });
    const e = await h.run(["touch", "/root/xenha-sudo-canary"]).catch((err: Error) => err);
    expect(String(e)).toMatch(/sudo on xenha-nosudo@.* failed before running the command: .*not in the sudoers file|not allowed/s);
    expect(hostFile(node1, "/root/xenha-sudo-canary")).toBeNull();
  });

  test("requiretty: a pty is used; output and staged stdin arrive intact", async () => {
    const h = await as("xenha-tty", { password: PASSWORD });
    expect((await h.run(["id", "-u"])).stdout).toBe("0\n");
    const TERMINAL = "if [ -t 1 ]; then echo terminal; else echo pipe; fi";
    expect((await h.run(["sh", "-c", TERMINAL])).stdout).toBe("terminal\n");
    const nopw = await as("xenha-nopw", {});
    expect((await nopw.run(["sh", "-c", TERMINAL])).stdout).toBe("pipe\n"); // no pty unless needed
    const text = "line 1\nline 2 with \t tab and \\ backslash\n\u0003\u0004 control bytes\n";
    expect((await h.run(["cat"], { stdin: text })).stdout).toBe(text);
    const w = await writeFileAtomic(h, "/etc/xenha-sudo-tty.conf", "tty write\n");
    expect(w.changed).toBe(true);
    expect(hostFile(node1, "/etc/xenha-sudo-tty.conf")).toBe("tty write\n");
    // no staged stdin is left behind
    expect((await root.run(["sh", "-c", "ls /tmp | grep -c '^xen-ha-stdin' || true"])).stdout.trim()).toBe("0");
  });

  test("the host lock is shared between root and a sudo user", async () => {
    const h = await as("xenha-nopw", {});
    await root.run(["rm", "-f", "/run/lock/xen-ha-mixed.lock"]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const byRoot = withHostLock(root, "mixed", () => held, { description: "root's run" });
    const note = await eventually(() => readFile(root, "/run/lock/xen-ha-mixed.lock"), (t) => (t ?? "").includes("root's run"));
    expect(note).toContain("root's run");
    const e = await withHostLock(h, "mixed", async () => "ran", { timeoutMs: 1000 }).catch((err: Error) => err);
    expect(e).toBeInstanceOf(HostLockError);
    expect(String(e)).toContain("root's run");
    release();
    await byRoot;
    expect(await withHostLock(h, "mixed", async () => "ran")).toBe("ran");
    expect(await withHostLock(root, "mixed", async () => "ran again")).toBe("ran again");
  });
});
