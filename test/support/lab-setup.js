// jest globalSetup of the lab project: a lab instance of the test run's own (testLabName in lab-start.js; never
// the demo's), started fresh, with toolstack XENHA_LAB_TOOLSTACK (default xm). The tests read its name from
// XENHA_LAB. The global teardown (lab-teardown.js) takes it down again.
const { startFresh, testLabName } = require("./lab-start");

module.exports = async () => {
  const name = testLabName();
  process.env.XENHA_LAB = name;
  const r = await startFresh(name, process.env.XENHA_LAB_TOOLSTACK || "xm");
  process.stdout.write(`\n${r.message}\n`);
  globalThis.__xenhaTestLab = name;
};
