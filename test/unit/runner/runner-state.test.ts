import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "../../../provider/runner/cli";
import { lockState } from "../../../provider/runner/engine";
import { loadProject, loadStackConfig, stateFileFor } from "../../../provider/runner/config";
import { unsupportedOption } from "../../../provider/runner/monitor";
import { makeUrn } from "../../../provider/runner/urn";
import { Redactor, SecretBox, unwrapSecrets, wireSecret, containsWireSecret } from "../../../provider/runner/secrets";
import { decideStep, deletionOrder, dependenciesOf, sameInputs, sealState, unsealState, withEngineUrns, type StateFile } from "../../../provider/runner/state";

const r = (urn: string, dependencies: string[] = [], parent?: string) => ({ urn, dependencies, parent });

describe("deletionOrder", () => {
  it("deletes dependents before what they depend on, whatever the state's order", () => {
    const order = deletionOrder([r("mountB", ["export"]), r("export"), r("migration", ["mountA", "mountB"]), r("mountA", ["export"])]);
    expect(order.indexOf("migration")).toBeLessThan(order.indexOf("mountA"));
    expect(order.indexOf("migration")).toBeLessThan(order.indexOf("mountB"));
    expect(order.indexOf("mountA")).toBeLessThan(order.indexOf("export"));
    expect(order.indexOf("mountB")).toBeLessThan(order.indexOf("export"));
    expect(order).toHaveLength(4);
  });

  it("deletes children before their parent component", () => {
    expect(deletionOrder([r("stack"), r("cluster", [], "stack"), r("mount", [], "cluster")])).toEqual(["mount", "cluster", "stack"]);
  });

  it("reverses creation order when nothing else decides", () => {
    expect(deletionOrder([r("a"), r("b"), r("c")])).toEqual(["c", "b", "a"]);
  });

  it("ignores dependencies outside the set and refuses a cycle", () => {
    expect(deletionOrder([r("a", ["gone"])])).toEqual(["a"]);
    expect(() => deletionOrder([r("a", ["b"]), r("b", ["a"])])).toThrow(/cycle/);
  });
});

describe("dependenciesOf", () => {
  it("follows dependencies and parents transitively, within the set", () => {
    const set = [r("stack"), r("cluster", [], "stack"), r("export", [], "cluster"), r("mount2", ["export"], "cluster"), r("mount1", ["export"], "cluster")];
    expect([...dependenciesOf(set, "mount2")].sort()).toEqual(["cluster", "export", "stack"]);
    expect(dependenciesOf(set, "mount1").has("mount2")).toBe(false);
    expect(dependenciesOf([r("a", ["outside"])], "a").size).toBe(0);
  });
});

