// Prints the plain closing line "N passed, N failed, N skipped" that CI reads; jest's own summary
// ("Tests: 3 passed, 3 total") is not in that form. `npm test` runs jest several times (test/support/run-suites.js):
// with XENHA_TEST_TALLY set, each run adds its counts to that file and test/support/run-suites.js prints the total.
const fs = require("fs");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const counts = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    const tally = process.env.XENHA_TEST_TALLY;
    if (tally) {
      fs.appendFileSync(tally, `${JSON.stringify(counts)}\n`);
      return;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
