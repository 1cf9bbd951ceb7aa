/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking happens in `make build` (tsc --noEmit over provider, stacks and tests); ts-jest only transpiles.
  transform: { "^.+\\.ts$": "ts-jest" },
  // The stacks import netns-lab by package name (the compiled dist/ at run time); tests use the source.
  moduleNameMapper: { "^netns-lab$": "<rootDir>/provider/index.ts" },
  globalSetup: "<rootDir>/test/support/global-setup.js",
  globalTeardown: "<rootDir>/test/support/global-teardown.js",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  testTimeout: 120000,
};
