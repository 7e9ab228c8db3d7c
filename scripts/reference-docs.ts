/**
 * Reference pages generated from the code, so they cannot drift: input tables from each resource's zod schema
 * (its `.describe()` texts, defaults and constraints, through zod's JSON Schema export), output tables from
 * the exported `...Observed` interface (member JSDoc) or `...OutputsSchema`. Only the block between the
 * markers is generated; prose around it is kept.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { z } from "zod";

export const START = "<!-- generated:start (npm run docs; edit the schema, not this block) -->";
export const END = "<!-- generated:end -->";
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

type Json = Record<string, unknown> & {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  enum?: unknown[];
  anyOf?: Json[];
  oneOf?: Json[];
  const?: unknown;
};

export interface Row {
  name: string;
  type: string;
  required: boolean;
  default?: string;
  description: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n+/g, " ").trim();

/** A compact type with its constraints, e.g. `integer 1–65535`, `"nfs" | "nfs4"`, `object[] (≥ 1 items), see ...`. */
export function typeOf(s: Json, sub?: string): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map((a) => typeOf(a)).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : s.type ?? "any";
  const bounds = (lo: unknown, hi: unknown, unit = "") => {
    const l = typeof lo === "number" && lo > -MAX_SAFE ? lo : undefined;
    const h = typeof hi === "number" && hi < MAX_SAFE ? hi : undefined;
    if (l !== undefined && h !== undefined) return ` ${l}–${h}${unit}`;
    if (l !== undefined) return ` ≥ ${l}${unit}`;
    if (h !== undefined) return ` ≤ ${h}${unit}`;
    return "";
  };
  switch (t) {
    case "array": {
      const item = s.items ? typeOf(s.items) : "any";
      const count = bounds(s.minItems, s.maxItems, " items").trim();
      return `${item.includes(" ") ? `(${item})` : item}[]${count ? ` (${count})` : ""}${sub ? `, see ${sub}` : ""}`;
    }
    case "object":
      return sub ? `object, see ${sub}` : "object";
    case "integer":
    case "number":
      return `${t}${bounds(s.minimum ?? s.exclusiveMinimum, s.maximum ?? s.exclusiveMaximum)}`;
    case "string":
      return `string${s.minLength === 1 ? " (non-empty)" : ""}`;
    default:
      return t;
  }
}

/** One table per object: the top level, then each nested object (`clients[]`, `migration`...). */
export function tablesFromJsonSchema(root: Json, title: string, links: Record<string, string> = {}): string[] {
  const out: string[] = [];
  const walk = (obj: Json, heading: string, prefix: string) => {
    const props = obj.properties ?? {};
    const required = new Set(obj.required ?? []);
    const nested: [Json, string][] = [];
    const rows: Row[] = Object.entries(props).map(([name, s]) => {
      const pathName = `${prefix}${name}`;
      const link = links[name];
      const item = s.type === "array" && s.items?.type === "object" ? s.items : undefined;
      const objectLike = s.type === "object" && s.properties ? s : item;
      let sub: string | undefined;
      if (link) sub = link;
      else if (objectLike) {
        sub = `\`${pathName}${item ? "[]" : ""}\``;
        nested.push([objectLike, `${pathName}${item ? "[]" : ""}`]);
      }
      return {
        name,
        type: typeOf(s, sub),
        required: required.has(name) && s.default === undefined,
        default: s.default === undefined ? undefined : JSON.stringify(s.default),
        description: s.description ?? objectLike?.description ?? "",
      };
    });
    out.push(renderTable(heading, rows));
    for (const [s, p] of nested) walk(s, `${title} \`${p}\``, `${p}.`);
  };
  walk(root, title, "");
  return out;
}

export function renderTable(heading: string, rows: Row[]): string {
  const lines = [`### ${heading}`, "", "| property | type | required | default | description |", "|---|---|---|---|---|"];
  for (const r of rows) {
    lines.push(`| \`${r.name}\` | ${cell(r.type)} | ${r.required ? "yes" : "no"} | ${r.default ? `\`${cell(r.default)}\`` : ""} | ${cell(r.description)} |`);
  }
  return lines.join("\n");
}

export function inputTables(schema: z.ZodType, title: string, links: Record<string, string>): string[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  return tablesFromJsonSchema(json, title, links);
}

/** Members of an exported interface, with their JSDoc and declared type, read from the source. */
export function interfaceRows(file: string, name: string): Row[] | undefined {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  let rows: Row[] | undefined;
  src.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    rows = node.members.filter(ts.isPropertySignature).map((m) => {
      const docs = ts.getJSDocCommentsAndTags(m).map((d) => (typeof d.comment === "string" ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? ""));
      return {
        name: m.name.getText(src),
        type: m.type ? m.type.getText(src).replace(/\s+/g, " ") : "any",
        required: !m.questionToken,
        description: docs.join(" ").trim(),
      };
    });
  });
  return rows;
}

export function outputTable(kind: string, rows: Row[]): string {
  const lines = [
    `### ${kind} outputs`,
    "",
    "Every input is echoed as an output (with its default filled in). In addition:",
    "",
    "| output | type | description |",
    "|---|---|---|",
  ];
  for (const r of rows) lines.push(`| \`${r.name}\` | \`${cell(r.type)}\` | ${cell(r.description)} |`);
  return lines.join("\n");
}

