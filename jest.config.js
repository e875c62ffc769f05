/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/globalSetup.ts',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/summaryReporter.js'],
  // Sandboxes are real servers on ephemeral ports; two workers match the 2-core machines.
  maxWorkers: 2,
};
