import { parseSxpAll, prettySxp, showSxp, SxpParseError, Sxp } from "../../../lab/sim/sxp";
import { sample } from "./samples";

describe("sxp reader (xend rules)", () => {
  test("comments, both quotes, escapes, unknown escape keeps its backslash and drops the character, as sxp.py does", () => {
    const v = parseSxpAll(`# comment (not a form)
(a 'x y' "q\\"z") # trailing
(b '^localhost$ ^localhost\\\\.localdomain$')
(c 'a\\qb' "\\t")`);
    expect(v).toEqual([["a", "x y", 'q"z'], ["b", "^localhost$ ^localhost\\.localdomain$"], ["c", "a\\b", "\t"]]);
  });
  test("unbalanced parentheses are errors with xend's messages", () => {
    expect(() => parseSxpAll("(a (b c)")).toThrow(new SxpParseError("unexpected EOF"));
    expect(() => parseSxpAll("(a b))")).toThrow(new SxpParseError("syntax error: )"));
    expect(() => parseSxpAll("(a 'open)")).toThrow(new SxpParseError("unexpected EOF"));
  });
  test("every upstream xend-config.sxp parses", () => {
    for (const v of ["3.0.3", "3.1.0", "3.4.0-rc3", "4.0.0", "4.1.6.1"]) {
      const forms = parseSxpAll(sample(`xend-config/xend-config.sxp.xen-${v}`));
      expect(forms.length).toBeGreaterThan(3);
      for (const f of forms) expect(Array.isArray(f)).toBe(true);
    }
  });
  test("pretty printer reproduces the real xm list -l layout", () => {
    const text = sample("outputs/xm-list-l.oraclevm-xen4-multi.sxp");
    const forms = parseSxpAll(text);
    expect(forms).toHaveLength(2);
    const printed = forms.map((f) => prettySxp(f)).join("\n") + "\n";
    expect(printed).toBe(text.replace(/\n+$/, "\n"));
  });
  test("show quotes what is not an atom like Python repr", () => {
    expect(showSxp(["value", "I need 5 KiB"] as Sxp)).toBe("(value 'I need 5 KiB')");
    expect(showSxp(["x", ""] as Sxp)).toBe("(x '')");
    expect(showSxp(["x", "file:/data/a.img"] as Sxp)).toBe("(x file:/data/a.img)");
  });
});
