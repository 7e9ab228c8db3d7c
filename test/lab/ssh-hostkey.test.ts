/** Host-key verification and dialing against real sshd: pinned keys, known_hosts, unknown hosts, timeouts, jump hosts. */
import { execFileSync } from "child_process";
import { type AddressInfo, type Socket, createServer } from "net";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { fingerprint, parsePublicKey } from "../../provider/ssh/host-key";
import { closeAll, connect } from "../../provider/ssh/pool";
import { SshConnectionError } from "../../provider/ssh/remote-host";
import { acceptedConnections, authLogSince, conn, inv, unusedLabAddress } from "./ssh-support";

jest.setTimeout(60_000);
const node1 = inv.hosts.node1;
const node2 = inv.hosts.node2;
const tmp = mkdtempSync(join(tmpdir(), "xenha-hostkey-"));

const fp = (line: string) => {
  const k = parsePublicKey(line);
  if (typeof k === "string") throw new Error(k);
  return fingerprint(k.blob);
};
const node1Fp = fp(node1.hostKey);
const node2Fp = fp(node2.hostKey);

beforeEach(() => closeAll());
afterAll(() => closeAll());

async function refusal(p: Promise<unknown>): Promise<SshConnectionError> {
  const e = await p.then(() => undefined, (err: Error) => err);
  expect(e).toBeInstanceOf(SshConnectionError);
  return e as SshConnectionError;
}

test("a wrong pinned host key is refused and the error shows both fingerprints", async () => {
  const before = acceptedConnections(node1);
  const e = await refusal(connect(conn(node1, { hostKey: node2.hostKey })));
  expect(e.reason).toBe("hostkey-mismatch");
  expect(e.message).toContain(`pinned hostKey is ${node2Fp}`);
  expect(e.message).toContain(`presented ${node1Fp}`);
  expect(acceptedConnections(node1)).toBe(before); // refused before authenticating
});

test("a wrong pinned fingerprint is refused too; the right one is accepted", async () => {
  const e = await refusal(connect(conn(node1, { hostKey: node2Fp })));
  expect(e.message).toContain(node2Fp);
  expect(e.message).toContain(node1Fp);
  const h = await connect(conn(node1, { hostKey: node1Fp }));
  expect((await h.run(["hostname"])).stdout.trim()).toBe("node1");
});

test("a pooled connection is not reused by a caller whose pinned key disagrees", async () => {
  const ok = await connect(conn(node1));
  await ok.run(["true"]);
  const e = await refusal(connect(conn(node1, { hostKey: node2.hostKey })));
  expect(e.message).toContain(node1Fp);
  expect(e.message).toContain(node2Fp);
});

test("an unknown host with verification on is refused with the fingerprint and the line to pin", async () => {
  const empty = join(tmp, "known_hosts.empty");
  writeFileSync(empty, "");
  const e = await refusal(connect(conn(node1, { hostKey: undefined, knownHostsPath: empty })));
  expect(e.reason).toBe("hostkey-unknown");
  expect(e.message).toContain(node1Fp);
  const keyLine = node1.hostKey.split(/\s+/).slice(0, 2).join(" ");
  expect(e.message).toContain(`hostKey: "${keyLine}"`);
  expect(e.message).toContain(`${node1.address} ${keyLine}`);
});

test("known_hosts written and hashed by ssh-keygen is honoured; a wrong entry is a mismatch", async () => {
  const good = join(tmp, "known_hosts.good");
  writeFileSync(good, `${node1.address} ${node1.hostKey}\n`);
  execFileSync("ssh-keygen", ["-q", "-H", "-f", good], { stdio: "ignore" });
  expect(readFileSync(good, "utf8")).toMatch(/^\|1\|/);
  const h = await connect(conn(node1, { hostKey: undefined, knownHostsPath: good }));
  expect((await h.run(["hostname"])).stdout.trim()).toBe("node1");
  await closeAll();

  const bad = join(tmp, "known_hosts.bad");
  writeFileSync(bad, `${node1.address} ${node2.hostKey}\n`);
  const e = await refusal(connect(conn(node1, { hostKey: undefined, knownHostsPath: bad })));
  expect(e.reason).toBe("hostkey-mismatch");
  expect(e.message).toContain(node1Fp);
  expect(e.message).toContain(node2Fp);
});

test("turning verification off is explicit and then works", async () => {
  const h = await connect(conn(node1, { hostKey: undefined, insecureIgnoreHostKey: true }));
  expect((await h.run(["hostname"])).stdout.trim()).toBe("node1");
});

test("an unreachable host fails with a clear error after dialErrorLimit dials of perDialTimeout", async () => {
  const address = unusedLabAddress();
  const e = await refusal(connect({ ...conn(node1), host: address, dialErrorLimit: 2, perDialTimeout: 2 }));
  expect(e.message).toContain(`cannot connect to root@${address}:22: 2 dial attempts failed`);
  expect(e.message).toMatch(/perDialTimeout 2 s/);
  expect(e.message).toMatch(/timed out after 2 s|EHOSTUNREACH|ETIMEDOUT/);
});

test("a jump host (proxy) carries the connection: the target sees it coming from the jump host", async () => {
  const before = authLogSince(node2, 0).length;
  const h = await connect(conn(node2, { proxy: conn(node1) }));
  expect((await h.run(["hostname"])).stdout.trim()).toBe("node2");
  const fresh = authLogSince(node2, before);
  expect(fresh).toHaveLength(1);
  expect(fresh[0]).toContain(`from ${node1.address} port`);
});

test("a jump host's own key is verified too", async () => {
  const e = await refusal(connect(conn(node2, { proxy: conn(node1, { hostKey: node2.hostKey }) })));
  expect(e.message).toContain(node1Fp);
  expect(e.message).toContain(node2Fp);
});

test("credential problems fail at once (no retries), naming the field", async () => {
  const keyFile = join(tmp, "encrypted_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret pw", "-f", keyFile], { stdio: "ignore" });
  const encrypted = readFileSync(keyFile, "utf8");
  const cases: Array<[Record<string, unknown>, RegExp, string]> = [
    [{ privateKey: encrypted }, /connection\.privateKey is encrypted: give connection\.privateKeyPassword/, "config"],
    [{ privateKey: encrypted, privateKeyPassword: "wrong" }, /privateKeyPassword does not decrypt/, "config"],
    [{ privateKey: encrypted, privateKeyPassword: "secret pw" }, /accepted none of the configured credentials \(tried privateKey as user root\)/, "auth"],
    [{ user: "nobody" }, /authentication to nobody@.* failed/, "auth"],
  ];
  for (const [extra, message, reason] of cases) {
    const e = await refusal(connect({ ...conn(node1), dialErrorLimit: 10, ...extra }));
    expect(e.message).toMatch(message);
    expect(e.reason).toBe(reason);
    expect(e.message).not.toMatch(/dial attempts failed/); // not retried
    expect(e.message).not.toContain("secret pw");
  }
});

test("resources created together on an unanswering host share one series of dials", async () => {
  // A TCP server that accepts and never speaks SSH; it counts the dials it receives.
  let accepted = 0;
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    accepted++;
    sockets.push(sock);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const target = { ...conn(node1), host: "127.0.0.1", port, dialErrorLimit: 2, perDialTimeout: 1 };
    const errors = await Promise.all(Array.from({ length: 5 }, () => connect(target).then(() => undefined, (e: Error) => e)));
    expect(errors.every((e) => e instanceof SshConnectionError && /2 dial attempts failed.*timed out after 1 s/.test(e.message)))
      .toBe(true);
    expect(accepted).toBe(2); // not 5 x 2
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});
