// src/lib/sheet-reader.ts: an XLSX document read in a worker thread, block by block, through
// formats.ts's in-memory formats; its size checks before a worker starts, and the worker ended on abort.
require('should');
const { rejection } = require('../support/sim');
const { serve, fetch, xlsx } = require('../support/formats');
const { until } = require('../support/wait');

describe('lib: sheet-reader, XLSX in a worker thread', () => {
  // Required here, not at the top: before 0.2 there was no worker, and these tests are to fail alone.
  const workers = () => require('../../dist/src/lib/sheet-reader.js').sheetWorkers;
  /** Resolves once this many workers run. */
  const running = (count) => until(() => workers().running === count, `${count} running workers`, 20000, 5);

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
    await running(0);
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
    await running(1);
    abort.abort(new Error('closed'));
    (await rejection(reading)).message.should.equal('closed');
    await running(0);
    // Aborted between two blocks of stream-rows: no block after it.
    const between = new AbortController();
    let blocks = 0;
    const streaming = fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, {
      format: 'stream-rows', rowsPerMessage: 100, signal: between.signal, onRows: () => blocks++ === 0 && between.abort(new Error('closed')),
    });
    (await rejection(streaming)).message.should.equal('closed');
    blocks.should.equal(1);
    await running(0);
    // An unreadable workbook: the worker reports and ends.
    (await rejection(fetch(serve('PK\x03\x04 not really', {}), { name: 'x.xlsx', type: 'xlsx' }, { format: 'rows' }))).code.should.equal('BAD_RESPONSE');
    await running(0);
  });
});

