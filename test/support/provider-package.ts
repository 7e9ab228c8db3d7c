/**
 * The folder the dynamic-provider server runs in, built like a user's Pulumi program folder: its node_modules
 * holds pulumi-xen-ha and the packages pulumi-xen-ha depends on, and nothing else. The server resolves every
 * `require` of a serialized provider from its working directory, so this is what makes
 * `require("pulumi-xen-ha/...")` inside a provider behave as it will for users, from a fresh clone in any path.
 *
 * pulumi-xen-ha itself is either
 * - "dist": a link to the repository, so the package's own `exports` map and the compiled dist/ are used
 *   (exactly what gets published); chosen when dist/ is up to date with provider/;
 * - "transpiled": provider/*.ts transpiled file by file into a copy of the package inside the folder; chosen
 *   when dist/ is missing or older than a source file, so tests always run the code in the tree without
 *   racing other people's `npm run build`;
 * - "compiled": provider/ compiled by tsc with the build's tsconfig into a copy of the package (what
 *   `npm run build` would publish, without touching dist/; takes about half a minute).
 * Test-only resource kinds (test/support/probes/*.ts) are transpiled into node_modules/xenha-test-probes.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PROBES_DIR = path.join(__dirname, "probes");

export type PackageSource = "dist" | "transpiled" | "compiled";

export interface ProviderPackage {
  /** The folder to run the server in. */
  dir: string;
  source: PackageSource;
  /** Why that source was chosen (shown in harness errors). */
  note: string;
  remove(): void;
}

export interface PackageOptions {
  source?: PackageSource;
  /**
   * With source "dist": the provider/ folders that must be up to date (e.g. ["core", "ssh"]); default all.
   * Others keep editing the tree, so a test of one area need not wait for a build of everything.
   */
  freshFolders?: readonly string[];
}

export function buildProviderPackage(opts: PackageOptions = {}): ProviderPackage {
  removeLeftovers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-provider-"));
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const stale = opts.source === "transpiled" || opts.source === "compiled" ? [] : staleDistFiles(opts.source === "dist" ? opts.freshFolders : undefined);
  if (opts.source === "dist" && stale.length) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`dist/ is older than ${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", ..." : ""}: run "npm run build" first`);
  }
  const source: PackageSource = opts.source ?? (stale.length === 0 ? "dist" : "transpiled");
  let note: string;
  if (source === "dist") {
    link(REPO_ROOT, path.join(modules, pkg.name));
    note = "pulumi-xen-ha from the repository's dist/ (up to date with provider/)";
  } else if (source === "compiled") {
    const copy = path.join(modules, pkg.name);
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(copy, "package.json"));
    compile(path.join(copy, "dist"));
    note = "pulumi-xen-ha compiled by tsc from provider/ (tsconfig.build.json)";
  } else {
    const copy = path.join(modules, pkg.name);
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(copy, "package.json"));
    transpileTree(path.join(REPO_ROOT, "provider"), path.join(copy, "dist"));
    note = stale.length
      ? `pulumi-xen-ha transpiled from provider/ (dist/ is stale: ${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", ..." : ""})`
      : "pulumi-xen-ha transpiled from provider/ (requested)";
  }
  // What npm would install beside it in a user's program: its dependencies and peer dependencies.
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    link(path.join(REPO_ROOT, "node_modules", dep), path.join(modules, dep));
  }
  transpileTree(PROBES_DIR, path.join(modules, "xenha-test-probes"));
  fs.writeFileSync(path.join(modules, "xenha-test-probes", "package.json"), JSON.stringify({ name: "xenha-test-probes" }));
  return { dir, source, note, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Folders of test runs that were killed before they could clean up (older than six hours), stale cache entries. */
function removeLeftovers(): void {
  const limit = Date.now() - 6 * 3600_000;
  if (fs.existsSync(CACHE_DIR)) {
    for (const name of fs.readdirSync(CACHE_DIR)) {
      const p = path.join(CACHE_DIR, name);
      try {
        if (fs.statSync(p).mtimeMs < limit - 42 * 3600_000) fs.rmSync(p, { force: true });
      } catch {
        // removed meanwhile
      }
    }
  }
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith("xenha-provider-")) continue;
    const p = path.join(os.tmpdir(), name);
    try {
      if (fs.statSync(p).mtimeMs < limit) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // another run removed it meanwhile
    }
  }
}

/** provider/ sources (all, or those under `folders`) whose dist/ counterpart is missing or older. */
export function staleDistFiles(folders?: readonly string[]): string[] {
  const stale: string[] = [];
  const roots = folders ? folders.map((f) => path.join(REPO_ROOT, "provider", f)) : [path.join(REPO_ROOT, "provider")];
  for (const src of roots.flatMap(walk)) {
    const rel = path.relative(path.join(REPO_ROOT, "provider"), src);
    const out = path.join(REPO_ROOT, "dist", rel.replace(/\.ts$/, ".js"));
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) stale.push(`provider/${rel}`);
  }
  return stale;
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  sourceMap: false,
  inlineSourceMap: true,
};
/** Transpiled files by content hash, shared by test runs (transpiling all of provider/ takes seconds). */
const CACHE_DIR = path.join(os.tmpdir(), "xenha-transpile-cache");

function transpileTree(from: string, to: string): void {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  for (const src of walk(from)) {
    const out = path.join(to, path.relative(from, src).replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, transpileCached(src));
  }
}

function transpileCached(src: string): string {
  const text = fs.readFileSync(src, "utf8");
  const key = crypto.createHash("sha256").update(`${ts.version}\0${JSON.stringify(TRANSPILE_OPTIONS)}\0${src}\0${text}`).digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    const { outputText } = ts.transpileModule(text, { compilerOptions: TRANSPILE_OPTIONS, fileName: src });
    // write-then-rename: a concurrent run never reads half a file
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, outputText);
    fs.renameSync(tmp, cached);
    return outputText;
  }
}

/** tsc with the build's settings into `outDir`. Type errors elsewhere in the tree do not stop the emit. */
function compile(outDir: string): void {
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  const args = [tsc, "-p", path.join(REPO_ROOT, "tsconfig.build.json"), "--outDir", outDir, "--declaration", "false"];
  try {
    execFileSync(process.execPath, args, { cwd: REPO_ROOT, stdio: "pipe" });
  } catch (e) {
    // tsc exits non-zero on type errors but still emits; only a missing output is fatal
    if (!fs.existsSync(path.join(outDir, "core", "dispatch.js"))) {
      throw new Error(`tsc produced no output: ${String((e as { stdout?: Buffer }).stdout ?? e).slice(0, 2000)}`);
    }
  }
}

function link(target: string, at: string): void {
  if (!fs.existsSync(target)) throw new Error(`cannot build the provider folder: ${target} is not installed (run npm ci)`);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at, "dir");
}
