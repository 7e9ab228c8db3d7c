import { readFileSync } from "fs";
import { join } from "path";
import {
  type HostKeyPolicy,
  blobKeyType,
  fingerprint,
  hostFieldMatches,
  knownHostsName,
  parseKnownHosts,
  parsePinnedKey,
  parsePublicKey,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from "../../../provider/ssh/host-key";

const FIX = join(__dirname, "../../fixtures/ssh");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");
const keyOf = (f: string) => {
  const k = parsePublicKey(read(f));
  if (typeof k === "string") throw new Error(k);
  return k;
};
/** ssh-keygen -lf's fingerprints, keyed by comment. */
const reference = Object.fromEntries(
  read("fingerprints.txt").trim().split("\n").map((l) => {
    const [, fp, comment] = l.split(" ");
    return [comment, fp];
  }),
);

const ed = keyOf("host_ed25519.pub");
const rsa = keyOf("host_rsa.pub");
const ecdsa = keyOf("host_ecdsa.pub");
const other = keyOf("other_ed25519.pub");

describe("fingerprint", () => {
  it.each([
    ["host_ed25519.pub", "fixture-ed25519"],
    ["host_rsa.pub", "fixture-rsa"],
    ["host_ecdsa.pub", "fixture-ecdsa"],
    ["other_ed25519.pub", "other"],
  ])("of %s equals ssh-keygen's", (file, comment) => {
    expect(fingerprint(keyOf(file).blob)).toBe(reference[comment]);
  });

  it("reads the key type out of the blob", () => {
    expect(blobKeyType(ed.blob)).toBe("ssh-ed25519");
    expect(blobKeyType(rsa.blob)).toBe("ssh-rsa");
    expect(blobKeyType(ecdsa.blob)).toBe("ecdsa-sha2-nistp256");
    expect(() => blobKeyType(Buffer.from([0, 0]))).toThrow();
  });
});

describe("parsePublicKey and parsePinnedKey", () => {
  it("accepts key lines with and without comment", () => {
    expect(parsePublicKey(`${ed.type} ${ed.blob.toString("base64")}`)).toEqual(ed);
    expect(parsePublicKey(read("host_rsa.pub"))).toEqual(rsa);
  });

  it("explains what is wrong with a bad line", () => {
    expect(parsePublicKey("ssh-ed25519")).toMatch(/TYPE BASE64/);
    expect(parsePublicKey("198.18.0.10 ssh-ed25519 AAAA")).toMatch(/not an SSH key type/);
    expect(parsePublicKey("ssh-ed25519 !!!")).toMatch(/not base64/);
    expect(parsePublicKey(`ssh-rsa ${ed.blob.toString("base64")}`)).toMatch(/says ssh-rsa but the key inside is ssh-ed25519/);
    expect(parsePublicKey("ssh-ed25519 AAAA")).toMatch(/not an SSH public key/);
  });

  it("takes SHA256 fingerprints, with or without base64 padding", () => {
    const fp = reference["fixture-ed25519"];
    expect(parsePinnedKey(fp)).toEqual({ kind: "fingerprint", fingerprint: fp });
    expect(parsePinnedKey(`${fp}=`)).toEqual({ kind: "fingerprint", fingerprint: fp });
    expect(parsePinnedKey("SHA256:short")).toMatch(/43 base64/);
  });

  it("refuses MD5 fingerprints", () => {
    expect(parsePinnedKey("MD5:12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0")).toMatch(/MD5/);
    expect(parsePinnedKey("12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0")).toMatch(/MD5/);
  });

  it("says which formats hostKey takes", () => {
    expect(parsePinnedKey("hello")).toMatch(/OpenSSH public key line.*SHA256/);
  });
});

describe("known_hosts", () => {
  const entries = parseKnownHosts(read("known_hosts"));
  const hashed = parseKnownHosts(read("known_hosts.hashed"));

  it("parses entries, markers and line numbers and skips what does not parse", () => {
    expect(entries.map((e) => [e.marker, e.patterns, e.key.type, e.line])).toEqual([
      ["", "node1.example.com,198.18.0.10", "ssh-ed25519", 4],
      ["", "[198.18.0.11]:2222", "ssh-rsa", 5],
      ["", "*.lab.example.com,!bad.lab.example.com", "ecdsa-sha2-nistp256", 6],
      ["@revoked", "198.18.0.12", "ssh-ed25519", 7],
      ["@cert-authority", "*.example.com", "ssh-ed25519", 8],
    ]);
  });

  it("names hosts as ssh does", () => {
    expect(knownHostsName("198.18.0.10", 22)).toBe("198.18.0.10");
    expect(knownHostsName("198.18.0.11", 2222)).toBe("[198.18.0.11]:2222");
  });

  it("matches patterns, wildcards and negation", () => {
    expect(hostFieldMatches("node1.example.com,198.18.0.10", "198.18.0.10")).toBe(true);
    expect(hostFieldMatches("node1.example.com,198.18.0.10", "198.18.0.100")).toBe(false);
    expect(hostFieldMatches("node1.example.com,198.18.0.10", "NODE1.example.com")).toBe(true);
    expect(hostFieldMatches("*.lab.example.com,!bad.lab.example.com", "good.lab.example.com")).toBe(true);
    expect(hostFieldMatches("*.lab.example.com,!bad.lab.example.com", "bad.lab.example.com")).toBe(false);
    expect(hostFieldMatches("198.18.0.?", "198.18.0.7")).toBe(true);
    expect(hostFieldMatches("198.18.0.?", "198.18.0.17")).toBe(false);
    expect(hostFieldMatches("[198.18.0.11]:2222", "198.18.0.11")).toBe(false);
    expect(hostFieldMatches("a.b", "axb")).toBe(false); // "." is literal
  });

  it("matches hashed entries written by ssh-keygen -H, including the [host]:port form", () => {
    expect(hashed).toHaveLength(2);
    expect(hostFieldMatches(hashed[0].patterns, "198.18.0.20")).toBe(true);
    expect(hostFieldMatches(hashed[0].patterns, "198.18.0.21")).toBe(false);
    expect(hostFieldMatches(hashed[1].patterns, "[198.18.0.21]:2200")).toBe(true);
    expect(hostFieldMatches(hashed[1].patterns, "198.18.0.21")).toBe(false);
  });

  const policy = (es = entries): HostKeyPolicy => ({ kind: "knownHosts", path: "/root/.ssh/known_hosts", entries: es });

  it("accepts the known key", () => {
    expect(verifyHostKey(policy(), "198.18.0.10", 22, ed.blob)).toEqual({ ok: true });
    expect(verifyHostKey(policy(), "198.18.0.11", 2222, rsa.blob)).toEqual({ ok: true });
    expect(verifyHostKey(policy(hashed), "198.18.0.20", 22, ed.blob)).toEqual({ ok: true });
    expect(verifyHostKey(policy(hashed), "198.18.0.21", 2200, rsa.blob)).toEqual({ ok: true });
  });

  it("refuses a different key of the same type and shows both fingerprints", () => {
    const v = verifyHostKey(policy(), "198.18.0.10", 22, other.blob);
    expect(v).toMatchObject({ ok: false, reason: "mismatch" });
    if (v.ok) return;
    expect(v.message).toContain(reference["fixture-ed25519"]);
    expect(v.message).toContain(reference["other"]);
    expect(v.message).toContain("line 4");
  });

  it("treats the same host on another port as unknown", () => {
    const v = verifyHostKey(policy(), "198.18.0.10", 2222, ed.blob);
    expect(v).toMatchObject({ ok: false, reason: "unknown" });
  });

  it("tells how to pin an unknown host's key", () => {
    const v = verifyHostKey(policy(), "198.18.0.99", 2222, ed.blob);
    expect(v).toMatchObject({ ok: false, reason: "unknown" });
    if (v.ok) return;
    const line = `${ed.type} ${ed.blob.toString("base64")}`;
    expect(v.message).toContain(reference["fixture-ed25519"]);
    expect(v.message).toContain(`hostKey: "${line}"`);
    expect(v.message).toContain(`[198.18.0.99]:2222 ${line}`);
  });

  it("reports a host known only by another key type as unknown, naming what is known", () => {
    const v = verifyHostKey(policy(), "198.18.0.10", 22, ecdsa.blob);
    expect(v).toMatchObject({ ok: false, reason: "unknown" });
    if (!v.ok) expect(v.message).toContain(`ssh-ed25519 ${reference["fixture-ed25519"]}`);
  });

  it("refuses a revoked key even if another line allows it", () => {
    const es = parseKnownHosts(`198.18.0.12 ${other.type} ${other.blob.toString("base64")}\n${read("known_hosts")}`);
    expect(verifyHostKey(policy(es), "198.18.0.12", 22, other.blob)).toMatchObject({ ok: false, reason: "revoked" });
  });

  it("ignores @cert-authority lines (no certificate support): such hosts are unknown", () => {
    expect(verifyHostKey(policy(), "x.example.com", 22, other.blob)).toMatchObject({ ok: false, reason: "unknown" });
  });

  it("says when the known_hosts file is missing", () => {
    const v = verifyHostKey({ kind: "knownHosts", path: "/nope", entries: [], missing: true }, "h", 22, ed.blob);
    if (!v.ok) expect(v.message).toContain("/nope (which does not exist)");
    expect(v.ok).toBe(false);
  });
});

describe("pinned keys", () => {
  it("accepts the pinned key or its fingerprint", () => {
    expect(verifyHostKey({ kind: "pinned", pinned: { kind: "key", key: ed } }, "h", 22, ed.blob)).toEqual({ ok: true });
    const fp = { kind: "fingerprint" as const, fingerprint: reference["fixture-ed25519"] };
    expect(verifyHostKey({ kind: "pinned", pinned: fp }, "h", 22, ed.blob)).toEqual({ ok: true });
  });

  it("refuses another key, showing both fingerprints", () => {
    const v = verifyHostKey({ kind: "pinned", pinned: { kind: "key", key: ed } }, "198.18.0.10", 22, other.blob);
    expect(v).toMatchObject({ ok: false, reason: "mismatch" });
    if (v.ok) return;
    expect(v.message).toContain(`pinned hostKey is ${reference["fixture-ed25519"]}`);
    expect(v.message).toContain(`presented ${reference["other"]}`);
  });

  it("accepts anything only when verification is explicitly off", () => {
    expect(verifyHostKey({ kind: "insecure" }, "h", 22, other.blob)).toEqual({ ok: true });
  });
});

describe("preferredHostKeyAlgorithms", () => {
  it("asks first for the pinned key's type, so that the server presents the key we can check", () => {
    const a = preferredHostKeyAlgorithms({ kind: "pinned", pinned: { kind: "key", key: rsa } }, "h", 22);
    expect(a.slice(0, 3)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    expect(a).toContain("ssh-ed25519");
  });

  it("asks first for the types known_hosts has for this host", () => {
    const entries = parseKnownHosts(read("known_hosts"));
    const a = preferredHostKeyAlgorithms({ kind: "knownHosts", path: "k", entries }, "198.18.0.11", 2222);
    expect(a[0]).toBe("rsa-sha2-512");
  });

  it("keeps the default order otherwise", () => {
    expect(preferredHostKeyAlgorithms({ kind: "insecure" }, "h", 22)[0]).toBe("ssh-ed25519");
  });
});
