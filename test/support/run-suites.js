// `npm test`: the unit project in parallel, then the lab project in band (its tests share the lab's hosts) on the
// default (xm) topology, then the lab files whose behaviour depends on the toolstack again on an all-xl lab of
// its own, then the real-Xen tier (two Xen hosts under QEMU, about 10 min), then one closing line with the counts
// of all of them. `--fast` (`npm run test:fast`) leaves out the real-Xen tier. Other arguments go to every jest
// run of the fast suite; with any, the real-Xen tier is left out too (it is one end-to-end file, not a filter's
// target), and the closing line says so.
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { testLabName } = require("./lab-start");

const tally = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xenha-tests-")), "tally.jsonl");
const jest = require.resolve("jest/bin/jest");
const fast = process.argv.includes("--fast");
const extra = process.argv.slice(2).filter((a) => a !== "--fast");
// The files that branch on the nodes' toolstack (xm/xl commands, relocation versus SSH trust, `xm list -l` versus
// `xl list -l` for a mount's users). The other lab files either do not depend on it or start an xl lab themselves.
const TOOLSTACK_FILES = ["migration", "e2e-runbook", "nfs-mount"];
// Every pass has a lab instance of its own, started fresh by its global setup (lab-start.js), never the demo's.
const xlLab = testLabName("xlpass");
const runs = [
  { args: ["--selectProjects", "unit", ...extra] },
  { args: ["--selectProjects", "lab", "--runInBand", ...extra] },
  {
    // every other lab file ignored, rather than a path pattern, so that a path filter in `extra` narrows this run
    // too instead of adding to it; last, because jest's array options swallow the arguments after them
    args: ["--selectProjects", "lab", "--runInBand", ...extra,
      `--testPathIgnorePatterns=/test/lab/(?!(${TOOLSTACK_FILES.join("|")})\\.test\\.ts$)[^/]+$`],
    env: { XENHA_TEST_LAB: xlLab, XENHA_LAB_TOOLSTACK: "xl" },
    title: `lab project again on the xl topology (lab "${xlLab}"): ${TOOLSTACK_FILES.join(", ")}`,
  },
];
const realXen = !fast && extra.length === 0;
if (realXen) {
  runs.push({
    args: ["-c", path.join(__dirname, "..", "realxen", "jest.config.js"), "--runInBand"],
    title: "real-Xen tier: the runbook on two Xen 4.17 hosts under QEMU",
  });
}
let status = 0;
for (const { args, env, title } of runs) {
  if (title) process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(process.execPath, [jest, ...args], {
    stdio: "inherit",
    env: { ...process.env, ...env, XENHA_TEST_TALLY: tally },
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
if (!realXen) process.stdout.write(`\n(the real-Xen tier was left out: ${fast ? "--fast" : "jest arguments were given"})`);
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(status);
