/** Two projects: `unit` (pure code, no hosts) and `lab` (real SSH hosts, run in band). */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }];
// Providers reach library code by package name (see docs/serialization.md); inside jest that name maps to the
// TypeScript sources, and test-only resource kinds (test/support/probes) get a package name of their own.
const moduleNameMapper = {
  "^pulumi-xen-ha/(.*)$": "<rootDir>/provider/$1",
  "^xenha-test-probes/(.*)$": "<rootDir>/test/support/probes/$1",
};
// The lab's host root filesystems (.lab/) change while tests run; jest must not crawl them (nor build output).
const modulePathIgnorePatterns = ["<rootDir>/\\.lab/", "<rootDir>/dist/", "<rootDir>/build/"];
// CI starts from an empty jest cache (.ci/run); elsewhere jest's default one
const cache = process.env.XENHA_JEST_CACHE ? { cacheDirectory: process.env.XENHA_JEST_CACHE } : {};
module.exports = {
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  projects: [
    {
      ...cache,
      displayName: "unit",
      testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
      transform: { "^.+\\.ts$": tsJest },
      moduleNameMapper,
      modulePathIgnorePatterns,
      testEnvironment: "node",
    },
    {
      ...cache,
      displayName: "lab",
      testMatch: ["<rootDir>/test/lab/**/*.test.ts"],
      transform: { "^.+\\.ts$": tsJest },
      moduleNameMapper,
      modulePathIgnorePatterns,
      testEnvironment: "node",
      globalSetup: "<rootDir>/test/support/lab-setup.js",
      globalTeardown: "<rootDir>/test/support/lab-teardown.js",
      setupFilesAfterEnv: ["<rootDir>/test/support/lab-timeout.js"],
    },
  ],
};
