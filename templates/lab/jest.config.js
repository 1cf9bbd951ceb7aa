// jest for lab.test.ts: TypeScript through ts-jest, transpiled only (tsconfig's isolatedModules).
module.exports = { testEnvironment: "node", transform: { "^.+\\.ts$": "ts-jest" }, testMatch: ["**/*.test.ts"] };
