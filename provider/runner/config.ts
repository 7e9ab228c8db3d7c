/** Pulumi.yaml and Pulumi.<stack>.yaml, read the way the CLI reads them (the subset the runner supports). */
import * as fs from "node:fs";
import * as path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

export interface Project {
  dir: string;
  name: string;
  /** Absolute path of the program (Pulumi.yaml `main`, else the project folder). */
  main: string;
  /**
   * The folder the engine runs the program and the provider server in: `main` when it is a folder, else the
   * folder that holds it (pkg/engine/project.go getPwdMain). Every `require` of a serialized provider
   * resolves from here, so the program's folder must reach its packages as a user's project does.
   */
  pwd: string;
  /** Folder of a `file://` backend URL, if Pulumi.yaml names one. */
  backendDir?: string;
}

export interface StackConfig {
  /** "project:key" → string, as the CLI hands config to programs (objects as JSON). */
  values: Record<string, string>;
  secretKeys: string[];
}

export function loadProject(dir: string): Project {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no Pulumi.yaml in ${dir}`);
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  if (typeof doc.name !== "string") throw new Error(`${file}: missing name`);
  const runtime = typeof doc.runtime === "string" ? doc.runtime : (doc.runtime as { name?: string } | undefined)?.name;
  if (runtime !== "nodejs") throw new Error(`${file}: the runner only runs nodejs programs (runtime: ${String(runtime)})`);
  const main = path.resolve(dir, typeof doc.main === "string" ? doc.main : ".");
  if (!fs.existsSync(main)) throw new Error(`${file}: project 'main' could not be read (${main})`);
  const pwd = fs.statSync(main).isDirectory() ? main : path.dirname(main);
  const url = (doc.backend as { url?: string } | undefined)?.url;
  const backendDir = url?.startsWith("file://") ? path.resolve(dir, url.slice("file://".length).replace(/^~(?=\/)/, process.env.HOME ?? "~")) : undefined;
  return { dir, name: doc.name, main, pwd, backendDir };
}

export function loadStackConfig(project: Project, stack: string): StackConfig {
  const file = path.join(project.dir, `Pulumi.${stack}.yaml`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  if (!fs.existsSync(file)) return { values, secretKeys };
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [rawKey, v] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    if (typeof v === "object" && v !== null && "secure" in v) {
      throw new Error(
        `${file}: ${rawKey} is encrypted by the pulumi CLI, which the runner cannot decrypt; ` +
          "give the runner a file path (e.g. privateKeyPath) or use the pulumi CLI",
      );
    }
    values[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { values, secretKeys };
}

/** Where the runner keeps a stack's state: under the file backend named in Pulumi.yaml, else under `.pulumi-state/` in the project. */
export function stateFileFor(project: Project, stack: string): string {
  const base = project.backendDir ?? path.join(project.dir, ".pulumi-state");
  return path.join(base, "xenha-runner", project.name, `${stack}.json`);
}
