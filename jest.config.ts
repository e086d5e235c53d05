import type { Config } from 'jest';

// ESM TypeScript through ts-jest; run with NODE_OPTIONS=--experimental-vm-modules (the npm scripts do).
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
  testEnvironment: 'node',
} satisfies Partial<Config>;

const config: Config = {
  // Jest 30 reads testTimeout only here, not per project: e2e tests wait for real controllers.
  testTimeout: 120_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // Tests that take tens of seconds on their own (a 1 GB file): `npm run test:slow`, run by `npm test` after unit.
    { ...common, displayName: 'slow', testMatch: ['<rootDir>/test/slow/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    },
  ],
};
export default config;
