import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { chooseAuthorizedKeysFile } from "../../../provider/resources/xl-migration-trust/facts";
import { authorizedLine, keyOptions, planRemoval, planTrust, trustDrift, WRAPPER_SCRIPT, type TrustInputsState } from "../../../provider/resources/xl-migration-trust/plan";
import { xlMigrationTrustInputsSchema } from "../../../provider/resources/xl-migration-trust/schema";
import { hostFieldMatches } from "../../../provider/ssh/host-key";
import {
  parseAuthorizedKey,
  parsePublicKey,
  planKnownHosts,
  removeSshConfigBlock,
  setSshConfigBlock,
} from "../../../provider/resources/xl-migration-trust/ssh-files";

const SRC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7yGhqj5Vx9a1Qf2gQ3Yc5s8d2Lr0Kx1Wm8s3Vt9Zq xen-ha-migrate@198.18.0.11";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBz0pQk2m9Yq1cV7dXf8Hh3Jj6Kk5Ll4Mm2Nn7Oo1Pp0Qq root@node2";
const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJKKKKL root@old";

const inputs = xlMigrationTrustInputsSchema.parse({
  source: { host: "198.18.0.11", password: "x" },
  target: { host: "198.18.0.12", password: "x" },
});

function state(over: Partial<TrustInputsState> = {}): TrustInputsState {
  return {
    source: { publicKey: SRC_KEY + "\n", routeSource: "198.18.0.11", knownHosts: null, sshConfig: null },
    target: { hostKeys: [parsePublicKey(HOST_KEY)!], authorizedKeysFiles: ["/etc/ssh/authorized_keys/%u", ".ssh/authorized_keys"], openssh: [9, 2], wrapper: null, xl: true },
    authorizedKeysFile: "/root/.ssh/authorized_keys",
    authorizedKeys: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIManagementKey0000000000000000000000000000000 admin\n",
    ...over,
  };
}

describe("the forced command", () => {
  const dir = mkdtempSync(join(tmpdir(), "xenha-wrapper-"));
  const wrapper = join(dir, "wrapper");
  writeFileSync(wrapper, WRAPPER_SCRIPT, { mode: 0o755 });
  // a fake xl that prints its arguments, first on PATH
  writeFileSync(join(dir, "xl"), '#!/bin/sh\necho "xl ran: $*"\n', { mode: 0o755 });
  const run = (cmd: string | undefined) => {
    const env: Record<string, string> = { PATH: `${dir}:/usr/bin:/bin` };
    if (cmd !== undefined) env.SSH_ORIGINAL_COMMAND = cmd;
    // the wrapper sets its own PATH; put the fake xl where it looks first
    const script = readFileSync(wrapper, "utf8").replace("PATH=/usr/local/sbin:", `PATH=${dir}:/usr/local/sbin:`);
    try {
      return { code: 0, out: execFileSync("sh", ["-c", script], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, out: err.stderr };
    }
  };

  it.each(["xl migrate-receive", "xl -t migrate-receive", "xl -t -T -vvv migrate-receive -e -d -p", "xl migrate-receive -e -T"])("runs %j", (cmd) => {
    expect(run(cmd)).toEqual({ code: 0, out: `xl ran: ${cmd.slice(3)}\n` });
  });

  it.each([
    undefined,
    "",
    "true",
    "xl list",
    "xl migrate-receive; rm -rf /",
    "xl migrate-receive $(id)",
    "xl migrate-receive\nid",
    "xl migrate-receive -x",
    "/usr/sbin/xl migrate-receive",
    "xl migrate-receive -e && id",
  ])("refuses %j", (cmd) => {
    const r = run(cmd);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^xen-ha: this key may only run xl migrate-receive; refused/);
  });
});