/** Replaces the generated block of a page, keeping everything around it; a new page gets a title and the block. */
export function mergePage(existing: string | null, title: string, generated: string): string {
  const block = `${START}\n\n${generated.trim()}\n\n${END}`;
  if (existing === null) return `# ${title}\n\n${block}\n`;
  const a = existing.indexOf(START.slice(0, 24));
  const b = existing.indexOf(END);
  if (a < 0 || b < a) return `${existing.trimEnd()}\n\n${block}\n`;
  return existing.slice(0, a) + block + existing.slice(b + END.length);
}

export interface ResourceDoc {
  folder: string;
  kind: string;
  file: string;
  content: string;
}

const pascal = (folder: string) => folder.split("-").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");

/** Finds each resource's kind, input schema and outputs by the conventions of provider/core/README.md. */
export function resourceDocs(repo: string): ResourceDoc[] {
  const root = path.join(repo, "provider", "resources");
  const docs: ResourceDoc[] = [];
  for (const folder of fs.readdirSync(root).sort()) {
    const schemaFile = path.join(root, folder, "schema.ts");
    if (!fs.existsSync(schemaFile)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(schemaFile) as Record<string, unknown>;
    const inputsName = Object.keys(mod).find((k) => /InputsSchema$/.test(k) && mod[k] instanceof z.ZodType);
    if (!inputsName) continue;
    const resourceFile = path.join(root, folder, "resource.ts");
    const kindMatch = fs.existsSync(resourceFile) ? /kind:\s*"([A-Za-z]+)"/.exec(fs.readFileSync(resourceFile, "utf8")) : null;
    const kind = kindMatch?.[1] ?? pascal(folder);
    const parts = inputTables(mod[inputsName] as z.ZodType, `${kind} inputs`, { connection: "[connection](connection.md)" });
    const observed = fs.readFileSync(schemaFile, "utf8").match(/export interface (\w+Observed)\b/)?.[1];
    const outputsName = Object.keys(mod).find((k) => /OutputsSchema$/.test(k) && mod[k] instanceof z.ZodType);
    let rows = observed ? interfaceRows(schemaFile, observed) : undefined;
    if (!rows && outputsName) {
      const inKeys = new Set(Object.keys((z.toJSONSchema(mod[inputsName] as z.ZodType, { io: "input", unrepresentable: "any" }) as Json).properties ?? {}));
      const outJson = z.toJSONSchema(mod[outputsName] as z.ZodType, { io: "output", unrepresentable: "any" }) as Json;
      rows = Object.entries(outJson.properties ?? {})
        .filter(([k]) => !inKeys.has(k))
        .map(([name, s]) => ({ name, type: typeOf(s), required: true, description: s.description ?? "" }));
    }
    if (rows) parts.push(outputTable(kind, rows));
    docs.push({ folder, kind, file: path.join(repo, "docs", "resources", `${folder}.md`), content: parts.join("\n\n") });
  }
  return docs;
}

export function connectionDoc(repo: string): ResourceDoc {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { connectionSchema } = require(path.join(repo, "provider", "ssh", "connection.ts")) as { connectionSchema: z.ZodType };
  return {
    folder: "connection",
    kind: "connection",
    file: path.join(repo, "docs", "resources", "connection.md"),
    content: inputTables(connectionSchema, "connection", {}).join("\n\n"),
  };
}

/** A component's argument and output interfaces (`...Args`, `...State`), from their JSDoc. */
export function componentDocs(repo: string): ResourceDoc[] {
  const root = path.join(repo, "provider", "components");
  const docs: ResourceDoc[] = [];
  for (const file of fs.readdirSync(root).sort()) {
    const src = path.join(root, file);
    const text = fs.readFileSync(src, "utf8");
    const kind = /export class (\w+) extends pulumi\.ComponentResource/.exec(text)?.[1];
    if (!kind) continue;
    const names = [...text.matchAll(/export interface (\w+(Args|State))\b/g)].map((m) => m[1]!);
    const main = `${kind}Args`;
    names.sort((a, b) => (a === main ? -1 : b === main ? 1 : 0));
    const parts = names.map((n) => {
      const rows = interfaceRows(src, n) ?? [];
      const lines = [`### \`${n}\``, "", "| property | type | required | description |", "|---|---|---|---|"];
      for (const r of rows) lines.push(`| \`${r.name}\` | \`${cell(r.type)}\` | ${r.required ? "yes" : "no"} | ${cell(r.description)} |`);
      return lines.join("\n");
    });
    docs.push({ folder: file.replace(/\.ts$/, ""), kind, file: path.join(repo, "docs", "components", file.replace(/\.ts$/, ".md")), content: parts.join("\n\n") });
  }
  return docs;
}

/** Every generated page: [file, full new content]. */
export function renderAll(repo: string): [string, string][] {
  return [connectionDoc(repo), ...resourceDocs(repo), ...componentDocs(repo)].map((d) => {
    const existing = fs.existsSync(d.file) ? fs.readFileSync(d.file, "utf8") : null;
    return [d.file, mergePage(existing, d.kind === "connection" ? "The `connection` input" : d.kind, d.content)];
  });
}
