// jest for lab.test.ts: TypeScript through ts-jest, transpiled only (tsconfig's isolatedModules).
// globalTeardown: what a killed worker left (jest-worker's SIGKILL) is swept once all have ended.
module.exports = { testEnvironment: "node", transform: { "^.+\\.ts$": "ts-jest" }, testMatch: ["**/*.test.ts"], globalTeardown: "<rootDir>/node_modules/netns-lab/testing/global-teardown.js" };
