// Mutation testing of nodes/lib/ (npm run mutation; see README, "Mutation testing").
// The tests require the compiled dist/, so each sandbox compiles the mutated
// TypeScript itself (buildCommand) before the tests run against it.

/** The fast test files that exercise nodes/lib/, directly or through a node. */
const spec = [
  'test/lib.test.js',
  'test/lib-*.test.js',
  'test/client.test.js',
  'test/config.test.js',
  'test/export-lib.test.js',
  'test/request-lib.test.js',
  'test/output.test.js',
  'test/job-status.test.js',
  'test/request.test.js',
  'test/rerun-job.test.js',
  'test/wait-for-job.test.js',
  'test/export.test.js',
  'test/fetch-output.test.js',
  'test/sidebar-admin.test.js',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['nodes/lib/**/*.ts'],
  buildCommand: 'npm run build',
  testRunner: 'mocha',
  mochaOptions: {
    spec,
    // A load test, not a behaviour test: a million rows take minutes under instrumentation.
    grep: '^(?!.*1,000,000 CSV rows)',
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  // Two cores here; each sandbox also runs a simulator and a Node-RED runtime.
  concurrency: 2,
  // Tests wait on a simulator over HTTP: allow for a loaded machine before calling a mutant a timeout.
  timeoutMS: 10000,
  // Nothing the tests read; keeps the sandboxes small.
  ignorePatterns: ['/dist', '/docs', '/bench', '/.demo', '/test/.tmp', '/test/browser', '/test/e2e', '/.ci'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
