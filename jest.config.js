/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Transpile only: `tsc --noEmit` (npm test runs it first) does the type-checking once.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  // One worker per core. Jest's default, one fewer than the cores, is a single worker on a 2-core machine,
  // with the other core idle while tests wait on the programs they spawn: the suite took 118 s there with
  // one worker (690 tests, the clean-clone CI of 696a55e) and 73 s with two (704 tests; README, "Testing").
  maxWorkers: "100%",
};
