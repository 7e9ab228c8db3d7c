import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parseSxp } from "../../../provider/formats/sxp";
import {
  DesiredRelocation,
  editRelocation,
  effectiveRelocation,
  exactHostPattern,
  hostsAllowAccepts,
  RELOCATION_DEFAULTS,
} from "../../../provider/formats/sxp-xend-relocation";

const DIR = join(__dirname, "../../fixtures/xend-config");
const samples = readdirSync(DIR).filter((f) => f.startsWith("xend-config.sxp."));
const read = (f: string) => readFileSync(join(DIR, f), "utf8");

/** node1 opens its relocation server to node2 only, as in runbook step 5 */
const open: DesiredRelocation = {
  server: true,
  port: 8002,
  address: "",
  hostsAllow: [exactHostPattern("node2"), exactHostPattern("198.18.0.12")].join(" "),
  sslServer: false,
};

function comments(text: string): string[] {
  return parseSxp(text).comments.map((c) => c.text);
}

describe("effective relocation settings", () => {
  it("upstream samples: server yes, hosts-allow localhost only, defaults for the rest", () => {
    for (const f of samples.filter((s) => /xen-\d/.test(s))) {
      const { settings, problems } = effectiveRelocation(parseSxp(read(f)));
      expect(problems).toEqual([]);
      expect(settings).toEqual({ ...RELOCATION_DEFAULTS, server: true, hostsAllow: "^localhost$ ^localhost\\.localdomain$" });
    }
  });

  it("Red Hat style: relocation off by default", () => {
    expect(effectiveRelocation(parseSxp(read("xend-config.sxp.redhat-style"))).settings.server).toBe(false);
  });

  it("an earlier no beats a later yes", () => {
    expect(effectiveRelocation(parseSxp("(xend-relocation-server no)\n(xend-relocation-server yes)\n")).settings.server).toBe(false);
  });

  it("accepts xend's boolean words in any case and reports others in xend's words", () => {
    for (const w of ["YES", "y", "1", "on", "True", "t"]) {
      expect(effectiveRelocation(parseSxp(`(xend-relocation-server ${w})`)).settings.server).toBe(true);
    }
    const bad = effectiveRelocation(parseSxp("(xend-relocation-server enabled)(xend-relocation-port 80x2)"));
    expect(bad.problems).toEqual([
      "invalid xend config xend-relocation-server: expected bool: enabled",
      "invalid xend config xend-relocation-port: expected int: 80x2",
    ]);
  });

  it("SSL server without key and cert is a problem, as it stops xend", () => {
    expect(effectiveRelocation(parseSxp("(xend-relocation-ssl-server yes)")).problems[0]).toMatch(/ssl_key_file or ssl_cert_file/);
  });
});