describe('lib: sheet-reader, the ZIP central directory and the worker\'s edges', () => {
  const { zipEntrySizes, checkWorkbookSize, sheetRowBlocks, sheetWorkers, MAX_PART_BYTES } = require('../../dist/src/lib/sheet-reader.js');
  const { getEventListeners } = require('node:events');

  /**
   * The central directory and end record of a ZIP archive (all zipEntrySizes reads), after
   * `lead` bytes of entry data: each entry's name, unpacked size, extra field and comment.
   */
  function centralDirectory(entries, { lead = 8, comment = '', count = entries.length } = {}) {
    const records = entries.map(({ name, size, extra = '', note = '' }) => {
      const head = Buffer.alloc(46);
      head.writeUInt32LE(0x02014b50, 0);
      head.writeUInt32LE(size, 24);
      head.writeUInt16LE(Buffer.byteLength(name), 28);
      head.writeUInt16LE(Buffer.byteLength(extra), 30);
      head.writeUInt16LE(Buffer.byteLength(note), 32);
      return Buffer.concat([head, Buffer.from(name), Buffer.from(extra), Buffer.from(note)]);
    });
    const directory = Buffer.concat(records);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(count, 8);
    end.writeUInt16LE(count, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(lead, 16);
    end.writeUInt16LE(Buffer.byteLength(comment), 20);
    return Buffer.concat([Buffer.alloc(lead), directory, end, Buffer.from(comment)]);
  }
  const entries = [
    { name: 'xl/worksheets/sheet1.xml', size: 1234, extra: 'UT\x05\x00\x03abcd', note: 'first' },
    { name: 'xl/sharedStrings.xml', size: 0xffffffff, note: 'a longer comment' },
    { name: '[Content_Types].xml', size: 7, extra: 'xxxxxxxxxxxx' },
  ];
  const sizes = { 'xl/worksheets/sheet1.xml': 1234, 'xl/sharedStrings.xml': Infinity, '[Content_Types].xml': 7 };

  it('reads every entry\'s unpacked size past their extra fields and comments, a ZIP64 size as Infinity', () => {
    Object.fromEntries(zipEntrySizes(centralDirectory(entries))).should.eql(sizes);
  });

  it('finds the end record behind an archive comment, up to the longest a ZIP may have (65,535 bytes)', () => {
    Object.fromEntries(zipEntrySizes(centralDirectory(entries, { comment: 'made by hand' }))).should.eql(sizes);
    Object.fromEntries(zipEntrySizes(centralDirectory(entries, { comment: 'c'.repeat(0xffff) }))).should.eql(sizes);
  });

  it('reads only as many entries as the end record counts', () => {
    [...zipEntrySizes(centralDirectory(entries, { count: 2 })).keys()].should.eql(['xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml']);
  });

  it('gives no entries for what is not a ZIP, or whose directory offset points at no directory or past the end', () => {
    zipEntrySizes(Buffer.from('not a zip at all, just some text that is long enough to have an end')).size.should.equal(0);
    const zip = centralDirectory(entries);
    const end = zip.length - 22;
    for (const offset of [0, zip.length - 2, zip.length + 100]) {
      const moved = Buffer.from(zip);
      moved.writeUInt32LE(offset, end + 16);
      zipEntrySizes(moved).size.should.equal(0, `offset ${offset}`);
    }
  });

  it('takes nothing for an end record without its signature, even at the first byte it may start at', () => {
    // An end record's fields, signature wiped, at the start of the data, pointing at a real directory.
    const zip = centralDirectory([entries[0]], { lead: 22 });
    zip.copy(zip, 0, zip.length - 22);
    zip.writeUInt32LE(0, 0);
    zip.writeUInt32LE(0, zip.length - 22);
    zipEntrySizes(zip).size.should.equal(0);
  });

  it('refuses only the sheet and shared strings parts themselves, not other entries of a similar name', () => {
    const big = MAX_PART_BYTES + 1;
    for (const name of ['xl/worksheets/sheet1.xml.bak', 'old/xl/worksheets/sheet1.xml', 'xl/worksheets/sub/sheet1.xml', 'xl/media/huge.png']) {
      // Throws (and fails the test) if refused.
      checkWorkbookSize(centralDirectory([{ name, size: big }]), 'w.xlsx');
    }
    (() => checkWorkbookSize(centralDirectory([{ name: 'XL/Worksheets/Sheet2.xml', size: big }]), 'w.xlsx')).should.throw({ code: 'TOO_LARGE' });
  });

  it('moves a workbook buffer that owns its memory to the worker, and copies a view into a larger one', async () => {
    const workbook = await xlsx([['a'], ['x']]);
    const owned = Buffer.alloc(workbook.length);
    workbook.copy(owned);
    for await (const rows of sheetRowBlocks(owned, 'w.xlsx')) rows.should.eql([['a'], ['x']]);
    owned.buffer.byteLength.should.equal(0);
    const larger = Buffer.alloc(workbook.length + 16);
    workbook.copy(larger, 16);
    const view = larger.subarray(16);
    for await (const rows of sheetRowBlocks(view, 'w.xlsx')) rows.should.eql([['a'], ['x']]);
    view.equals(workbook).should.be.true();
  });

  it('leaves no listener on the caller\'s signal once the sheet is read', async () => {
    const workbook = await xlsx(Array.from({ length: 1200 }, (_, n) => [`r${n}`]));
    const signal = new AbortController().signal;
    let rows = 0;
    for await (const block of sheetRowBlocks(workbook, 'w.xlsx', signal)) rows += block.length;
    rows.should.equal(1200);
    getEventListeners(signal, 'abort').should.have.length(0);
  });

  it('ends the worker on abort while the caller still holds a block', async () => {
    const workbook = await xlsx(Array.from({ length: 1200 }, (_, n) => [`r${n}`]));
    const abort = new AbortController();
    const blocks = sheetRowBlocks(workbook, 'w.xlsx', abort.signal);
    (await blocks.next()).value.should.have.length(500);
    sheetWorkers.running.should.equal(1);
    const exited = new Promise((resolve) => {
      const check = () => (sheetWorkers.running === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    abort.abort(new Error('closed'));
    await exited;
    (await blocks.next().catch((err) => err)).message.should.equal('closed');
  });
});

describe('lib: sheet-reader, a worker that fails on its own', () => {
  const threads = require('node:worker_threads');
  const { sheetRowBlocks, sheetWorkers } = require('../../dist/src/lib/sheet-reader.js');
  const RealWorker = threads.Worker;
  /** The reader's next worker runs `code` (or the real reader with `limits`) instead: a real thread that fails. */
  const nextWorker = ({ code, limits }) => {
    threads.Worker = class extends RealWorker {
      constructor(file, options) {
        super(code ?? file, { ...options, eval: code !== undefined, resourceLimits: limits });
      }
    };
  };
  afterEach(() => {
    threads.Worker = RealWorker;
  });
  const readAll = async (workbook) => {
    for await (const block of sheetRowBlocks(workbook, 'w.xlsx')) block.should.be.an.Array();
  };

  it('reports a worker that runs out of memory as TOO_LARGE, naming the document', async () => {
    const workbook = await xlsx(Array.from({ length: 20000 }, (_, n) => [`r${n} some text`, n]));
    nextWorker({ limits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } });
    (await rejection(readAll(workbook))).should.match({
      code: 'TOO_LARGE',
      message: 'Document "w.xlsx" is a workbook too large to read as rows: its sheet did not fit in memory. Use the file format, or export it as CSV.',
    });
  });

  it('reports a worker that crashes with its own error, not only its exit', async () => {
    nextWorker({ code: 'throw new Error("boom")' });
    (await rejection(readAll(await xlsx([['a']])))).should.match({
      code: 'BAD_RESPONSE', message: 'Document "w.xlsx" is not a readable XLSX workbook (boom).',
    });
  });

  it('reports a worker that stops without a word with its exit code', async () => {
    nextWorker({ code: 'process.exit(3)' });
    (await rejection(readAll(await xlsx([['a']])))).should.match({
      code: 'BAD_RESPONSE', message: 'Document "w.xlsx" is not a readable XLSX workbook (its reader stopped with code 3).',
    });
  });

  it('reports a worker that stopped while the caller held its block, at the next block', async () => {
    nextWorker({
      code: `const { parentPort } = require('node:worker_threads');
        parentPort.postMessage({ type: 'ready', threadId: 1 });
        parentPort.on('message', () => { parentPort.postMessage({ type: 'rows', rows: [['x']], threadId: 1 }); process.exit(5); });`,
    });
    const blocks = sheetRowBlocks(await xlsx([['a']]), 'w.xlsx');
    (await blocks.next()).value.should.eql([['x']]);
    // The worker is gone before the next block is asked for.
    await until(() => sheetWorkers.running === 0, 'the worker to stop', 20000, 5);
    (await blocks.next().catch((err) => err)).should.match({
      code: 'BAD_RESPONSE', message: 'Document "w.xlsx" is not a readable XLSX workbook (its reader stopped with code 5).',
    });
  });

  it('leaves no listener of its own on the worker from one block to the next (a long sheet would warn of a leak)', async () => {
    let worker;
    threads.Worker = class extends RealWorker {
      constructor(file, options) {
        super(file, options);
        worker = this;
      }
    };
    const counts = [];
    for await (const block of sheetRowBlocks(await xlsx(Array.from({ length: 1200 }, (_, n) => [`r${n}`])), 'w.xlsx')) {
      counts.push([block.length, worker.listenerCount('message'), worker.listenerCount('exit')]);
    }
    // Between blocks only the listener that records how the worker ended stays.
    counts.should.eql([[500, 0, 1], [500, 0, 1], [200, 0, 1]]);
  });

  it('names the document and the reader\'s own words when the workbook is unreadable', async () => {
    (await rejection(readAll(Buffer.from('PK\x03\x04 not really')))).should.match({
      code: 'BAD_RESPONSE', message: /^Document "w\.xlsx" is not a readable XLSX workbook \(.+\)\.$/,
    });
  });
});
