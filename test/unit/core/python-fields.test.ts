/**
 * What reaches Python 2 (xend's hosts-allow patterns, the keys and strings of an xm domain file): JavaScript
 * accepts more, or reads it differently, and each such value must be refused before a host sees it. Then the
 * same rules at the boundary of the resources that take them, with the field named.
 */
import { checkInputs } from "../../../provider/core/check";
import { python2RegexProblem, pythonIdentifierProblem } from "../../../provider/core/fields/python";
import { configValues, parseConfigDocument, renderValue } from "../../../provider/formats/domain-config/syntax";
import { absolutePath } from "../../../provider/core/absolute-path";
import { liveMigrationInputsSchema } from "../../../provider/resources/live-migration/schema";
import { xenDomainConfigInputsSchema } from "../../../provider/resources/xen-domain-config/schema";
import { hostsAllowRegexProblem, xendRelocationInputsSchema } from "../../../provider/resources/xend-relocation-config/schema";
import { pick, rng } from "../../support/seeded";

describe("python2RegexProblem", () => {
  test.each([
    "^node[12]\\.example\\.com$", "^10\\.10\\.10\\.\\d+$", "^(?:node1|node2)$", "(?=node)", "^(?!bad)", "(?<=x)y", "(?<!\\d)z",
    "\\x41", "a{2,3}", "[a\\]]", "[^a-z]", "^xen[0-9]{2}$", "^192\\.168\\.",
  ])("accepts %j", (p) => expect(python2RegexProblem(p)).toBeNull());

  test.each([
    ["(?<n>node1)", /named group .*\(\?P<name>/],
    ["(?<=a+)b", /look-behind of no fixed width/],
    ["(?<=a|bc)d", /look-behind of no fixed width/],
    ["(?<=x{1,3})y", /look-behind of no fixed width/],
    ["\\u0041", /\\u/],
    ["\\cJ", /\\c/],
    ["\\p{L}", /\\p/],
    ["\\k<a>", /\\k/],
    ["\\Anode", /\\A/],
    ["node\\Z", /\\Z/],
    ["\\x4", /two hex digits/],
    ["[^]", /\[\] or \[\^\]/],
    ["[]a]", /\[\] or \[\^\]/],
    ["a{,3}", /\{,n\}/],
    ["nöde1", /ASCII/],
  ])("refuses %j", (p, why) => expect(python2RegexProblem(p)).toMatch(why));

  test("a pattern JavaScript refuses is refused before Python is asked", () => {
    expect(hostsAllowRegexProblem("(")).toMatch(/not a valid regular expression/);
    expect(hostsAllowRegexProblem("(?<n>a)")).toMatch(/named group/);
  });
});

describe("pythonIdentifierProblem", () => {
  test.each(["builder", "cpus", "_private", "pci2", "device_model_version"])("accepts %s", (k) => expect(pythonIdentifierProblem(k)).toBeNull());
  test.each([
    ["print", /Python keyword/], ["class", /Python keyword/], ["None", /Python keyword/], ["exec", /Python keyword/], ["lambda", /Python keyword/],
    ["1abc", /config key/], ["a-b", /config key/], ["ünï", /config key/], ["", /config key/], ["a b", /config key/],
  ])("refuses %j", (k, why) => expect(pythonIdentifierProblem(k)).toMatch(why));
});

describe("absolutePath: Linux's length limits", () => {
  const p = absolutePath("test file");
  test("a part of 255 bytes and a path of 4095 are accepted; 256 and 4096 are not", () => {
    expect(p.safeParse(`/${"a".repeat(255)}`).success).toBe(true);
    expect(p.safeParse(`/${"a".repeat(256)}`).success).toBe(false);
    const deep = `/${Array.from({ length: 17 }, () => "b".repeat(250)).join("/")}`.slice(0, 4095);
    expect(Buffer.byteLength(deep)).toBe(4095);
    expect(p.safeParse(deep).success).toBe(true);
    expect(p.safeParse(`${deep}c`).success).toBe(false);
  });
});

const conn = { host: "198.18.0.11", password: "pw" };
const test01 = {
  connection: conn, name: "test01", memory: 128,
  boot: { kernel: "/boot/vmlinuz" }, disks: [{ path: "/data/test01.img", vdev: "xvda" }],
};
const migration = {
  domain: "test01", desiredHost: "node2",
  hosts: [
    { name: "node1", connection: { host: "198.18.0.11" }, migrationAddress: "10.10.10.11" },
    { name: "node2", connection: { host: "198.18.0.12" }, migrationAddress: "10.10.10.12" },
  ],
};

describe("the rules at the resources' boundary, each failure naming its field", () => {
  test.each([
    [{ extraKeys: { print: "x" } }, "extraKeys.print", /Python keyword/],
    [{ extraKeys: { None: 1 } }, "extraKeys.None", /Python keyword/],
    [{ extraKeys: { "9lives": 1 } }, 'extraKeys["9lives"]', /config key/],
    [{ extraKeys: { cpus: "0-3 café" } }, "extraKeys.cpus", /ASCII/],
    [{ extraKeys: { cpus: ["0", "ü"] } }, "extraKeys.cpus[1]", /ASCII/],
    [{ boot: { kernel: "/boot/vmlinuz", extra: "console=hvc0 — quiet" } }, "boot.extra", /ASCII/],
    [{ disks: [{ path: "/data/tëst01.img", vdev: "xvda" }] }, "disks[0].path", /printable ASCII/],
    [{ path: "/etc/xen/../shadow" }, "path", /"\." or "\.\." parts/],
    [{ path: "/etc/xen/test01\nrm" }, "path", /white space/],
    [{ path: "/etc/xen/a\u0000b" }, "path", /control characters/],
    [{ path: `/etc/xen/${"x".repeat(256)}` }, "path", /at most 255/],
  ])("XenDomainConfig refuses %j naming %s", (over, property, reason) => {
    const r = checkInputs(xenDomainConfigInputsSchema, { ...test01, ...over });
    expect(r.failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  test.each([
    [{ hostsAllow: [{ regex: "^(?<n>node1)$" }] }, "hostsAllow[0].regex", /named group/],
    [{ hostsAllow: [{ regex: "^(?<=x+)node$" }] }, "hostsAllow[0].regex", /fixed width/],
    [{ hostsAllow: ["node2"], configPath: "/etc/xen/../xend-config.sxp" }, "configPath", /"\.\."/],
    [{ hostsAllow: ["node2"], configPath: "etc/xen/xend-config.sxp" }, "configPath", /absolute/],
  ])("XendRelocationConfig refuses %j naming %s", (over, property, reason) => {
    const r = checkInputs(xendRelocationInputsSchema, { connection: conn, ...over });
    expect(r.failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  test.each([
    [{ configPath: "/etc/xen/test01\n" }, "configPath", /white space/],
    [{ configPath: "/etc/xen/../../root/.ssh/id_rsa" }, "configPath", /"\.\."/],
    [{ toolstack: "xl", migration: { sshConfigFile: "/root/.ssh/config;id" } }, "migration.sshConfigFile", /shell metacharacters/],
    [{ toolstack: "xl", migration: { sshConfigFile: "relative/config" } }, "migration.sshConfigFile", /absolute/],
  ])("LiveMigration refuses %j naming %s", (over, property, reason) => {
    const r = checkInputs(liveMigrationInputsSchema, { ...migration, ...over });
    expect(r.failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  test("what they accept stays accepted: the runbook's values", () => {
    expect(checkInputs(xenDomainConfigInputsSchema, { ...test01, extraKeys: { builder: "linux", cpus: "0-3" }, path: "/etc/xen/test01" }).failures).toEqual([]);
    expect(checkInputs(xendRelocationInputsSchema, { connection: conn, hostsAllow: ["node2", { regex: "^node[12]\\.example\\.com$" }] }).failures).toEqual([]);
    expect(checkInputs(liveMigrationInputsSchema, { ...migration, configPath: "/etc/xen/test01.cfg" }).failures).toEqual([]);
  });
});


const SEED = 20261207;
test(`seeded (seed ${SEED}): an extraKeys entry accepted by check reads back from the xm and xl file as written`, () => {
  const next = rng(SEED);
  const KEY = ["a", "Z", "_", "0", "9", "-", "é", " ", "print", "None", "in"];
  const VALUE = ["a", " ", "\"", "'", "\\", "#", ",", "=", "[", "]", "\\n", "é", "\t", "\n", "$(id)", "0"];
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const key = pick(next, KEY, 4);
    const value = next() < 0.2 ? Math.floor(next() * 1e6) : pick(next, VALUE, 8);
    const r = checkInputs(xenDomainConfigInputsSchema, { ...test01, extraKeys: { [key]: value } });
    if (r.failures.length > 0) continue;
    accepted++;
    for (const flavour of ["xm", "xl"] as const) {
      const doc = parseConfigDocument(`${key} = ${renderValue(value)}\n`, flavour);
      expect({ key, value, flavour, back: configValues(doc).values.get(key) }).toEqual({ key, value, flavour, back: value });
    }
  }
  expect(accepted).toBeGreaterThan(200); // or the generator proves nothing
});

test(`seeded (seed ${SEED}): a hosts-allow pattern accepted is ASCII, one word, and compiles`, () => {
  const next = rng(SEED + 1);
  const PARTS = ["a", "1", ".", "\\.", "\\d", "(", ")", "(?:", "(?<=", "(?<n>", "(?i:", "[", "]", "^", "$", "|", "*", "+", "?", "{2}", "{,2}", "\\u0041", "\\A", "é", " "];
  let accepted = 0;
  for (let i = 0; i < 4000; i++) {
    const p = pick(next, PARTS, 6);
    if (hostsAllowRegexProblem(p) !== null) continue;
    accepted++;
    expect({ p, ascii: /^[\x21-\x7e]+$/.test(p) }).toEqual({ p, ascii: true });
    expect(() => new RegExp(p)).not.toThrow();
    expect({ p, jsOnly: /\(\?<[^=!]|\(\?[a-z]|\{,|\\[uckpPAZa]/.test(p) }).toEqual({ p, jsOnly: false });
  }
  expect(accepted).toBeGreaterThan(200);
});
