// src/lib/sheet-reader.ts: an XLSX document read in a worker thread, block by block, through
// formats.ts's in-memory formats; its size checks before a worker starts, and the worker ended on abort.
require('should');
const { rejection } = require('../support/sim');
const { serve, fetch, xlsx } = require('../support/formats');

describe('lib: sheet-reader, XLSX in a worker thread', () => {
  // Required here, not at the top: before 0.2 there was no worker, and these tests are to fail alone.
  const workers = () => require('../../dist/src/lib/sheet-reader.js').sheetWorkers;
  const until = async (check) => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  /** A workbook of text, whole and decimal numbers, dates, booleans and empty cells, over several of the worker's blocks. */
  async function mixedWorkbook(count) {
    const { default: write } = await import('write-excel-file/node');
    const cell = (value) => (value === null ? null : value instanceof Date ? { value, format: 'yyyy-mm-dd hh:mm' } : { value });
    const rows = [['text', 'whole', 'decimal', 'date', 'flag', 'gap', null, 'last']];
    for (let n = 0; n < count; n++) {
      if (n % 97 === 5) rows.push([null, null, null, null, null, null, null, null]);
      else rows.push([`r${n} ü😀`, n - 500, n / 7, new Date(Date.UTC(2026, n % 12, 1 + (n % 28), n % 24, n % 60)), n % 3 === 0, null, n % 2 ? 'odd' : null, n % 5 === 0 ? null : n]);
    }
    return write(rows.map((row) => row.map(cell))).toBuffer();
  }

  it('reads the same rows as read-excel-file on its own, in a worker thread, block by block', async () => {
    const workbook = await mixedWorkbook(1234);
    const { readSheet } = await import('read-excel-file/node');
    const [header, ...sheet] = await readSheet(workbook);
    const keys = header.map((cell, i) => cell ?? `column${i + 1}`);
    const expected = sheet.filter((row) => row.some((cell) => cell !== null)).map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i] ?? null])));
    expected.length.should.equal(1234 - 13);
    const started = workers().started;
    const { payload } = await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'rows' });
    payload.should.eql(expected);
    payload[1].should.eql({ text: 'r1 ü😀', whole: -499, decimal: 1 / 7, date: new Date(Date.UTC(2026, 1, 2, 1, 1)), flag: false, gap: null, column7: 'odd', last: 1 });
    workers().started.should.equal(started + 1);
    workers().threadId.should.not.equal(require('node:worker_threads').threadId);
    await until(() => workers().running === 0);
    const blocks = [];
    const done = await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'stream-rows', rowsPerMessage: 1000, onRows: (p) => blocks.push(p) });
    done.payload.should.equal(expected.length);
    blocks.flat().should.eql(expected);
    workers().started.should.equal(started + 2);
  });

  it('refuses a workbook whose sheet or texts unpack past what the reader can hold, with TOO_LARGE, before starting a worker', async () => {
    const { MAX_PART_BYTES } = require('../../dist/src/lib/sheet-reader.js');
    const workbook = await xlsx([['a'], ['x']]);
    /** The workbook with the central directory's unpacked size of one entry set to size. */
    const claiming = (entry, size) => {
      const copy = Buffer.from(workbook);
      const end = copy.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      let at = copy.readUInt32LE(end + 16);
      while (copy.toString('utf8', at + 46, at + 46 + copy.readUInt16LE(at + 28)) !== entry) {
        at += 46 + copy.readUInt16LE(at + 28) + copy.readUInt16LE(at + 30) + copy.readUInt16LE(at + 32);
      }
      copy.writeUInt32LE(size, at + 24);
      return copy;
    };
    const started = workers().started;
    for (const [entry, size, message] of [
      ['xl/worksheets/sheet1.xml', MAX_PART_BYTES + 1, /^Document "big\.xlsx" is a workbook too large to read as rows: a sheet unpacks to 512 MB, more than the 511 MB an XLSX sheet can have here\. Use the file format, or export it as CSV\.$/],
      ['xl/sharedStrings.xml', 0xffffffff, /: its texts unpack to more than 4 GB, more than/],
    ]) {
      for (const format of ['rows', 'stream-rows']) {
        const err = await rejection(fetch(serve(claiming(entry, size), {}), { name: 'big.xlsx', type: 'xlsx' }, { format, onRows: () => {} }));
        err.should.match({ code: 'TOO_LARGE', message });
      }
    }
    workers().started.should.equal(started);
    // At the bound itself, it is read.
    (await fetch(serve(claiming('xl/worksheets/sheet1.xml', MAX_PART_BYTES), {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'rows' }))
      .payload.should.eql([{ a: 'x' }]);
  });

  it('ends its worker when the reading is aborted, during the parse or between blocks, and when the workbook is unreadable', async () => {
    const workbook = await mixedWorkbook(3000);
    // Aborted (a node's close) while the worker parses the sheet.
    const abort = new AbortController();
    const reading = fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'rows', signal: abort.signal });
    await until(() => workers().running === 1);
    abort.abort(new Error('closed'));
    (await rejection(reading)).message.should.equal('closed');
    await until(() => workers().running === 0);
    // Aborted between two blocks of stream-rows: no block after it.
    const between = new AbortController();
    let blocks = 0;
    const streaming = fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, {
      format: 'stream-rows', rowsPerMessage: 100, signal: between.signal, onRows: () => blocks++ === 0 && between.abort(new Error('closed')),
    });
    (await rejection(streaming)).message.should.equal('closed');
    blocks.should.equal(1);
    await until(() => workers().running === 0);
    // An unreadable workbook: the worker reports and ends.
    (await rejection(fetch(serve('PK\x03\x04 not really', {}), { name: 'x.xlsx', type: 'xlsx' }, { format: 'rows' }))).code.should.equal('BAD_RESPONSE');
    await until(() => workers().running === 0);
  });
});
