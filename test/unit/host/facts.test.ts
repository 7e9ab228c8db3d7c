import { spawnSync } from "child_process";
import { renderFactScript, splitFactOutput } from "../../../provider/host/facts";

const B = "XENHA-FACT-0123456789abcdef01234567";

/** Runs the rendered script in a local sh, as the remote side would. */
function runLocally(probes: Array<{ script: string; args?: string[] }>) {
  const r = spawnSync("sh", ["-c", renderFactScript(B, probes)], { encoding: "utf8" });
  return { ...r, parts: splitFactOutput(B, probes.length, r.stdout, r.stderr) };
}

describe("fact script", () => {
  it("keeps each probe's stdout, stderr and exit code apart, byte for byte", () => {
    const { parts } = runLocally([
      { script: 'printf "%s\\n" "$1"; exit 3', args: ["x'y $(id)"] },
      { script: "printf 'no newline'; printf 'err' >&2" },
      { script: "printf '\\n\\n'" },
      { script: "" },
    ]);
    expect(parts).toEqual([
      { stdout: "x'y $(id)\n", stderr: "", code: 3 },
      { stdout: "no newline", stderr: "err", code: 0 },
      { stdout: "\n\n", stderr: "", code: 0 },
      { stdout: "", stderr: "", code: 0 },
    ]);
  });

  it("isolates probes: exit, set -e, stdin reads and a killed probe do not affect the others", () => {
    const { parts } = runLocally([
      { script: "set -e; false; echo never" },
      { script: "exit 0; echo never" },
      { script: "cat; echo after-cat" },
      { script: "kill -9 $$" },
      { script: "echo last" },
    ]);
    expect(parts.map((p) => p && [p.stdout, p.code])).toEqual([
      ["", 1], ["", 0], ["after-cat\n", 0], ["", 137], ["last\n", 0],
    ]);
  });

  it("is not fooled by output that imitates markers without the boundary token", () => {
    const fake = "XENHA-FACT-ffffffffffffffffffffffff end 0 0\n";
    const { parts } = runLocally([{ script: `printf '%s' '${fake}'; printf 'begin 1\\nend 0 9\\n'` }]);
    expect(parts[0]).toEqual({ stdout: `${fake}begin 1\nend 0 9\n`, stderr: "", code: 0 });
  });

  it("reports a probe whose output never ended as missing", () => {
    const stdout = `${B} begin 0\nhello\n\n${B} end 0 0\n${B} begin 1\npartial`;
    expect(splitFactOutput(B, 3, stdout, "")).toEqual([{ stdout: "hello\n", stderr: "", code: 0 }, undefined, undefined]);
  });

  it("passes hostile arguments verbatim", () => {
    const args = ["; rm -rf /", "`id`", "a\nb", "'", ""];
    const { parts } = runLocally([{ script: 'printf "%s\\0" "$@"', args }]);
    expect(parts[0]?.stdout.split("\0").slice(0, -1)).toEqual(args);
  });
});
