/**
 * The runner end to end on a trivial program (test/fixtures/runner-project): each run is a real CLI process
 * running the program with the SDK and the resources through the real dynamic-provider server. The fixture's
 * provider writes files and a journal in a scratch folder, so the tests check effects, not the runner's word.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../../..");
const PROJECT = path.join(REPO, "test/fixtures/runner-project");
const PASSWORD = "hunter2-correct-horse-battery"; // the fixture stack's secret config value

let dir: string;
let stateFile: string;

function runner(op: string, variant = ""): { code: number; out: string } {
  const args = ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), op,
    "--cwd", PROJECT, "--stack", "test", "--state", stateFile, "--config", `dir=${dir}`, "--json", path.join(dir, "result.json")];
  if (variant) args.push("--config", `variant=${variant}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
const journal = (): string[] => fs.readFileSync(path.join(dir, "journal.log"), "utf8").trim().split("\n").filter(Boolean);
const clearJournal = () => fs.writeFileSync(path.join(dir, "journal.log"), "");
const state = () => JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { name: string; id?: string; initErrors?: string[] }[] };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-cli-"));
  stateFile = path.join(dir, "state", "test.json");
  clearJournal();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("up creates in dependency order, a second up does nothing, destroy deletes in reverse", () => {
  const first = runner("up");
  expect(first.code).toBe(0);
  const created = journal();
  expect(created).toEqual(expect.arrayContaining(["create a.txt", "create b.txt", "create c.txt", "create pair-first.txt", "create pair-second.txt"]));
  const at = (line: string, list = created) => list.indexOf(line);
  expect(at("create a.txt")).toBeLessThan(at("create b.txt")); // Output dependency (b's text uses a.length)
  expect(at("create b.txt")).toBeLessThan(at("create c.txt")); // dependsOn
  expect(at("create pair-first.txt")).toBeLessThan(at("create pair-second.txt"));
  expect(fs.readFileSync(path.join(dir, "b.txt"), "utf8")).toBe("beta after 5");
  const mtime = fs.statSync(path.join(dir, "b.txt")).mtimeMs;

  clearJournal();
  const second = runner("up");
  expect(second.code).toBe(0);
  expect(journal()).toEqual([]);
  expect(fs.statSync(path.join(dir, "b.txt")).mtimeMs).toBe(mtime);
  expect(JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")).steps.map((s: { op: string }) => s.op)).toEqual(
    ["same", "same", "same", "same", "same"],
  );

  clearJournal();
  expect(runner("destroy").code).toBe(0);
  const deleted = journal();
  expect(deleted).toHaveLength(5);
  expect(at("delete c.txt", deleted)).toBeLessThan(at("delete b.txt", deleted));
  expect(at("delete b.txt", deleted)).toBeLessThan(at("delete a.txt", deleted));
  expect(at("delete pair-second.txt", deleted)).toBeLessThan(at("delete pair-first.txt", deleted));
  expect(state().resources).toEqual([]);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith(".txt"))).toEqual([]);
}, 60_000);

test("a rename with aliases changes nothing: the resource, and a component with the children named after it", () => {
  expect(runner("up").code).toBe(0);
  const files = () => Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith(".txt")).map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
  const before = files();
  expect(Object.keys(before)).toHaveLength(5);
  const firstUrn = (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { urn: string; name: string }[] }).resources.find((r) => r.name === "pair-first")!.urn;
  clearJournal();

  const preview = runner("preview", "renamed");
  expect(preview.code).toBe(0);
  expect(preview.out).not.toMatch(/would (create|delete|replace|update)/);
  const renamed = runner("up", "renamed");
  expect(renamed.code).toBe(0);
  expect(renamed.out).toMatch(/= Note c-renamed: the resource c under a new name/);
  expect(journal()).toEqual([]); // nothing created, nothing deleted
  expect(files()).toEqual(before);

  const s = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { urn: string; name: string; parent?: string; dependencies: string[] }[] };
  const byName = new Map(s.resources.map((r) => [r.name, r]));
  expect([...byName.keys()].sort()).toEqual(["a", "b", "c-renamed", "couple", "couple-first", "couple-second", "runner-fixture-test"]);
  const couple = byName.get("couple")!;
  expect(couple.dependencies).toEqual([byName.get("c-renamed")!.urn]); // references follow the rename
  expect(byName.get("couple-first")!.parent).toBe(couple.urn);
  expect(byName.get("couple-first")!.urn).toBe(firstUrn.replace(/::pair-first$/, "::couple-first"));

  expect(runner("up", "renamed").code).toBe(0); // the aliases now match nothing: a plain no-op
  expect(journal()).toEqual([]);
  expect(runner("destroy", "renamed").code).toBe(0);
  expect(journal()).toHaveLength(5);
  expect(files()).toEqual({});
}, 90_000);

test("a renamed resource whose check fails keeps its old entry in the state, and nothing is deleted", () => {
  expect(runner("up").code).toBe(0);
  const urns = () => state().resources.map((r) => r.name).sort();
  const before = urns();
  clearJournal();
  const broken = runner("up", "renameBroken");
  expect(broken.code).toBe(255);
  expect(broken.out).toContain("file: must be a plain file name");
  expect(journal()).toEqual([]);
  expect(urns()).toEqual(before); // still "c", under its old URN: the next run with the fix finds it again
  expect(runner("up", "renamed").code).toBe(0);
  expect(journal()).toEqual([]);
}, 90_000);

test("update in place, delete what the program dropped, replace create-before-delete", () => {
  expect(runner("up").code).toBe(0);
  clearJournal();
  expect(runner("up", "b2").code).toBe(0);
  expect(journal()).toEqual(["update b.txt"]);
  expect(fs.readFileSync(path.join(dir, "b.txt"), "utf8")).toBe("beta2 after 5");

  clearJournal();
  const stateBefore = fs.readFileSync(stateFile, "utf8");
  const preview = runner("preview", "dropC");
  expect(preview.code).toBe(0);
  expect(preview.out).toMatch(/Note c \(would delete\)/);
  expect(journal()).toEqual([]); // preview: check and diff only
  expect(fs.readFileSync(stateFile, "utf8")).toBe(stateBefore); // and no state written
  expect(fs.existsSync(path.join(dir, "c.txt"))).toBe(true);

  expect(runner("up", "dropC").code).toBe(0);
  expect(journal()).toEqual(["update b.txt", "delete c.txt"]);
  expect(state().resources.map((r) => r.name)).not.toContain("c");

  clearJournal();
  expect(runner("up", "replaceA").code).toBe(0);
  // the replacement is created first; the old file goes at the end (with the provider code it was made with)
  expect(journal()).toEqual(["create a2.txt", "create c.txt", "delete a.txt"]);
  expect(state().resources.find((r) => r.name === "a")?.id).toBe("a2.txt");
}, 90_000);

test("a partial failure keeps the resource in state and the next up updates it", () => {
  const failed = runner("up", "failB");
  expect(failed.code).toBe(255);
  expect(failed.out).toMatch(/Note b: half-created b\.txt/);
  const b = state().resources.find((r) => r.name === "b");
  expect(b).toMatchObject({ id: "b.txt", initErrors: ["half"] });
  expect(state().resources.map((r) => r.name)).not.toContain("c"); // its dependency failed: never registered
  clearJournal();
  expect(runner("up").code).toBe(0);
  expect(journal()[0]).toBe("update b.txt");
  expect(state().resources.find((r) => r.name === "b")?.initErrors).toBeUndefined();
}, 60_000);

test("secrets never appear in plaintext in the state file or the output", () => {
  const up = runner("up");
  expect(up.code).toBe(0);
  const files = [stateFile, path.join(dir, "result.json")];
  for (const f of files) expect(fs.readFileSync(f, "utf8")).not.toContain(PASSWORD);
  expect(up.out).not.toContain(PASSWORD);
  expect(up.out).toMatch(/"aPassword": "\[secret\]"/);
  expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);
  // the provider still received the plaintext: the sealed value round-trips through the next run
  expect(runner("up").code).toBe(0);
  expect(fs.readFileSync(stateFile, "utf8")).not.toContain(PASSWORD);
}, 60_000);

test("a check failure stops before create and names the property", () => {
  fs.writeFileSync(path.join(dir, "journal.log"), "");
  const bad = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), "up", "--cwd", PROJECT,
    "--stack", "test", "--state", stateFile, "--config", `dir=${dir}`, "--config", "variant=badFile"], { cwd: REPO, encoding: "utf8" });
  expect(bad.status).toBe(255);
  expect(bad.stdout).toMatch(/Note bad: invalid inputs: file: must be a plain file name/);
  expect(journal()).not.toContain("create sub/bad.txt");
}, 60_000);

test("the program and its provider run in main's folder with no NODE_PATH, as the engine starts them (getPwdMain)", () => {
  // project root: Pulumi.yaml with main: prog/index.ts. The package `where-probe` exists only in prog/node_modules,
  // so a provider's require of it resolves only when the server runs in prog/, the engine's working directory.
  const proj = path.join(dir, "proj");
  const prog = path.join(proj, "prog");
  fs.mkdirSync(path.join(prog, "node_modules", "where-probe"), { recursive: true });
  fs.mkdirSync(path.join(prog, "node_modules", "@pulumi"));
  fs.symlinkSync(path.join(REPO, "node_modules", "@pulumi", "pulumi"), path.join(prog, "node_modules", "@pulumi", "pulumi"), "dir");
  fs.writeFileSync(path.join(prog, "node_modules", "where-probe", "index.js"), 'module.exports = () => "where-probe found";\n');
  fs.writeFileSync(path.join(proj, "Pulumi.yaml"), "name: where\nruntime: nodejs\nmain: prog/index.ts\n");
  fs.writeFileSync(path.join(prog, "index.ts"), [
    'import * as pulumi from "@pulumi/pulumi";',
    "const journal = new pulumi.Config().require(\"journal\");",
    "const provider: pulumi.dynamic.ResourceProvider = {",
    "  async create() {",
    '    const fs = require("node:fs");',
    '    fs.appendFileSync(journal, `provider cwd=${process.cwd()} NODE_PATH=${process.env.NODE_PATH ?? "unset"} ${require("where-probe")()}\\n`);',
    '    return { id: "w", outs: {} };',
    "  },",
    "};",
    'require("node:fs").appendFileSync(journal, `program cwd=${process.cwd()}\\n`);',
    'new pulumi.dynamic.Resource(provider, "w", {}, undefined, "fixture", "Where");',
    "",
  ].join("\n"));
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" };
  delete env.NODE_PATH;
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), "up", "--cwd", proj,
    "--stack", "test", "--state", stateFile, "--config", `journal=${path.join(dir, "journal.log")}`], { cwd: REPO, encoding: "utf8", env });
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/Cannot find module/);
  expect(r.status).toBe(0);
  const real = fs.realpathSync(prog);
  expect(journal()).toEqual([`program cwd=${real}`, `provider cwd=${real} NODE_PATH=unset where-probe found`]);
}, 60_000);

test("the GitOps loop: drift seen by preview --refresh, repaired by up --refresh, refresh --expect-no-changes then clean", () => {
  const run = (...argv: string[]) => {
    const r = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), ...argv, "--cwd", PROJECT,
      "--stack", "test", "--state", stateFile, "--config", `dir=${dir}`], { cwd: REPO, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  };
  expect(run("up", "--yes").code).toBe(0);
  const b = path.join(dir, "b.txt");
  const converged = fs.readFileSync(b, "utf8");
  fs.writeFileSync(b, "changed by hand");
  const stateBefore = fs.readFileSync(stateFile, "utf8");
  clearJournal();

  // as under the engine: a preview without --refresh compares the program with the state and reads no host
  expect(run("preview", "--expect-no-changes").code).toBe(0);

  const seen = run("preview", "--refresh", "--expect-no-changes");
  expect(seen.code).toBe(255);
  expect(seen.out).toMatch(/~ Note b: drifted \(length, text\)/);
  expect(seen.out).toContain("no changes were expected but changes were proposed");
  expect(fs.readFileSync(b, "utf8")).toBe("changed by hand"); // a preview changes nothing...
  expect(fs.readFileSync(stateFile, "utf8")).toBe(stateBefore); // ...and writes no state
  expect(journal()).toEqual([]);

  const repaired = run("up", "--refresh", "--yes", "--skip-preview");
  expect(repaired.code).toBe(0);
  expect(journal()).toEqual(["update b.txt"]);
  expect(fs.readFileSync(b, "utf8")).toBe(converged);

  const clean = run("refresh", "--expect-no-changes", "--yes");
  expect(clean.code).toBe(0);
  expect(clean.out).toMatch(/done: refresh: 5 unchanged/);

  fs.rmSync(path.join(dir, "c.txt"));
  const gone = run("refresh", "--expect-no-changes");
  expect(gone.code).toBe(255);
  expect(gone.out).toContain("no changes were expected but changes occurred");
  expect(JSON.parse(fs.readFileSync(stateFile, "utf8")).resources.map((r: { name: string }) => r.name)).not.toContain("c");
}, 90_000);