describe("authorized_keys and known_hosts", () => {
  it("options: restrict on OpenSSH >= 7.2, the explicit list before", () => {
    expect(keyOptions([9, 2], ["198.18.0.11"])).toBe('restrict,command="/usr/local/sbin/xen-ha-xl-migrate-receive",from="198.18.0.11"');
    expect(keyOptions([5, 3], ["10.0.0.1", "10.0.0.2"])).toBe(
      'no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty,command="/usr/local/sbin/xen-ha-xl-migrate-receive",from="10.0.0.1,10.0.0.2"',
    );
    const line = authorizedLine([9, 2], ["198.18.0.11"], parsePublicKey(SRC_KEY)!);
    expect(parseAuthorizedKey(line)).toEqual({ options: keyOptions([9, 2], ["198.18.0.11"]), key: parsePublicKey(SRC_KEY) });
  });

  it("parses options with quoted spaces", () => {
    const l = parseAuthorizedKey(`command="echo a b",from="x" ${SRC_KEY}`);
    expect(l?.options).toBe('command="echo a b",from="x"');
    expect(l?.key.comment).toBe("xen-ha-migrate@198.18.0.11");
  });

  it("reads a key as the SSH layer does: a blob that holds another key type, or is not base64, is no key", () => {
    expect(parsePublicKey(SRC_KEY)).toEqual({ type: "ssh-ed25519", blob: SRC_KEY.split(" ")[1], comment: "xen-ha-migrate@198.18.0.11" });
    expect(parsePublicKey(SRC_KEY.replace("ssh-ed25519", "ssh-rsa"))).toBeNull();
    expect(parsePublicKey("ssh-ed25519 not*base64 root@x")).toBeNull();
    expect(parsePublicKey("restrict ssh-ed25519")).toBeNull();
    expect(parseAuthorizedKey(`restrict ${SRC_KEY.replace("ssh-ed25519", "ssh-rsa")}`)).toBeNull();
  });

  it("known_hosts: plain, hashed, wildcard and negated patterns", () => {
    expect(hostFieldMatches("198.18.0.12,node2", "node2")).toBe(true);
    expect(hostFieldMatches("198.18.0.*,!198.18.0.12", "198.18.0.12")).toBe(false);
    expect(hostFieldMatches("198.18.0.*", "198.18.0.12")).toBe(true);
    // a hashed entry made by ssh-keygen -H for "node2"
    const dir = mkdtempSync(join(tmpdir(), "xenha-kh-"));
    writeFileSync(join(dir, "kh"), `node2 ${HOST_KEY.split(" ").slice(0, 2).join(" ")}\n`);
    execFileSync("ssh-keygen", ["-H", "-f", join(dir, "kh")], { stdio: "ignore" });
    const hashed = readFileSync(join(dir, "kh"), "utf8").split(" ")[0];
    expect(hashed.startsWith("|1|")).toBe(true);
    expect(hostFieldMatches(hashed, "node2")).toBe(true);
    expect(hostFieldMatches(hashed, "node3")).toBe(false);
  });

  it("known_hosts: adds missing keys, reports a different key for the same name", () => {
    const key = parsePublicKey(HOST_KEY)!;
    expect(planKnownHosts(null, "198.18.0.12", [key]).add).toEqual([`198.18.0.12 ${key.type} ${key.blob}`]);
    expect(planKnownHosts(`198.18.0.12 ${key.type} ${key.blob}\n`, "198.18.0.12", [key]).add).toEqual([]);
    expect(planKnownHosts(`198.18.0.12 ${OTHER_KEY}\n`, "198.18.0.12", [key]).conflicts).toHaveLength(1);
  });

  it("ssh_config block: on top, idempotent, removable, other lines kept", () => {
    const before = "Host *\n    ServerAliveInterval 30\n";
    const once = setSshConfigBlock(before, "198.18.0.12", "/root/.ssh/k");
    expect(once.startsWith("# BEGIN xen-ha migration trust to 198.18.0.12\nHost 198.18.0.12\n")).toBe(true);
    expect(setSshConfigBlock(once, "198.18.0.12", "/root/.ssh/k")).toBe(once);
    const two = setSshConfigBlock(once, "198.18.0.13", "/root/.ssh/k2");
    expect(setSshConfigBlock(two, "198.18.0.12", "/root/.ssh/k")).toBe(two);
    expect(removeSshConfigBlock(removeSshConfigBlock(two, "198.18.0.12"), "198.18.0.13")).toBe(before);
  });

  it("picks root's ~/.ssh/authorized_keys when sshd reads it", () => {
    expect(chooseAuthorizedKeysFile(["/etc/ssh/authorized_keys/%u", ".ssh/authorized_keys"])).toBe("/root/.ssh/authorized_keys");
    expect(chooseAuthorizedKeysFile(["/etc/ssh/keys/%u"])).toBe("/etc/ssh/keys/root");
    expect(chooseAuthorizedKeysFile(["%h/.ssh/authorized_keys2"])).toBe("/root/.ssh/authorized_keys2");
  });
});

