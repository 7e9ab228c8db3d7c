import { sudoArgv, sudoState } from "../../../provider/ssh/exec";

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
