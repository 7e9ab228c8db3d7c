// `npm test`: the unit project in parallel, then the lab project in band (its tests share the lab's hosts),
// then one closing line with the counts of both. Extra arguments go to both jest runs.
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const tally = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xenha-tests-")), "tally.jsonl");
const jest = require.resolve("jest/bin/jest");
const extra = process.argv.slice(2);
const runs = [
  ["--selectProjects", "unit", ...extra],
  ["--selectProjects", "lab", "--runInBand", ...extra],
];
let status = 0;
for (const args of runs) {
  const r = spawnSync(process.execPath, [jest, ...args], {
    stdio: "inherit",
    env: { ...process.env, XENHA_TEST_TALLY: tally },
  });
  if (r.status !== 0) status = r.status ?? 1;
}
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = fs.existsSync(tally) ? fs.readFileSync(tally, "utf8").trim().split("\n").filter(Boolean) : [];
for (const line of lines) {
  const c = JSON.parse(line);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
if (lines.length < runs.length && status === 0) status = 1; // a jest run that never reported is a failure
fs.rmSync(path.dirname(tally), { recursive: true, force: true });
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(status);
