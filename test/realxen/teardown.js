// globalTeardown of the real-Xen tier: stops the VMs and the tier's lab (XENHA_REALXEN_KEEP=1 keeps both, to look
// around after a failure; the next run starts new ones anyway).
const path = require("path");

const root = path.join(__dirname, "..", "..");

module.exports = async () => {
  const s = globalThis.__xenhaRealXen;
  if (!s || process.env.XENHA_REALXEN_KEEP === "1") return;
  const vms = require(path.join(root, "build", "lab", "realxen", "vms.js"));
  process.stdout.write(`${await vms.realXenDown(s.name)}\n`);
  process.stdout.write(`${await require(path.join(root, "build", "lab", "control.js")).down(s.name)}\n`);
  process.stdout.write(`real-Xen tier: ${((Date.now() - s.t0) / 1000).toFixed(0)} s from setup to teardown\n`);
};
