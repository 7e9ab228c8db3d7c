/**
 * The README's program type-checks in a user's project under each moduleResolution users pick: a scratch
 * folder whose node_modules/pulumi-xen-ha holds exactly the files `npm pack` would publish (dist/ and
 * package.json), beside the package's dependencies. Needs dist/ (npm test builds first).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../../..");
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
const readmeProgram = (): string => {
  const m = /## Usage\n\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(REPO, "README.md"), "utf8"));
  if (!m) throw new Error("README.md has no ```ts block under ## Usage");
  return m[1];
};

let consumer: string;

beforeAll(() => {
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-consumer-"));
  const modules = path.join(consumer, "node_modules");
  const pkgDir = path.join(modules, "pulumi-xen-ha");
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" })) as
    { files: { path: string }[] }[];
  for (const { path: rel } of packed[0].files) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, rel)), { recursive: true });
    fs.copyFileSync(path.join(REPO, rel), path.join(pkgDir, rel));
  }
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if ([".bin", ".package-lock.json", "pulumi-xen-ha", "xen-ha-runbook-example"].includes(entry)) continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
  }
  fs.writeFileSync(path.join(consumer, "index.ts"), `${readmeProgram()}\nimport { NfsMount } from "pulumi-xen-ha";\nexport const kinds = [NfsMount];\n`);
}, 60_000);
afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

// module follows what each resolution requires; skipLibCheck stays off, so the package's d.ts files are checked too
test.each([
  ["node", "commonjs"],
  ["node16", "node16"],
  ["nodenext", "nodenext"],
  ["bundler", "esnext"],
])("the README's program type-checks with moduleResolution %s", (moduleResolution, module) => {
  const tsconfig = {
    compilerOptions: { strict: true, target: "es2022", module, moduleResolution, esModuleInterop: true, noEmit: true, types: ["node"] },
    files: ["index.ts"],
  };
  fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify(tsconfig));
  let out = "";
  try {
    execFileSync(process.execPath, [TSC, "-p", consumer], { encoding: "utf8" });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(out).toBe("");
}, 120_000);
