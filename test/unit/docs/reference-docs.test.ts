import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { END, START, inputTables, mergePage, renderAll, typeOf } from "../../../scripts/reference-docs";

const REPO = path.resolve(__dirname, "../../..");

test("the committed reference pages match the schemas (run `npm run docs` after changing a schema)", () => {
  const pages = renderAll(REPO);
  expect(pages.length).toBeGreaterThan(1);
  const stale = pages.filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== content);
  expect(stale.map(([file]) => path.relative(REPO, file))).toEqual([]);
});

test("a page keeps the prose around its generated block", () => {
  const page = `# X\n\nintro prose\n\n${START}\n\nold table\n\n${END}\n\n## Notes\nkept\n`;
  const merged = mergePage(page, "X", "new table");
  expect(merged).toBe(`# X\n\nintro prose\n\n${START}\n\nnew table\n\n${END}\n\n## Notes\nkept\n`);
  expect(mergePage(null, "Y", "t")).toBe(`# Y\n\n${START}\n\nt\n\n${END}\n`);
  expect(mergePage("# Z\nprose only\n", "Z", "t")).toBe(`# Z\nprose only\n\n${START}\n\nt\n\n${END}\n`);
});

test("tables show types, constraints, defaults, required and the schema's own descriptions", () => {
  const schema = z.strictObject({
    port: z.number().int().min(1).max(65535).default(8002).describe("Relocation port."),
    mode: z.enum(["xm", "xl"]).describe("Toolstack."),
    clients: z.array(z.strictObject({ host: z.string().min(1).describe("Who.") })).min(1).describe("Clients."),
    note: z.string().optional(),
  });
  const [top, clients] = inputTables(schema, "T inputs", {});
  expect(top).toContain("| `port` | integer 1–65535 | no | `8002` | Relocation port. |");
  expect(top).toContain('| `mode` | "xm" \\| "xl" | yes |  | Toolstack. |');
  expect(top).toContain("| `clients` | object[] (≥ 1 items), see `clients[]` | yes |  | Clients. |");
  expect(top).toContain("| `note` | string | no |  |  |");
  expect(clients).toContain("### T inputs `clients[]`");
  expect(clients).toContain("| `host` | string (non-empty) | yes |  | Who. |");
  expect(typeOf({ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 })).toBe("integer");
});
