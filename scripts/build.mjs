// Compiles the TypeScript and lays out dist/ the way Node-RED reads a node:
// the editor .html, icons/ and locales/<lang>/<basename>.{json,html} beside each node's
// (and the sidebar plugin's) .js.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

const nodesSrc = path.join(root, 'nodes');
const localesSrc = path.join(nodesSrc, 'locales');
for (const dir of readdirSync(nodesSrc, { withFileTypes: true })) {
  if (!dir.isDirectory() || dir.name === 'lib' || dir.name === 'locales' || dir.name === 'shared') continue;
  const base = dir.name;
  const out = path.join(dist, 'nodes', base);
  mkdirSync(out, { recursive: true });
  // A plugin may have no editor part (yet).
  const html = path.join(nodesSrc, base, `${base}.html`);
  if (existsSync(html)) cpSync(html, path.join(out, `${base}.html`));
  cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });
  for (const lang of readdirSync(localesSrc)) {
    for (const ext of ['json', 'html']) {
      const file = path.join(localesSrc, lang, `${base}.${ext}`);
      if (existsSync(file)) {
        mkdirSync(path.join(out, 'locales', lang), { recursive: true });
        cpSync(file, path.join(out, 'locales', lang, `${base}.${ext}`));
      }
    }
  }
}
const cli = path.join(dist, 'simulator', 'cli.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
