#!/usr/bin/env node
// Merges Stryker JSON reports (reports/mutation/mutation.json of several runs) into one
// per-file table and an overall score, so runs of a few files each (one per group, beside
// other work) add up to the figure of all of src/lib/. A file in several reports is taken
// from the last report named that holds it: name the reports oldest first.
//
//   node scripts/mutation-score.mjs [--skip <file>]… [--survivors] <report.json>…
//
// --skip leaves out a file an older report holds but the config no longer mutates;
// --survivors lists each Survived / NoCoverage mutant (file:line, mutator, replacement).
// The score is Stryker's: (killed + timeout) / (killed + timeout + survived + no coverage);
// compile and runtime errors and ignored mutants do not count.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const COUNTED = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Command-line arguments → { reports, skip, survivors }. */
export function parseArgs(argv) {
  const options = { reports: [], skip: new Set(), survivors: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--skip') {
      const file = argv[++i];
      if (!file) throw new Error('--skip needs a file name');
      options.skip.add(file);
    } else if (arg === '--survivors') options.survivors = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.reports.push(arg);
  }
  if (options.reports.length === 0) throw new Error('name at least one Stryker JSON report');
  return options;
}

/**
 * Reports ({ name, report } in the order given) → Map(file → { from, mutants }), the last
 * report that holds a file winning.
 */
export function mergeReports(reports, skip = new Set()) {
  const merged = new Map();
  for (const { name, report } of reports) {
    if (!report || typeof report.files !== 'object') throw new Error(`${name} is not a Stryker JSON report (no "files")`);
    for (const [file, entry] of Object.entries(report.files)) {
      if (skip.has(file)) continue;
      merged.set(file, { from: name, mutants: entry.mutants });
    }
  }
  return new Map([...merged].sort(([a], [b]) => a.localeCompare(b)));
}

/** Counts of the statuses the score uses, and the score in % (null with nothing counted). */
export function tally(mutants) {
  const counts = Object.fromEntries(COUNTED.map((status) => [status, 0]));
  for (const mutant of mutants) if (mutant.status in counts) counts[mutant.status] += 1;
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { ...counts, detected, valid, score: valid === 0 ? null : (100 * detected) / valid };
}

const percent = (score) => (score === null ? 'n/a' : `${score.toFixed(2)} %`);

/** The merged reports as a Markdown table, a total row and the overall line. */
export function table(merged) {
  const rows = ['| file | killed | timed out | survived | no coverage | score | from |', '|---|---|---|---|---|---|---|'];
  const all = [];
  for (const [file, { from, mutants }] of merged) {
    const t = tally(mutants);
    all.push(...mutants);
    rows.push(`| \`${path.basename(file)}\` | ${t.Killed} | ${t.Timeout} | ${t.Survived} | ${t.NoCoverage} | ${percent(t.score)} | ${from} |`);
  }
  const t = tally(all);
  rows.push(`| **all** | ${t.Killed} | ${t.Timeout} | ${t.Survived} | ${t.NoCoverage} | **${percent(t.score)}** | |`);
  return { text: `${rows.join('\n')}\n\nOverall: ${percent(t.score)} (${t.detected} of ${t.valid} mutants killed or timed out).`, total: t };
}

/** One line per Survived / NoCoverage mutant. */
export function survivors(merged) {
  const lines = [];
  for (const [file, { mutants }] of merged) {
    for (const m of mutants) {
      if (!UNDETECTED.has(m.status)) continue;
      const replacement = String(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
      lines.push(`${m.status}\t${file}:${m.location.start.line}:${m.location.start.column}\t${m.mutatorName}\t${replacement}`);
    }
  }
  return lines;
}

function main(argv) {
  const options = parseArgs(argv);
  const reports = options.reports.map((name) => ({ name: path.basename(name), report: JSON.parse(readFileSync(name, 'utf8')) }));
  const merged = mergeReports(reports, options.skip);
  if (options.survivors) {
    for (const line of survivors(merged)) console.log(line);
    console.log('');
  }
  console.log(table(merged).text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`mutation-score: ${error.message}`);
    process.exitCode = 1;
  }
}
