// Mutation testing of the modules whose code runs when they load (settings.ts, rules.ts:
// presets other modules build at load), without --ignoreStatic:
//
//   npx stryker run scripts/stryker-statics.config.mjs --mutate src/lib/settings.ts
//
// Stryker runs each static mutant with every test of the spec, so the spec is narrowed to the
// test files of the modules that read these presets: seconds per mutant instead of ~75 s.
// A mutant that only a test outside this list kills comes out as a survivor.
import base from '../stryker.config.mjs';

export default {
  ...base,
  mochaOptions: {
    spec: ['settings', 'rules', 'read-setting', 'job-id', 'jobs-endpoint', 'odata', 'request', 'rerun', 'export']
      .map((name) => `test/lib/${name}.test.js`),
  },
};
