// Prints the plain closing line "N passed, N failed, N skipped" that CI reads; jest's own summary
// ("Tests: 3 passed, 3 total") is not in that form.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
