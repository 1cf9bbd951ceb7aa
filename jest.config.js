/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking happens in `make build` (tsc --noEmit over provider, stacks and tests); ts-jest only transpiles.
  transform: { "^.+\\.ts$": "ts-jest" },
  globalSetup: "<rootDir>/test/support/global-setup.js",
  globalTeardown: "<rootDir>/test/support/global-teardown.js",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  testTimeout: 120000,
};
