// jest globalTeardown of the lab project: takes the lab down only if lab-setup.js started it.
const path = require("path");

module.exports = async () => {
  const name = globalThis.__xenhaLabStartedByJest;
  if (!name) return;
  const control = require(path.join(__dirname, "..", "..", "build", "lab", "control.js"));
  process.stdout.write(`${await control.down(name)}\n`);
};
