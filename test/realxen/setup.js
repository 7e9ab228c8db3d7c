// globalSetup of the real-Xen tier: the lab instance XENHA_LAB (default "realxen") with toolstack xl, then its
// two QEMU Xen hosts. Anything missing (QEMU, the images' packages) fails here, loudly: this tier never skips.
const { execFileSync } = require("child_process");
const path = require("path");

const root = path.join(__dirname, "..", "..");

module.exports = async () => {
  execFileSync("bash", [path.join(root, "lab", "install-packages.sh"), "--real-xen"], { stdio: "inherit" });
  const control = require(path.join(root, "build", "lab", "control.js"));
  const vms = require(path.join(root, "build", "lab", "realxen", "vms.js"));
  const name = process.env.XENHA_LAB || "realxen";
  process.env.XENHA_LAB = name;
  const started = Date.now();
  if (vms.readRealXen(name) && !control.isRunning(name)) await vms.realXenDown(name);
  const r = await control.up(name, "xl");
  process.stdout.write(`\n${r.message}\n`);
  const x = await vms.realXenUp(name);
  process.stdout.write(`${x.message}\n`);
  globalThis.__xenhaRealXen = { name, started: r.started, t0: started };
};
