// Mutation testing of src/lib/ (npm run mutation; see README, "Mutation testing").
// The tests require the compiled dist/, so each sandbox compiles the mutated
// TypeScript itself (buildCommand) before the tests run against it.

/**
 * The fast test files that exercise src/lib/ without Node-RED. The node tests
 * (job-status, wait-for-job, export, fetch-output…) reach it too, but each of their
 * runs starts Node-RED and a simulator: with them a run takes hours on two cores.
 */
const spec = [
  'test/lib/**/*.test.js',
];

// Read by test/lib/formats.test.js: skip the 200 MB resume test, whose smaller twins cover the same code.
process.env.AIMS360_MUTATION = '1';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // sheet-worker.ts runs in a worker thread, where Stryker's per-test coverage does not reach (it
  // counts every mutant there as reached by no test); the sheet-reader tests run all of it.
  mutate: ['src/lib/**/*.ts', '!src/lib/sheet-worker.ts'],
  buildCommand: 'npm run build',
  testRunner: 'mocha',
  mochaOptions: { spec },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  // Two cores here (one runs the TypeScript checker, one the tests).
  concurrency: 2,
  // Tests wait on a simulator over HTTP: allow for a loaded machine before calling a mutant a timeout.
  timeoutMS: 10000,
  // Nothing the tests read; keeps the sandboxes small.
  ignorePatterns: ['/dist', '/docs', '/bench', '/.demo', '/test/.tmp', '/test/browser', '/test/e2e', '/test/reliability', '/.ci'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
