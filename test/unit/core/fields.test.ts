/**
 * The shared input fields: tables of real and hostile values, then seeded random strings around each rule's
 * edges. A value either is refused or, once accepted, is one argv word that no command reads as an option
 * and that the shell-free argv and the files it reaches keep verbatim.
 */
import { domainName } from "../../../provider/core/fields/domain-name";
import { hostOrAddress, interfaceName, listenAddress, userName } from "../../../provider/core/fields/network";
import { connectionSchema } from "../../../provider/ssh/connection";
import { rng } from "../../support/seeded";

const host = hostOrAddress();
const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe("hostOrAddress", () => {
  test.each(["node1", "node2-lan1", "10.10.10.30", "192.168.233.150", "::1", "fe80::1", "2001:db8::7", "xen01.example.com", "xen01.example.com.", "a_b.internal"])(
    "accepts %s", (v) => expect(ok(host, v)).toBe(true));
  test.each([
    "", "-oProxyCommand=x", "-G", "999.999.999.999", "10.0.0", "10.0.0.256", ":::", "1:2:3:4:5:6:7:8:9", "host name", "a;b", "a\nb",
    "$(id)", "`id`", "root@node1", "node1:22", "node1/x", "a..b", "-a.b", "a-.b", "x".repeat(64), `${"a.".repeat(127)}ab`, "nøde1", "nodе1" /* Cyrillic е */,
    "a\u0000b",
  ])("refuses %j", (v) => expect(ok(host, v)).toBe(false));
});

describe("userName", () => {
  test.each(["root", "xen-ha", "svc_xen", "ops.user", "machine$"])("accepts %s", (v) => expect(ok(userName, v)).toBe(true));
  test.each(["", "-root", "root;id", "root user", "ro\not", "a".repeat(33), "$(id)", "röot"])("refuses %j", (v) => expect(ok(userName, v)).toBe(false));
});

describe("interfaceName", () => {
  const itf = interfaceName();
  test.each(["xenbr0", "xenbr1", "eth0", "br-lan.10", "vif1.0", "a".repeat(15)])("accepts %s", (v) => expect(ok(itf, v)).toBe(true));
  test.each(["", "xen br0", "-xenbr0", "a".repeat(16), ".", "..", "eth0:1", "br/0", "br;0"])("refuses %j", (v) => expect(ok(itf, v)).toBe(false));
});

describe("listenAddress: every address, an IP address, or an interface", () => {
  const la = listenAddress();
  test.each(["", "0.0.0.0", "10.10.10.11", "::", "fe80::1", "xenbr1", "eth0.10"])("accepts %j", (v) => expect(ok(la, v)).toBe(true));
  test.each(["999.999.999.999", "10.0.0", ":::", "-eth0", "xen br0", "a".repeat(16), "10.0.0.1;id", "'*'"])("refuses %j", (v) => expect(ok(la, v)).toBe(false));
});

describe("domainName, one rule everywhere", () => {
  const d = domainName();
  test.each(["test01", "Test-01", "web.prod_2", "a", "a".repeat(64)])("accepts %s", (v) => expect(ok(d, v)).toBe(true));
  test.each(["", "-test01", "test01;id", "$(id)", "te st", "a\u0000b", "tеst01" /* Cyrillic */, "Domain-0", "0", "a".repeat(65), "/etc/passwd", "..", ".hidden"])(
    "refuses %j", (v) => expect(ok(d, v)).toBe(false));
});

describe("connection: the boundary of every resource", () => {
  const base = { host: "node1", hostKey: "SHA256:" + "A".repeat(43) };
  test.each([{ host: "node1;reboot" }, { host: "node 1" }, { host: "-oProxyCommand=id" }, { user: "root;id" }, { user: "ro ot" }, { user: "-l" }, { host: "node1\n" }])(
    "refuses %j naming the field", (bad) => {
      const r = connectionSchema.safeParse({ ...base, ...bad });
      expect(r.success).toBe(false);
      if (!r.success) expect(r.error.issues[0]!.path[0]).toBe(Object.keys(bad)[0]);
    });
});

// the characters around every rule's edges: separators, shell words, option starts, control and look-alike letters
const ALPHABET = ["a", "Z", "0", "9", "-", "_", ".", ":", "/", " ", "\t", "\n", "\u0000", ";", "$", "(", ")", "`", "'", "\"", "\\", "@", "*", "е", "ø", "%", ",", "="];
function randomString(next: () => number): string {
  const n = Math.floor(next() * 20);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

const SEED = 20261207;
const RUNS = 4000;
test(`seeded random strings (seed ${SEED}, ${RUNS} each): whatever a field accepts is one safe word`, () => {
  const next = rng(SEED);
  const fields: [string, { safeParse(v: unknown): { success: boolean } }][] = [
    ["hostOrAddress", host], ["userName", userName], ["interfaceName", interfaceName()], ["domainName", domainName()],
    ["listenAddress", listenAddress()],
  ];
  let accepted = 0;
  for (const [name, schema] of fields) {
    for (let i = 0; i < RUNS; i++) {
      const s = randomString(next);
      if (!ok(schema, s)) continue;
      accepted++;
      // never an option, never two words, never a shell or quoting character, ASCII only
      expect({ name, s, leadingDash: s.startsWith("-") }).toEqual({ name, s, leadingDash: false });
      expect({ name, s, unsafe: /[\s;$()`'"\\@*,=%]|[^\x21-\x7e]/.test(s) }).toEqual({ name, s, unsafe: false });
    }
  }
  // the generator must also produce accepted values, or this test proves nothing
  expect(accepted).toBeGreaterThan(100);
});