describe("trust plan", () => {
  it("first apply: line, wrapper, known_hosts, ssh_config; second apply: nothing", () => {
    const p = planTrust(inputs, state());
    expect(p.errors).toEqual([]);
    expect(p.authorizedKeys).toContain(p.authorizedLine);
    expect(p.authorizedKeys).toContain("admin\n");
    expect(p.wrapper).toBe(WRAPPER_SCRIPT);
    expect(p.knownHostsAdded).toHaveLength(1);
    expect(p.sshConfig).toContain("IdentityFile /root/.ssh/id_xen_migrate_198.18.0.12");
    const again = planTrust(inputs, state({
      source: { publicKey: SRC_KEY, routeSource: "198.18.0.11", knownHosts: p.knownHosts, sshConfig: p.sshConfig },
      target: { ...state().target, wrapper: WRAPPER_SCRIPT },
      authorizedKeys: p.authorizedKeys,
    }));
    expect(again).toMatchObject({ errors: [], authorizedKeys: null, wrapper: null, knownHosts: null, sshConfig: null });
  });

  it("sshClientConfig turned off takes the block out again, leaving the other lines", () => {
    const withBlock = planTrust(inputs, state({ source: { ...state().source, sshConfig: "Host *\n    ServerAliveInterval 30\n" } })).sshConfig;
    const off = xlMigrationTrustInputsSchema.parse({ ...inputs, sshClientConfig: false });
    const p = planTrust(off, state({ source: { ...state().source, sshConfig: withBlock } }));
    expect(p.sshConfig).toBe("Host *\n    ServerAliveInterval 30\n");
    expect(planTrust(off, state()).sshConfig).toBeNull();
  });

  it("refuses a target without xl and a changed host key", () => {
    const key = parsePublicKey(HOST_KEY)!;
    expect(planTrust(inputs, state({ target: { ...state().target, xl: false } })).errors[0]).toMatch(/xl is not installed/);
    const p = planTrust(inputs, state({ source: { ...state().source, knownHosts: `198.18.0.12 ${OTHER_KEY}\n` } }));
    expect(p.errors[0]).toMatch(/known_hosts line 1 has another ssh-ed25519 key for 198.18.0.12/);
    expect(key.type).toBe("ssh-ed25519");
  });

  it("removal takes back exactly what was added", () => {
    const s = state();
    const p = planTrust(inputs, s);
    const o = {
      publicKey: SRC_KEY, keyCreated: true, wrapperInstalled: true, knownHostsAdded: p.knownHostsAdded, sshConfigAdded: true,
      wrapperPath: "/usr/local/sbin/xen-ha-xl-migrate-receive",
    };
    const r = planRemoval(inputs, o, { authorizedKeys: p.authorizedKeys, knownHosts: p.knownHosts, sshConfig: p.sshConfig });
    expect(r).toEqual({ authorizedKeys: s.authorizedKeys, removeWrapper: true, knownHosts: "", sshConfig: "", removeKey: true });
  });

  it("drift names what is gone", () => {
    const p = planTrust(inputs, state());
    const d = trustDrift({ authorizedLine: p.authorizedLine, knownHostsAdded: p.knownHostsAdded, sshConfigAdded: true }, inputs, {
      publicKey: SRC_KEY, authorizedKeys: state().authorizedKeys, knownHosts: p.knownHosts, sshConfig: p.sshConfig, wrapper: WRAPPER_SCRIPT,
    });
    expect(d).toEqual(["the key is no longer authorized on 198.18.0.12"]);
  });
});
