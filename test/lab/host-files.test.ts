/** readFile and writeFileAtomic on a real host: absent files, owner/mode/backups, a cut mid-write, hostile input. */
import { readdirSync, statSync } from "fs";
import { join } from "path";
import { readFile } from "../../provider/host/read-file";
import { writeFileAtomic } from "../../provider/host/write-file";
import { closeAll, connect, dropConnection } from "../../provider/ssh/pool";
import { ExecError, type RemoteHost } from "../../provider/ssh/remote-host";
import { conn, eventually, hostFile, inv } from "./ssh-support";

const node1 = inv.hosts.node1;
const DIR = "/srv/xenha-files-test";
let h: RemoteHost;

beforeAll(async () => {
  h = await connect(conn(node1));
  await h.run(["rm", "-rf", DIR, "/root/xenha-canary"]);
  await h.run(["mkdir", "-p", DIR]);
});
afterAll(async () => {
  await h.exec(["rm", "-rf", DIR]).catch(() => undefined);
  await closeAll();
});

const inHost = (p: string) => join(node1.root, p);
const tempFiles = (dir: string) => readdirSync(inHost(dir)).filter((f) => f.startsWith(".xen-ha."));
const backups = (dir: string, base: string) => readdirSync(inHost(dir)).filter((f) => f.startsWith(`${base}.xen-ha-`));

test("readFile: absent is null, content verbatim, other failures are errors", async () => {
  expect(await readFile(h, `${DIR}/absent`)).toBeNull();
  expect(await readFile(h, `${DIR}/no-such-dir/file`)).toBeNull();
  await h.run(["sh", "-c", 'printf "a\\nb\\n\\n" > "$1"', "sh", `${DIR}/present`]);
  expect(await readFile(h, `${DIR}/present`)).toBe("a\nb\n\n");
  const e = await readFile(h, DIR).catch((err: Error) => err);
  expect(e).toBeInstanceOf(ExecError);
  expect(String(e)).toContain("Is a directory");
  await expect(readFile(h, "relative/path")).rejects.toThrow(/absolute/);
});

test("writeFileAtomic: creates, keeps owner and mode, backs up the old content, skips identical content", async () => {
  const p = `${DIR}/exports`;
  expect(await writeFileAtomic(h, p, "v1\n")).toEqual({ changed: true, backupPath: null });
  expect(hostFile(node1, p)).toBe("v1\n");
  await h.run(["chown", "nobody:nogroup", p]);
  await h.run(["chmod", "640", p]);

  const r2 = await writeFileAtomic(h, p, "v2\n");
  expect(r2.changed).toBe(true);
  expect(r2.backupPath).toMatch(new RegExp(`^${DIR}/exports\\.xen-ha-\\d{8}T\\d{6}Z(-\\d+)?\\.bak$`));
  expect(hostFile(node1, r2.backupPath as string)).toBe("v1\n");
  expect(hostFile(node1, p)).toBe("v2\n");
  const st = statSync(inHost(p));
  expect(st.mode & 0o7777).toBe(0o640);
  expect((await h.run(["stat", "-c", "%U:%G", p])).stdout.trim()).toBe("nobody:nogroup");

  expect(await writeFileAtomic(h, p, "v2\n")).toEqual({ changed: false, backupPath: null });
  expect(backups(DIR, "exports")).toHaveLength(1);

  const r3 = await writeFileAtomic(h, p, "v3\n", { mode: 0o600, owner: "root:root" });
  expect(r3.backupPath).not.toBe(r2.backupPath);
  expect(hostFile(node1, r3.backupPath as string)).toBe("v2\n");
  expect(statSync(inHost(p)).mode & 0o7777).toBe(0o600);
  expect((await h.run(["stat", "-c", "%U:%G", p])).stdout.trim()).toBe("root:root");
  expect(backups(DIR, "exports")).toHaveLength(2);

  const r4 = await writeFileAtomic(h, p, "v4\n", { backup: false });
  expect(r4).toEqual({ changed: true, backupPath: null });
  expect(backups(DIR, "exports")).toHaveLength(2);
  expect(tempFiles(DIR)).toEqual([]);
});

