/**
 * `npm run docs`: regenerates the reference tables in docs/resources/*.md from the schemas.
 * `npm run docs -- --check`: exits 1 and lists the stale pages instead of writing (the unit test does the same).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderAll } from "./reference-docs";

const repo = path.resolve(__dirname, "..");
const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [file, content] of renderAll(repo)) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  if (old === content) continue;
  stale.push(path.relative(repo, file));
  if (!check) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}
if (check && stale.length > 0) {
  process.stderr.write(`stale reference docs (run npm run docs): ${stale.join(", ")}\n`);
  process.exit(1);
}
process.stdout.write(stale.length ? `${check ? "stale" : "wrote"}: ${stale.join(", ")}\n` : "reference docs up to date\n");
