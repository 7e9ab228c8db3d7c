import { readFileSync } from "fs";
import { join } from "path";
import type { types as commandTypes } from "@pulumi/command";
import { connectionLabel, connectionSchema, parseConnection } from "../../../provider/ssh/connection";

const hostKey = readFileSync(join(__dirname, "../../fixtures/ssh/host_ed25519.pub"), "utf8").trim();
const privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/** Every issue as "path: message", as users see them. */
function problems(input: unknown): string[] {
  const r = connectionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("connectionSchema", () => {
  it("applies @pulumi/command's defaults", () => {
    expect(parseConnection({ host: "198.18.0.10" })).toEqual({
      host: "198.18.0.10", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15,
    });
  });

  it("accepts a @pulumi/command remote connection object as it is", () => {
    // Typed as @pulumi/command's own type: this also fails to compile if the shapes drift apart.
    const cmd: commandTypes.output.remote.Connection = {
      host: "198.18.0.10", port: 2222, user: "admin", privateKey, privateKeyPassword: "pw", password: "pw2",
      agentSocketPath: "/run/agent.sock", dialErrorLimit: -1, perDialTimeout: 0, hostKey,
      proxy: { host: "bastion", port: 22, user: "jump", privateKey, hostKey, dialErrorLimit: 3, perDialTimeout: 5 },
    };
    const c = parseConnection(cmd);
    expect(c).toMatchObject({ host: "198.18.0.10", port: 2222, user: "admin", dialErrorLimit: -1, perDialTimeout: 0 });
    expect(c.proxy).toMatchObject({ host: "bastion", user: "jump", dialErrorLimit: 3 });
  });

  it("fills the jump host's defaults too", () => {
    expect(parseConnection({ host: "a", proxy: { host: "b" } }).proxy).toEqual({
      host: "b", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15,
    });
  });

  it("takes sudo and explicit host-key options", () => {
    const c = parseConnection({ host: "a", user: "ops", sudo: { password: "s" }, knownHostsPath: "/k" });
    expect(c.sudo).toEqual({ password: "s" });
    expect(parseConnection({ host: "a", sudo: {} }).sudo).toEqual({});
    expect(parseConnection({ host: "a", insecureIgnoreHostKey: true }).insecureIgnoreHostKey).toBe(true);
  });

  it("accepts a SHA256 fingerprint as hostKey", () => {
    expect(parseConnection({ host: "a", hostKey: "SHA256:djBuDYvnA81JoPcCZWvqepefHH5upJ5w+4L+MCYxxaw" }).hostKey)
      .toBeDefined();
  });

  it.each([
    [{}, "host: must be a host name or IP address"],
    [{ host: "" }, "host: must not be empty"],
    [{ host: "root@a" }, "host: must be a host name (labels"],
    [{ host: "a", port: 0 }, "port: must be 1-65535"],
    [{ host: "a", port: 70000 }, "port: must be 1-65535"],
    [{ host: "a", port: "22" }, "port: must be a number"],
    [{ host: "a", port: 22.5 }, "port: must be an integer"],
    [{ host: "a", user: "" }, "user: must not be empty"],
    [{ host: "a", dialErrorLimit: 0 }, "dialErrorLimit: must be -1 (unlimited) or a positive count"],
    [{ host: "a", dialErrorLimit: -2 }, "dialErrorLimit: must be -1 (unlimited) or a positive count"],
    [{ host: "a", perDialTimeout: -1 }, "perDialTimeout: must be >= 0 seconds"],
    [{ host: "a", privateKey: "/root/.ssh/id_ed25519" }, "privateKey: must be the text of a private key"],
    [{ host: "a", hostKey: "ssh-ed25519" }, "hostKey: expected an OpenSSH public key line"],
    [{ host: "a", hostKey: "SHA256:abc" }, "hostKey: a SHA256 fingerprint is"],
    [{ host: "a", hostKey, insecureIgnoreHostKey: true }, "insecureIgnoreHostKey: cannot be combined with hostKey"],
    [{ host: "a", knownHostsPath: "/k", insecureIgnoreHostKey: true }, "insecureIgnoreHostKey: cannot be combined"],
    [{ host: "a", insecureIgnoreHostKey: "yes" }, "insecureIgnoreHostKey: must be true or false"],
    [{ host: "a", hostkey: hostKey }, 'Unrecognized key: "hostkey"'],
    [{ host: "a", proxy: { host: "" } }, "proxy.host: must not be empty"],
    [{ host: "a", proxy: { host: "b", sudo: {} } }, 'proxy: Unrecognized key: "sudo"'],
    [{ host: "a", sudo: { password: 1 } }, "sudo.password: must be a string"],
  ])("rejects %j with a message naming the field", (input, message) => {
    expect(problems(input).join("\n")).toContain(message);
  });

  it("prefixes every problem with the field path in parseConnection's error", () => {
    expect(() => parseConnection({ host: "a", port: 0, proxy: { host: "" } })).toThrow(
      /invalid SSH connection: connection\.port: must be 1-65535; connection\.proxy\.host: must not be empty/,
    );
  });

  it("never puts secrets in the label", () => {
    expect(connectionLabel(parseConnection({ host: "h", password: "secret" }))).toBe("root@h:22");
  });
});
