// scripts/mutation-score.mjs: several Stryker JSON reports merged into one per-file table.
require('should');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const script = path.join(__dirname, '..', '..', 'scripts', 'mutation-score.mjs');

/** A mutant of a report: `status` at `line`. */
const mutant = (status, line = 1) => ({ status, mutatorName: 'BlockStatement', replacement: '{}', location: { start: { line, column: 3 }, end: { line, column: 9 } } });
const report = (files) => ({ schemaVersion: '1.0', files: Object.fromEntries(Object.entries(files).map(([f, mutants]) => [f, { language: 'typescript', source: '', mutants }])) });
const many = (status, n) => Array.from({ length: n }, (_, i) => mutant(status, i + 1));

describe('scripts/mutation-score.mjs', () => {
  let score;
  let dir;
  before(async () => {
    score = await import(script);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mutation-score-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores as Stryker does: killed and timed out over those and survived and no coverage; errors and ignored do not count', () => {
    const t = score.tally([...many('Killed', 6), mutant('Timeout'), mutant('Survived'), mutant('NoCoverage'), mutant('CompileError'), mutant('RuntimeError'), mutant('Ignored')]);
    t.should.match({ Killed: 6, Timeout: 1, Survived: 1, NoCoverage: 1, detected: 7, valid: 9 });
    t.score.should.be.approximately((100 * 7) / 9, 1e-9);
    (score.tally([mutant('CompileError')]).score === null).should.be.true();
  });

  it('takes each file from the last report that holds it, and leaves out skipped files', () => {
    const old = { name: 'old.json', report: report({ 'src/lib/a.ts': many('Survived', 2), 'src/lib/b.ts': many('Killed', 1), 'src/lib/w.ts': many('NoCoverage', 3) }) };
    const fresh = { name: 'new.json', report: report({ 'src/lib/a.ts': many('Killed', 4) }) };
    const merged = score.mergeReports([old, fresh], new Set(['src/lib/w.ts']));
    [...merged.keys()].should.eql(['src/lib/a.ts', 'src/lib/b.ts']);
    merged.get('src/lib/a.ts').from.should.equal('new.json');
    merged.get('src/lib/b.ts').from.should.equal('old.json');
    const { text, total } = score.table(merged);
    total.should.match({ detected: 5, valid: 5, score: 100 });
    text.should.match(/\| `a\.ts` \| 4 \| 0 \| 0 \| 0 \| 100\.00 % \| new\.json \|/);
    // Named the other way round, the old report wins.
    score.mergeReports([fresh, old]).get('src/lib/a.ts').from.should.equal('old.json');
  });

  it('prints the table, the overall figure and the survivors from the command line; a file that is no report is an error', () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(report({ 'src/lib/x.ts': [mutant('Killed'), mutant('Survived', 12)] })));
    writeFileSync(b, JSON.stringify(report({ 'src/lib/y.ts': [mutant('Killed'), mutant('Timeout'), mutant('NoCoverage', 40)] })));
    const out = execFileSync(process.execPath, [script, '--survivors', a, b], { encoding: 'utf8' });
    out.should.match(/^Survived\tsrc\/lib\/x\.ts:12:3\tBlockStatement\t\{\}$/m);
    out.should.match(/^NoCoverage\tsrc\/lib\/y\.ts:40:3\t/m);
    out.should.match(/\| \*\*all\*\* \| 2 \| 1 \| 1 \| 1 \| \*\*60\.00 %\*\* \| \|/);
    out.should.match(/Overall: 60\.00 % \(3 of 5 mutants killed or timed out\)\./);
    writeFileSync(path.join(dir, 'bad.json'), '{}');
    (() => execFileSync(process.execPath, [script, path.join(dir, 'bad.json')], { stdio: 'pipe' })).should.throw(/not a Stryker JSON report/);
    (() => score.parseArgs([])).should.throw(/at least one/);
  });
});
