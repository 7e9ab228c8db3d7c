// globalSetup of the real-Xen tier: a lab instance of its own (testLabName("realxen") in test/support/lab-start.js)
// with toolstack xl, started fresh, then its two QEMU Xen hosts. Anything missing (QEMU, the images' packages) fails
// here, loudly: this tier never skips.
const path = require("path");
const { startFresh, testLabName } = require("../support/lab-start");

const root = path.join(__dirname, "..", "..");

module.exports = async () => {
  const vms = require(path.join(root, "build", "lab", "realxen", "vms.js"));
  const name = testLabName("realxen");
  process.env.XENHA_LAB = name;
  const started = Date.now();
  // VMs an earlier run left (a crash, XENHA_REALXEN_KEEP=1) go first: they hold the lab's host links
  if (vms.readRealXen(name)) process.stdout.write(`\n${await vms.realXenDown(name)}\n`);
  const r = await startFresh(name, "xl", ["--real-xen"]);
  process.stdout.write(`\n${r.message}\n`);
  const x = await vms.realXenUp(name);
  process.stdout.write(`${x.message}\n`);
  globalThis.__xenhaRealXen = { name, t0: started };
};
