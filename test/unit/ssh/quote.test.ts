import { spawnSync } from "child_process";
import { quoteArgv, quoteWord, scriptArgv } from "../../../provider/ssh/quote";

/** What a real POSIX shell makes of our quoted line: the words it passes to printf, NUL-separated. */
function shellWords(line: string, shell = "sh"): string[] {
  const r = spawnSync(shell, ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout.split("\0").slice(0, -1);
}

const hostile = [
  "; rm -rf /",
  "$(touch /tmp/xenha-canary)",
  "`touch /tmp/xenha-canary`",
  "it's",
  "'",
  "''",
  '"',
  '"$HOME"',
  "a\nb",
  "\n",
  "trailing newline\n",
  "tab\there",
  "back\\slash",
  "\\'",
  "*",
  "~",
  "~root",
  "A=b",
  "$1 $@ $*",
  "${PATH}",
  "!!",
  "-n",
  "--",
  "",
  " ",
  "|&<>(){}[]#",
  "ünïcødé ✓",
  "\u0001\u007f",
];

describe("quoteWord", () => {
  it("leaves plain words bare so commands stay readable", () => {
    expect(quoteWord("/etc/exports")).toBe("/etc/exports");
    expect(quoteWord("root@198.18.0.10:22")).toBe("root@198.18.0.10:22");
    expect(quoteWord("-o")).toBe("-o");
  });

  it("quotes everything else in single quotes", () => {
    expect(quoteWord("")).toBe("''");
    expect(quoteWord("a b")).toBe("'a b'");
    expect(quoteWord("it's")).toBe("'it'\\''s'");
    expect(quoteWord("A=b")).toBe("'A=b'");
    expect(quoteWord("~")).toBe("'~'");
  });

  it("refuses NUL, which exec(2) would silently cut", () => {
    expect(() => quoteWord("a\0b")).toThrow(/NUL/);
  });

  it.each(["sh", "bash", "dash"])("round-trips every hostile word through a real %s", (shell) => {
    if (spawnSync("sh", ["-c", `command -v ${shell}`]).status !== 0) return;
    expect(shellWords(quoteArgv(hostile), shell)).toEqual(hostile);
  });

  it("keeps assignment-looking first words as commands", () => {
    const r = spawnSync("sh", ["-c", quoteArgv(["A=b", "x"])], { encoding: "utf8" });
    expect(r.stderr).toMatch(/A=b/); // "A=b: not found", not a silent assignment
    expect(r.status).not.toBe(0);
  });
});

describe("quoteArgv", () => {
  it("refuses an empty command", () => {
    expect(() => quoteArgv([])).toThrow(/empty command/);
  });

  it("joins words with spaces", () => {
    expect(quoteArgv(["echo", "a b", "c"])).toBe("echo 'a b' c");
  });
});

describe("scriptArgv", () => {
  it("passes user values as positional arguments that the script sees verbatim", () => {
    const args = ["; rm -rf /", "$(id)", "x\ny"];
    const line = quoteArgv(scriptArgv('printf "%s\\0" "$@"', args));
    const r = spawnSync("sh", ["-c", line], { encoding: "utf8" });
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(args);
  });
});