describe("decideStep", () => {
  const old = { type: "T", inputs: { x: 1, __provider: "old code" } };
  it("creates what the state lacks, and needs the provider's diff for what it has", () => {
    expect(decideStep(undefined, {}, undefined)).toBe("create");
    expect(() => decideStep(old, {}, undefined)).toThrow(/needs the provider's diff/);
  });
  it("follows the provider's diff", () => {
    expect(decideStep(old, { x: 2 }, { changes: "some", replaces: [] })).toBe("update");
    expect(decideStep(old, { x: 2 }, { changes: "some", replaces: ["x"] })).toBe("replace");
    expect(decideStep(old, { x: 2 }, { changes: "none", replaces: [] })).toBe("same");
  });
  it("on an unknown diff compares inputs without __provider, which changes with every code edit", () => {
    expect(decideStep(old, { x: 1, __provider: "new code" }, { changes: "unknown", replaces: [] })).toBe("same");
    expect(decideStep(old, { x: 3, __provider: "old code" }, { changes: "unknown", replaces: [] })).toBe("update");
  });
  it("updates a resource left by a partial failure even when the diff is empty", () => {
    expect(decideStep({ ...old, initErrors: ["half"] }, { x: 1 }, { changes: "none", replaces: [] })).toBe("update");
  });
  it("compares inputs independently of key order", () => {
    expect(sameInputs({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    expect(sameInputs({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});

describe("secrets", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-secrets-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("seals secret keys in the file and opens them again with the same key file", () => {
    const file = path.join(tmp, "s.json");
    const { box, source } = SecretBox.open(file, undefined, {});
    expect(source).toEqual({ kind: "keyfile", path: "s.key" });
    expect(fs.statSync(path.join(tmp, "s.key")).mode & 0o777).toBe(0o600);
    const state: StateFile = {
      version: 1, project: "p", stack: "s", secrets: source,
      resources: [{
        urn: "u", type: "t", name: "n", custom: true, dependencies: [], secretKeys: ["connection"],
        inputs: { connection: { host: "h", privateKey: "-----BEGIN KEY-----\nAAAA" }, path: "/data" },
        outputs: { connection: { host: "h", privateKey: "-----BEGIN KEY-----\nAAAA" }, path: "/data" },
      }],
    };
    const sealed = sealState(state, box);
    expect(JSON.stringify(sealed)).not.toContain("BEGIN KEY");
    expect(JSON.stringify(sealed)).toContain('"path":"/data"');
    const reopened = SecretBox.open(file, source, {}).box;
    expect(unsealState(sealed, reopened).resources[0]).toEqual(state.resources[0]);
  });

  it("uses PULUMI_CONFIG_PASSPHRASE when set, and a wrong one fails clearly", () => {
    const file = path.join(tmp, "p.json");
    const { box, source } = SecretBox.open(file, undefined, { PULUMI_CONFIG_PASSPHRASE: "right" });
    expect(source.kind).toBe("passphrase");
    expect(fs.existsSync(path.join(tmp, "p.key"))).toBe(false);
    const sealed = box.seal({ password: "pw" });
    expect(SecretBox.open(file, source, { PULUMI_CONFIG_PASSPHRASE: "right" }).box.unseal(sealed)).toEqual({ password: "pw" });
    expect(() => SecretBox.open(file, source, { PULUMI_CONFIG_PASSPHRASE: "wrong" }).box.unseal(sealed)).toThrow(/wrong PULUMI_CONFIG_PASSPHRASE/);
    expect(() => SecretBox.open(file, source, {})).toThrow(/set PULUMI_CONFIG_PASSPHRASE/);
  });

  it("finds nested wire secrets and unwraps them", () => {
    const v = { host: "h", privateKey: wireSecret("KEY") };
    expect(containsWireSecret(v)).toBe(true);
    expect(containsWireSecret({ host: "h" })).toBe(false);
    expect(unwrapSecrets(v)).toEqual({ host: "h", privateKey: "KEY" });
  });

  it("redacts whole secrets, their lines, and their JSON-escaped form", () => {
    const red = new Redactor();
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
    red.add({ privateKey: key, password: "s3cret-pw" });
    expect(red.redact(`key=${key} pw=s3cret-pw`)).toBe("key=[secret] pw=[secret]");
    expect(red.redact("line b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ printed")).toBe("line [secret] printed");
    expect(red.redact(JSON.stringify({ k: key }))).toBe('{"k":"[secret]"}');
  });

  it("keeps the non-credential parts of a secret connection readable, and redacts bare secret strings", () => {
    const red = new Redactor();
    red.add({ host: "198.18.4.10", user: "root", port: 22, sudo: { password: "sudo-pw-1" }, proxy: { privateKeyPassword: "pp-2222" } });
    red.add("a-bare-secret");
    expect(red.redact("root@198.18.4.10: sudo-pw-1 pp-2222 a-bare-secret")).toBe("root@198.18.4.10: [secret] [secret] [secret]");
  });
});

describe("project, stack config and arguments", () => {
  const dir = path.join(__dirname, "../../fixtures/runner-project");

  it("reads Pulumi.yaml and the stack file, prefixing bare keys with the project", () => {
    const project = loadProject(dir);
    expect(project.name).toBe("runner-fixture");
    expect(project.main).toBe(path.join(dir, "index.ts"));
    expect(loadStackConfig(project, "test").values).toEqual({ "runner-fixture:password": "hunter2-correct-horse-battery" });
    expect(loadStackConfig(project, "absent").values).toEqual({});
    expect(stateFileFor(project, "test")).toBe(path.join(dir, ".pulumi-state/xenha-runner/runner-fixture/test.json"));
  });

  it("refuses CLI-encrypted config values with a way out", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-cfg-"));
    fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: p\nruntime: nodejs\nbackend:\n  url: file://./state\n");
    fs.writeFileSync(path.join(tmp, "Pulumi.s.yaml"), "config:\n  p:key:\n    secure: v1:abc\n  n: 3\n  o: {a: 1}\n");
    const project = loadProject(tmp);
    expect(project.backendDir).toBe(path.join(tmp, "state"));
    expect(() => loadStackConfig(project, "s")).toThrow(/p:key is encrypted by the pulumi CLI/);
    fs.rmSync(tmp, { recursive: true });
  });

  it("parses the command line like pulumi's", () => {
    expect(parseArgs(["up", "--stack", "lab", "--config", "a=b=c"], {})).toMatchObject({ op: "up", stack: "lab", config: { a: "b=c" } });
    expect(parseArgs(["destroy"], { PULUMI_STACK: "x" }).stack).toBe("x");
    expect(() => parseArgs(["import"], {})).toThrow(/usage/);
    expect(parseArgs(["refresh", "--expect-no-changes", "--yes"], {})).toMatchObject({ op: "refresh", expectNoChanges: true, refresh: false });
    expect(parseArgs(["up", "--refresh", "--yes", "--skip-preview", "--diff"], {})).toMatchObject({ op: "up", refresh: true, expectNoChanges: false });
    expect(parseArgs(["preview", "--refresh", "--expect-no-changes"], {})).toMatchObject({ refresh: true, expectNoChanges: true });
    // what the CLI's command does not take is refused, not ignored
    expect(() => parseArgs(["destroy", "--expect-no-changes"], {})).toThrow(/destroy does not take --expect-no-changes/);
    expect(() => parseArgs(["preview", "--yes"], {})).toThrow(/preview does not take --yes/);
    expect(() => parseArgs(["up", "--config", "novalue"], {})).toThrow(/KEY=VALUE/);
  });

  // sdk/go/common/resource/urn/urn.go (New) at v3.270.0: the root stack's type is never a prefix; any other
  // parent's whole qualified type is
  it("builds URNs as the engine does, qualifying children with their parent's qualified type", () => {
    const stack = makeUrn("s", "p", undefined, "pulumi:pulumi:Stack", "p-s");
    expect(stack).toBe("urn:pulumi:s::p::pulumi:pulumi:Stack::p-s");
    const comp = makeUrn("s", "p", stack, "xen-ha:index:XenHaCluster", "c");
    expect(comp).toBe("urn:pulumi:s::p::xen-ha:index:XenHaCluster::c");
    const inner = makeUrn("s", "p", comp, "my:index:Group", "g");
    expect(inner).toBe("urn:pulumi:s::p::xen-ha:index:XenHaCluster$my:index:Group::g");
    expect(makeUrn("s", "p", inner, "pulumi-nodejs:dynamic:NfsMount", "m")).toBe(
      "urn:pulumi:s::p::xen-ha:index:XenHaCluster$my:index:Group$pulumi-nodejs:dynamic:NfsMount::m",
    );
  });

  it("reads a state written by an earlier runner (root stack type in its URNs) as the same resources", () => {
    const old = "urn:pulumi:s::p::pulumi:pulumi:Stack$xen-ha:index:XenHaCluster::c";
    const child = "urn:pulumi:s::p::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::m";
    const fixed = withEngineUrns({
      version: 1, project: "p", stack: "s",
      resources: [
        { urn: old, type: "xen-ha:index:XenHaCluster", name: "c", custom: false, inputs: {}, outputs: {}, dependencies: [] },
        { urn: child, type: "pulumi-nodejs:dynamic:NfsMount", name: "m", custom: true, parent: old, inputs: {}, outputs: {}, dependencies: [old] },
      ],
    });
    expect(fixed.resources.map((r) => r.urn)).toEqual(["urn:pulumi:s::p::xen-ha:index:XenHaCluster::c", child]);
    expect(fixed.resources[1]!.parent).toBe("urn:pulumi:s::p::xen-ha:index:XenHaCluster::c");
    expect(fixed.resources[1]!.dependencies).toEqual(["urn:pulumi:s::p::xen-ha:index:XenHaCluster::c"]);
  });

  it("refuses the options it does not follow, instead of doing something else", () => {
    const none = { importId: "", replaceOnChanges: [], ignoreChanges: [], deleteBeforeReplaceDefined: false, deleteBeforeReplace: false };
    expect(unsupportedOption(none)).toBeNull();
    expect(unsupportedOption({ ...none, ignoreChanges: ["options"] })).toBeNull();
    expect(unsupportedOption({ ...none, deleteBeforeReplaceDefined: true, deleteBeforeReplace: true })).toBeNull();
    expect(unsupportedOption({ ...none, importId: "x" })).toMatch(/import.*does not work for dynamic providers.*3550.*get\(/);
    expect(unsupportedOption({ ...none, replaceOnChanges: ["a"] })).toMatch(/replaceOnChanges/);
    expect(unsupportedOption({ ...none, ignoreChanges: ["connection.host"] })).toMatch(/property paths \(connection.host\)/);
    expect(unsupportedOption({ ...none, deleteBeforeReplaceDefined: true })).toMatch(/deleteBeforeReplace: false/);
  });
});

describe("lockState", () => {
  it("admits one run per state file and takes over a lock left by a dead process", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-lock-"));
    const file = path.join(tmp, "s.json");
    const unlock = lockState(file);
    fs.writeFileSync(`${file}.lock`, `${process.ppid}\n`); // held by a live process
    expect(() => lockState(file)).toThrow(/another run \(pid \d+\) is using/);
    fs.writeFileSync(`${file}.lock`, "999999999\n"); // no such process
    const again = lockState(file);
    expect(fs.readFileSync(`${file}.lock`, "utf8").trim()).toBe(String(process.pid));
    again();
    unlock();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    fs.rmSync(tmp, { recursive: true });
  });
});
