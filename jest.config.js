/** Two projects: `unit` (pure code, no hosts) and `lab` (real SSH hosts, run in band). */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }];
module.exports = {
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
      transform: { "^.+\\.ts$": tsJest },
      testEnvironment: "node",
    },
    {
      displayName: "lab",
      testMatch: ["<rootDir>/test/lab/**/*.test.ts"],
      transform: { "^.+\\.ts$": tsJest },
      testEnvironment: "node",
      globalSetup: "<rootDir>/test/support/lab-setup.js",
      testTimeout: 120000,
    },
  ],
};
