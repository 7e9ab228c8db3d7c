/**
 * The real-Xen tier (`npm run test:realxen`): two QEMU VMs running Debian's Xen 4.17 stand in for the lab's
 * node1/node2 (lab/realxen/). Slow (TCG emulation): its own jest config, run last by `npm test`
 * (test/support/run-suites.js), left out by `npm run test:fast`.
 */
const path = require("path");
const root = path.join(__dirname, "..", "..");
const tsJest = ["ts-jest", { tsconfig: path.join(root, "tsconfig.json"), diagnostics: { warnOnly: false } }];
module.exports = {
  // CI starts from an empty jest cache (.ci/run); elsewhere jest's default one
  ...(process.env.XENHA_JEST_CACHE ? { cacheDirectory: process.env.XENHA_JEST_CACHE } : {}),
  rootDir: root,
  testMatch: ["<rootDir>/test/realxen/**/*.test.ts"],
  transform: { "^.+\\.ts$": tsJest },
  moduleNameMapper: { "^pulumi-xen-ha/(.*)$": "<rootDir>/provider/$1" },
  modulePathIgnorePatterns: ["<rootDir>/\\.lab/", "<rootDir>/dist/", "<rootDir>/build/"],
  testEnvironment: "node",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  globalSetup: "<rootDir>/test/realxen/setup.js",
  globalTeardown: "<rootDir>/test/realxen/teardown.js",
  // after the teardown has stopped the VMs, a handle left open by the SSH clients must not keep CI waiting
  forceExit: true,
};
