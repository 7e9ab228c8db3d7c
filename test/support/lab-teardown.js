// jest globalTeardown of the lab project: takes the test run's lab down (XENHA_TEST_KEEP_LAB=1 keeps it, to look
// around after a failure; the next run starts a new one anyway).
const path = require("path");

module.exports = async () => {
  const name = globalThis.__xenhaTestLab;
  if (!name) return;
  if (process.env.XENHA_TEST_KEEP_LAB === "1") {
    process.stdout.write(`lab "${name}" kept (XENHA_TEST_KEEP_LAB=1): XENHA_LAB=${name} npm run lab:down\n`);
    return;
  }
  const control = require(path.join(__dirname, "..", "..", "build", "lab", "control.js"));
  process.stdout.write(`${await control.down(name)}\n`);
};
