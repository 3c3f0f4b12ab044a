import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // .stryker-tmp/ holds npm run mutation's sandboxes (copies with instrumented code).
  { ignores: ['dist/', 'node_modules/', '.ci/cache/', 'docs/', 'resources/editor/', 'resources/aims360-editor.js', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    // `const node = this` is the Node-RED idiom for handlers that outlive the constructor.
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    files: ['test/**/*.js', 'scripts/**/*.mjs', 'scripts/**/*.cjs', 'scripts/**/*.js', 'bench/**/*.js', 'bench/**/*.mjs', 'eslint.config.mjs', 'stryker.config.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
  },
  {
    // Editor code, compiled for the browser.
    files: ['src/editor/**/*.ts', 'nodes/*/editor.ts'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly', $: 'readonly' } },
  },
  {
    // Functions that playwright runs inside the editor page.
    files: ['test/browser/**/*.js', 'test/support/browser.js'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly', $: 'readonly' } },
  },
);