describe("editing relocation settings", () => {
  it.each(samples)("%s: opens relocation to the other node only, keeps every comment, stable on re-apply", (f) => {
    const text = read(f);
    const edit = editRelocation(text, open);
    expect(edit.changed).toBe(true);
    expect(edit.effectiveChanged).toBe(true);
    expect(effectiveRelocation(parseSxp(edit.text))).toEqual({
      settings: { ...RELOCATION_DEFAULTS, server: true, hostsAllow: "^node2$ ^198\\.18\\.0\\.12$" },
      problems: [],
    });
    // every comment of the original survives (commenting out a contradicting entry only adds comments)
    const after = comments(edit.text);
    for (const c of comments(text)) expect(after).toContain(c);
    // only lines that are about relocation changed
    const before = text.split("\n");
    const changed = edit.text.split("\n").filter((l) => !before.includes(l));
    for (const l of changed) expect(l).toMatch(/xend-relocation-/);
    // the same input gives the same bytes, and a second apply changes nothing
    expect(editRelocation(text, open).text).toBe(edit.text);
    const again = editRelocation(edit.text, open);
    expect(again).toMatchObject({ changed: false, effectiveChanged: false, actions: [], text: edit.text });
  });

  it("upstream 4.1: replaces the localhost-only hosts-allow in place and leaves the active server yes alone", () => {
    const text = read("xend-config.sxp.xen-4.1.6.1");
    const edit = editRelocation(text, open);
    expect(edit.actions).toEqual([expect.stringMatching(/^line 129: set \(xend-relocation-hosts-allow '\^node2\$ \^198\\\\\.18/)]);
    expect(edit.text.split("\n")[128]).toBe("(xend-relocation-hosts-allow '^node2$ ^198\\\\.18\\\\.0\\\\.12$')");
  });

  it("Red Hat style: inserts the server line right after its commented template", () => {
    const edit = editRelocation(read("xend-config.sxp.redhat-style"), open);
    const lines = edit.text.split("\n");
    const i = lines.indexOf("#(xend-relocation-server no)");
    expect(lines[i + 1]).toBe("(xend-relocation-server yes)");
  });

  it("messy file: fixes the early contradicting entry in place and comments out a later contradicting one", () => {
    const edit = editRelocation(read("xend-config.sxp.messy"), open);
    const lines = edit.text.split("\n");
    expect(lines[6]).toBe("(xend-relocation-server yes)   # do not enable without change ticket");
    expect(lines[13]).toBe("(xend-relocation-hosts-allow '^node2$ ^198\\\\.18\\\\.0\\\\.12$') (dom0-min-mem 256)");
    expect(lines[16]).toBe("#(xend-relocation-hosts-allow '')");
  });

  it("turning relocation off touches only the server entry", () => {
    const text = read("xend-config.sxp.xen-4.1.6.1");
    const off: DesiredRelocation = { ...open, server: false, hostsAllow: "^localhost$ ^localhost\\.localdomain$" };
    const edit = editRelocation(text, off);
    expect(edit.actions).toEqual(["line 65: set (xend-relocation-server no)"]);
  });

  it("writes SSL settings only when the SSL server is wanted", () => {
    const ssl: DesiredRelocation = { ...open, sslServer: true, sslPort: 8443, sslKeyFile: "/etc/xen/reloc.key", sslCertFile: "/etc/xen/reloc.crt" };
    const edit = editRelocation(read("xend-config.sxp.xen-4.1.6.1"), ssl);
    expect(edit.after).toMatchObject({ sslServer: true, sslPort: 8443, sslKeyFile: "/etc/xen/reloc.key", sslCertFile: "/etc/xen/reloc.crt" });
    expect(edit.text).toContain("#(xend-relocation-server-ssl-key-file   xmlrpc.key)\n(xend-relocation-server-ssl-key-file /etc/xen/reloc.key)\n");
  });

  it("refuses a file xend cannot parse, naming the line", () => {
    expect(() => editRelocation("(a b)\n(xend-relocation-server yes\n", open)).toThrow(/line 2: unexpected EOF/);
  });

  it("changed file but same effective settings: no xend restart needed", () => {
    const text = "(xend-relocation-server yes)\n(xend-relocation-hosts-allow '^node2$ ^198\\\\.18\\\\.0\\\\.12$')\n(xend-relocation-server no)\n";
    const edit = editRelocation(text, open);
    expect(edit.changed).toBe(true);
    expect(edit.effectiveChanged).toBe(false);
  });
});

describe("hosts-allow patterns", () => {
  it("exact hosts become anchored, escaped regexes that match only themselves", () => {
    expect(exactHostPattern("198.18.0.12")).toBe("^198\\.18\\.0\\.12$");
    const p = exactHostPattern("198.18.0.12");
    expect(hostsAllowAccepts(p, "node2", "198.18.0.12")).toBe(true);
    expect(hostsAllowAccepts(p, "node3", "198.18.0.120")).toBe(false);
    expect(hostsAllowAccepts(p, "node3", "198x18.0.12")).toBe(false);
  });

  it("follows xend: '' allows all, a double space makes an empty pattern that allows all, match anchors the start only", () => {
    expect(hostsAllowAccepts("", "x", "1.2.3.4")).toBe(true);
    expect(hostsAllowAccepts("^a$  ^b$", "x", "1.2.3.4")).toBe(true);
    expect(hostsAllowAccepts("node", "node2.example.com", "1.2.3.4")).toBe(true);
    expect(hostsAllowAccepts("example", "node2.example.com", "1.2.3.4")).toBe(false);
  });
});