test("writeFileAtomic keeps backups by policy: the content from before xen-ha and the newest keepBackups, not without end", async () => {
  const p = `${DIR}/fstab`;
  await writeFileAtomic(h, p, "original\n");
  for (let v = 1; v <= 9; v++) await writeFileAtomic(h, p, `v${v}\n`, { keepBackups: 3 });
  const kept = backups(DIR, "fstab").map((f) => hostFile(node1, `${DIR}/${f}`)).sort();
  // nine backups were made (original, v1..v8); kept: the original and the newest three (v6, v7, v8)
  expect(kept).toEqual(["original\n", "v6\n", "v7\n", "v8\n"]);
  expect(hostFile(node1, p)).toBe("v9\n");
  await writeFileAtomic(h, p, "v10\n");
  // the default keeps five newest: nothing more is removed until there are more than six
  expect(backups(DIR, "fstab")).toHaveLength(5);
  await expect(writeFileAtomic(h, p, "x\n", { keepBackups: 0 })).rejects.toThrow(/keepBackups must be a whole number of at least 1/);
  expect(tempFiles(DIR)).toEqual([]);
});

test("writeFileAtomic: binary and large content arrives byte for byte", async () => {
  const data = Buffer.alloc(3 * 1024 * 1024 + 7);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
  await writeFileAtomic(h, `${DIR}/blob`, data);
  const { readFileSync } = await import("fs");
  expect(readFileSync(inHost(`${DIR}/blob`)).equals(data)).toBe(true);
});

test("a connection cut in the middle of a large write leaves the old file intact and no temp file", async () => {
  const p = `${DIR}/big.conf`;
  await writeFileAtomic(h, p, "old content\n");
  const big = Buffer.alloc(256 * 1024 * 1024, 0x78);
  const writing = writeFileAtomic(h, p, big).then(() => "finished", (e: Error) => e);
  // Cut once the remote temp file is receiving data, seen from outside the host's SSH.
  const started = await eventually(
    () => tempFiles(DIR).some((f) => statSync(inHost(`${DIR}/${f}`)).size > 0),
    (seen) => seen,
    500,
  );
  expect(started).toBe(true);
  expect(await dropConnection(h.label)).toBe(true);
  const outcome = await writing;
  expect(outcome).toBeInstanceOf(Error);
  expect(String(outcome)).toMatch(/lost/);
  expect(hostFile(node1, p)).toBe("old content\n");
  // The remote script sees a short input, removes its temp file and exits.
  expect(await eventually(() => tempFiles(DIR), (t) => t.length === 0, 100)).toEqual([]);
  expect(hostFile(node1, p)).toBe("old content\n");
  expect(backups(DIR, "big.conf")).toEqual([]);
  // The next call re-dials.
  expect(await readFile(h, p)).toBe("old content\n");
});

const CANARY = "/root/xenha-canary";
const hostile = [
  "; rm -rf / ; touch /root/xenha-canary",
  "$(touch /root/xenha-canary)",
  "`touch /root/xenha-canary`",
  "it's \"quoted\" 'twice'",
  "multi\nline\n; touch /root/xenha-canary\n",
  "${IFS}touch${IFS}/root/xenha-canary",
  "-rf",
  " leading and trailing ",
  "*",
  "\\ backslash \\n",
];

test("hostile strings as file contents arrive verbatim and nothing is executed", async () => {
  for (const [i, s] of hostile.entries()) {
    const p = `${DIR}/content-${i}`;
    await writeFileAtomic(h, p, s);
    expect(await readFile(h, p)).toBe(s);
    expect(hostFile(node1, p)).toBe(s);
  }
  expect(hostFile(node1, CANARY)).toBeNull();
});

test("hostile strings as file names arrive verbatim or are rejected, and nothing is executed", async () => {
  for (const s of hostile.filter((x) => !x.includes("\n"))) {
    const name = s.replace(/\//g, "_");
    const p = `${DIR}/${name}`;
    await writeFileAtomic(h, p, `name: ${name}\n`);
    expect(readdirSync(inHost(DIR))).toContain(name);
    expect(await readFile(h, p)).toBe(`name: ${name}\n`);
  }
  for (const s of hostile.filter((x) => x.includes("\n"))) {
    await expect(writeFileAtomic(h, `${DIR}/${s}`, "x")).rejects.toThrow(/control characters/);
    await expect(readFile(h, `${DIR}/${s}`)).rejects.toThrow(/control characters/);
  }
  await expect(writeFileAtomic(h, `${DIR}/../escape`, "x")).rejects.toThrow(/\.\./);
  expect(hostFile(node1, CANARY)).toBeNull();
});

test("hostile strings as command arguments arrive verbatim", async () => {
  const r = await h.run(["printf", "%s\\0", ...hostile]);
  expect(r.stdout.split("\0").slice(0, -1)).toEqual(hostile);
  const s = await h.script('printf "%s\\0" "$@"', hostile);
  expect(s.stdout.split("\0").slice(0, -1)).toEqual(hostile);
  expect(hostFile(node1, CANARY)).toBeNull();
});
