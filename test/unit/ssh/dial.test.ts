import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { backoffMs, hostKeyPolicy, retryable } from "../../../provider/ssh/dial";
import { parseConnection } from "../../../provider/ssh/connection";
import { SshConnectionError } from "../../../provider/ssh/remote-host";

describe("dial retries", () => {
  it("backs off 0.5 s, 1 s, 2 s ... up to 8 s", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it("retries the network and timeouts, never credentials, host keys, configuration or DNS", () => {
    const e = (reason: string) => new SshConnectionError("h", "m", reason);
    expect(retryable(e("network"))).toBe(true);
    expect(retryable(e("timeout"))).toBe(true);
    for (const r of ["auth", "hostkey-mismatch", "hostkey-unknown", "hostkey-revoked", "config", "dns", "sudo"]) {
      expect(retryable(e(r))).toBe(false);
    }
    expect(retryable(Object.assign(new Error("x"), { level: "client-authentication" }))).toBe(false);
    expect(retryable(Object.assign(new Error("x"), { code: "ENOTFOUND" }))).toBe(false);
    expect(retryable(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
  });
});

describe("hostKeyPolicy", () => {
  const dir = mkdtempSync(join(tmpdir(), "xenha-policy-"));
  it("prefers a pinned key, then the explicit opt-out, then known_hosts", () => {
    expect(hostKeyPolicy(parseConnection({ host: "h", hostKey: "SHA256:djBuDYvnA81JoPcCZWvqepefHH5upJ5w+4L+MCYxxaw" })).kind)
      .toBe("pinned");
    expect(hostKeyPolicy(parseConnection({ host: "h", insecureIgnoreHostKey: true })).kind).toBe("insecure");
    const kh = join(dir, "known_hosts");
    writeFileSync(kh, "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICtq/P2PycxroyB2PSqzUrlavYuE9eX2z+DLNH0cIfUa\n");
    const p = hostKeyPolicy(parseConnection({ host: "h", knownHostsPath: kh }));
    expect(p).toMatchObject({ kind: "knownHosts", path: kh, missing: false });
    if (p.kind === "knownHosts") expect(p.entries).toHaveLength(1);
  });

  it("treats a missing known_hosts file as empty and says so", () => {
    const p = hostKeyPolicy(parseConnection({ host: "h", knownHostsPath: join(dir, "nope") }));
    expect(p).toMatchObject({ kind: "knownHosts", missing: true, entries: [] });
  });

  it("fails on a known_hosts path that cannot be read for another reason", () => {
    expect(() => hostKeyPolicy(parseConnection({ host: "h", knownHostsPath: dir }))).toThrow(/cannot read known_hosts/);
  });
});
