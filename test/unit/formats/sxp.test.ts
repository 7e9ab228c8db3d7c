import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { isBareAtom, parseSxp, quoteSxp, SxpParseError, sxpChildValue, sxpEntries } from "../../../provider/formats/sxp";
import { setSxpEntries } from "../../../provider/formats/sxp-edit";

const DIR = join(__dirname, "../../fixtures/xend-config");
const samples = readdirSync(DIR).filter((f) => f.startsWith("xend-config.sxp."));

describe("sxp reader (xend's lexical rules)", () => {
  it.each(samples)("reads %s with offsets that point at the source text", (f) => {
    const text = readFileSync(join(DIR, f), "utf8");
    const doc = parseSxp(text);
    expect(doc.nodes.length).toBeGreaterThan(3);
    for (const n of doc.nodes) {
      expect(text.slice(n.start, n.end).startsWith(n.kind === "list" ? "(" : "")).toBe(true);
      expect(text.slice(0, n.start).split("\n").length).toBe(n.line);
    }
    // every comment line of the file is seen as a comment
    const commentLines = text.split("\n").filter((l) => /^\s*#/.test(l)).length;
    expect(doc.comments.filter((c) => /^\s*$/.test(text.slice(text.lastIndexOf("\n", c.start - 1) + 1, c.start))).length).toBe(commentLines);
  });

  it("decodes strings with xend's escapes", () => {
    const doc = parseSxp(`(a '^localhost\\\\.localdomain$') (b "x\\ty") (c 'it\\'s') (d '\\101\\x42') (e 'a\\qb')`);
    expect(sxpChildValue(doc, "a")).toBe("^localhost\\.localdomain$");
    expect(sxpChildValue(doc, "b")).toBe("x\ty");
    expect(sxpChildValue(doc, "c")).toBe("it's");
    expect(sxpChildValue(doc, "d")).toBe("AB");
    // xend's state machine keeps the backslash of an unknown escape and drops the escaped character
    expect(sxpChildValue(doc, "e")).toBe("a\\b");
  });

  it("ends atoms at #, white space and separators; # inside strings is not a comment", () => {
    const doc = parseSxp("(a yes#comment\n) (b 'x#y') (c x;y)");
    expect(sxpChildValue(doc, "a")).toBe("yes");
    expect(sxpChildValue(doc, "b")).toBe("x#y");
    expect(doc.nodes[2].value).toEqual(["c", "x", ";y"]);
    expect(doc.comments.map((c) => c.text)).toEqual(["#comment"]);
  });

  it("the first top-level entry wins, as in xend's child_value", () => {
    const doc = parseSxp("(k no)\n(k yes)\n(x (k maybe))\n");
    expect(sxpEntries(doc, "k")).toHaveLength(2);
    expect(sxpChildValue(doc, "k")).toBe("no");
    expect(sxpChildValue(parseSxp("(k)\n"), "k")).toBeUndefined();
  });

  it.each([
    ["(a b\n(c d)\n", 1, /unbalanced/],
    ["(a b))\n", 1, /syntax error: \)/],
    ["\n\n(a 'b)\n", 3, /unterminated string/],
    ["(a b)\n(c \u00e9)\n", 2, /invalid character: code 233/],
  ])("refuses %j with the line number", (text, line, reason) => {
    let err: unknown;
    try {
      parseSxp(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SxpParseError);
    expect((err as SxpParseError).line).toBe(line);
    expect((err as SxpParseError).message).toMatch(reason);
  });

  it("accepts non-ASCII text in comments and strings", () => {
    expect(sxpChildValue(parseSxp("# réglé\n(a 'é')\n"), "a")).toBe("é");
  });

  it("quotes what cannot be a bare atom, and reads it back unchanged", () => {
    for (const s of ["", "^a\\.b$ ^c$", "it's", "tab\there", "/etc/xen/x.key"]) {
      const text = `(k ${isBareAtom(s) ? s : quoteSxp(s)})`;
      expect(sxpChildValue(parseSxp(text), "k")).toBe(s);
    }
    expect(isBareAtom("/etc/xen/xmlrpc.key")).toBe(true);
    expect(isBareAtom("a b")).toBe(false);
  });
});

describe("sxp editor", () => {
  const yes = { key: "k", token: "yes", satisfiedBy: (v: unknown) => v === "yes" };

  it("replaces the first active value in place, keeping spacing and trailing comments", () => {
    const out = setSxpEntries("(a 1)\n  (k\tno)   # why\n(k no)\n", [yes]);
    expect(out.text).toBe("(a 1)\n  (k\tyes)   # why\n#(k no)\n");
    expect(out.actions).toHaveLength(2);
  });

  it("replaces instead of commenting out when another entry shares the line", () => {
    expect(setSxpEntries("(k yes)\n(k no) (b 2)\n", [yes]).text).toBe("(k yes)\n(k yes) (b 2)\n");
  });

  it("comments out every line of a later multi-line entry", () => {
    expect(setSxpEntries("(k yes)\n(k\n  no)\n", [yes]).text).toBe("(k yes)\n#(k\n#  no)\n");
  });

  it("inserts after the last commented template, with its indentation", () => {
    const text = "# doc: (k no) is the default\n  #(k no)\n(z 1)\n";
    expect(setSxpEntries(text, [yes]).text).toBe("# doc: (k no) is the default\n  #(k no)\n  (k yes)\n(z 1)\n");
  });

  it("appends when there is no template, adding the missing final newline", () => {
    expect(setSxpEntries("(z 1)", [yes]).text).toBe("(z 1)\n(k yes)\n");
    expect(setSxpEntries("", [yes]).text).toBe("(k yes)\n");
  });

  it("does nothing when the default already gives the desired value", () => {
    const out = setSxpEntries("(z 1)\n", [{ key: "k", token: "no", satisfiedBy: (v) => v === undefined || v === "no" }]);
    expect(out).toEqual({ text: "(z 1)\n", actions: [] });
  });

  it("never edits inside a string or a comment that only mentions the key", () => {
    const text = "(z '(k no)') # (k no)\n";
    expect(setSxpEntries(text, [yes]).text).toBe(text + "(k yes)\n");
  });
});
