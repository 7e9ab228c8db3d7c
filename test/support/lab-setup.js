// jest globalSetup of the lab project: makes sure the lab instance XENHA_LAB (default "default") runs, installing
// the lab's Debian packages first if they are missing, so that `npm test` works on a fresh machine. The global
// teardown (lab-teardown.js) takes the lab down again only if this setup started it.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..", "..");
const NEEDED = ["/usr/sbin/sshd", "/usr/bin/ganesha.nfsd", "/usr/bin/nfs-ls", "/usr/lib/python3/dist-packages/fusepy.py", "/usr/bin/arping"];

module.exports = async () => {
  if (NEEDED.some((f) => !fs.existsSync(f))) {
    execFileSync("bash", [path.join(root, "lab", "install-packages.sh")], { stdio: "inherit" });
  }
  const controlJs = path.join(root, "build", "lab", "control.js");
  if (!fs.existsSync(controlJs)) throw new Error(`${controlJs} missing: run "npm run build" first`);
  const control = require(controlJs);
  const name = process.env.XENHA_LAB || "default";
  process.env.XENHA_LAB = name;
  const toolstack = process.env.XENHA_LAB_TOOLSTACK || "xm";
  const r = await control.up(name, toolstack);
  process.stdout.write(`\n${r.message}\n`);
  globalThis.__xenhaLabStartedByJest = r.started ? name : null;
};
