import { spawnSync } from "child_process";
import { commandLine, isRequireTty, sudoArgv, sudoState, takePid } from "../../../provider/ssh/exec";

describe("sudo handshake", () => {
  const { argv, prompt, marker } = sudoArgv(["cat", "/etc/shadow"], "0123abcd");

  it("wraps the command so that a marker shows when it runs as root", () => {
    expect(argv.slice(0, 5)).toEqual(["sudo", "-S", "-p", prompt, "--"]);
    expect(argv.slice(-2)).toEqual(["cat", "/etc/shadow"]);
    expect(argv.join(" ")).toContain(marker);
  });

  it("waits while sudo has said nothing recognisable", () => {
    expect(sudoState("", prompt, marker)).toEqual({ state: "waiting" });
    expect(sudoState("We trust you have received the usual lecture", prompt, marker)).toEqual({ state: "waiting" });
    expect(sudoState(marker, prompt, marker)).toEqual({ state: "waiting" }); // no newline yet
  });

  it("sees the password prompt, and counts repeated prompts (a rejected password)", () => {
    expect(sudoState(`lecture\n${prompt}`, prompt, marker)).toEqual({ state: "prompt", count: 1 });
    expect(sudoState(`${prompt}\nSorry, try again.\n${prompt}`, prompt, marker)).toEqual({ state: "prompt", count: 2 });
  });

  it("hands over the command's own stderr after the marker", () => {
    expect(sudoState(`${prompt}\n${marker}\ncat: oops\n`, prompt, marker)).toEqual({ state: "ok", rest: "cat: oops\n" });
  });
});

describe("command line with the PID report", () => {
  it("reports the PID of the command itself (the shell execs it), then runs argv verbatim", () => {
    const { line, pidMarker } = commandLine(["sh", "-c", 'echo "$$ $1"; echo err >&2', "sh", "a'b $(x)"], "n0nce");
    const r = spawnSync("sh", ["-c", line], { encoding: "utf8" });
    const found = takePid(r.stderr, pidMarker);
    expect(found).toBeDefined();
    expect(r.stdout).toBe(`${found?.pid} a'b $(x)\n`);
    expect(found?.rest).toBe("err\n");
  });

  it("leaves other stderr around the marker in place", () => {
    const { pidMarker } = commandLine(["true"], "abc");
    expect(takePid("noise\nxen-ha-pid:42:abc\nrest", pidMarker)).toEqual({ pid: 42, rest: "noise\nrest" });
    expect(takePid("xen-ha-pid:42:other\n", pidMarker)).toBeUndefined();
    expect(takePid("xen-ha-pid:4", pidMarker)).toBeUndefined();
  });
});

describe("requiretty", () => {
  it("recognises sudo's refusals without a terminal", () => {
    expect(isRequireTty("sudo: sorry, you must have a tty to run sudo")).toBe(true);
    expect(isRequireTty("sudo: no tty present and no askpass program specified")).toBe(true);
    expect(isRequireTty("xenha is not in the sudoers file.")).toBe(false);
  });

  it("with a pty, the command reads a staged file instead of the terminal, which is removed after", () => {
    const { argv } = sudoArgv(["cat"], "n", "/tmp/xen-ha-stdin.abc");
    expect(argv.slice(-3)).toEqual(["sh", "/tmp/xen-ha-stdin.abc", "cat"]);
    expect(argv.join(" ")).toContain('"$@" < "$f"');
    expect(argv.join(" ")).toContain('rm -f -- "$f"');
  });
});
