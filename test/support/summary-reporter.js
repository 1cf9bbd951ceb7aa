// Writes the closing line CI reads, "N passed, N failed", to test/.summary; `make test` prints it
// last, after jest's own report. A test file that could not run at all counts as a failure, so a
// broken suite never reads as green.
const fs = require("fs");
const path = require("path");
class SummaryReporter {
  onRunComplete(_contexts, r) {
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    const skipped = r.numPendingTests + r.numTodoTests;
    const line = `${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
    fs.writeFileSync(path.join(__dirname, "..", ".summary"), line + "\n");
  }
}
module.exports = SummaryReporter;
