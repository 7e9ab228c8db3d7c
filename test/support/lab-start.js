// How the demo and the test suites get a lab instance. Both install the lab's Debian packages first when they are
// missing, so that the README's two commands work on a new machine. They differ in what they accept:
// - the demo keeps its instance (XENHA_LAB, default "default") between runs and reuses it when it is up;
// - a test suite never runs on an instance something else left: it has names of its own (testLabName) and
//   starts each one fresh, taking down whatever an earlier run of the same name left (a crashed run, a kept lab).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..", "..");
const NEEDED = ["/usr/sbin/sshd", "/usr/bin/ganesha.nfsd", "/usr/bin/nfs-ls", "/usr/lib/python3/dist-packages/fusepy.py", "/usr/bin/arping"];

function installPackagesIfMissing(extraArgs = []) {
  if (extraArgs.length === 0 && NEEDED.every((f) => fs.existsSync(f))) return;
  execFileSync("bash", [path.join(root, "lab", "install-packages.sh"), ...extraArgs], { stdio: "inherit" });
}

function control() {
  const controlJs = path.join(root, "build", "lab", "control.js");
  if (!fs.existsSync(controlJs)) throw new Error(`${controlJs} missing: run "npm run build" first`);
  return require(controlJs);
}

/**
 * The instance a test run uses for `kind` ("" for the main lab project; "xlpass", "realxen" for the other
 * passes): XENHA_TEST_LAB when given (run-suites.js gives each pass its own), else derived from the demo's
 * name so that it can never be the demo's or a developer's own instance.
 */
function testLabName(kind = "") {
  const base = process.env.XENHA_TEST_LAB || `${process.env.XENHA_LAB || "default"}-test`;
  return kind ? `${base}-${kind}` : base;
}

/** The demo's start: reuse the instance when it runs. */
async function keepOrStart(name, toolstack) {
  installPackagesIfMissing();
  return control().up(name, toolstack);
}

/** A test suite's start: a new instance, whatever ran under this name before. */
async function startFresh(name, toolstack, extraPackages = []) {
  installPackagesIfMissing(extraPackages);
  const c = control();
  let before = "";
  if (c.isRunning(name)) before = `${await c.down(name)}\n(an earlier run left lab "${name}" up: taken down so that this run starts from a new one)\n`;
  const r = await c.up(name, toolstack);
  return { ...r, message: before + r.message };
}

module.exports = { installPackagesIfMissing, testLabName, keepOrStart, startFresh };
