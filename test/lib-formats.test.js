// lib/formats on its own: what each format makes of a document, the size limits, the
// file format's directory and clean-up, and which failures download the document again.
// The client is a stand-in whose download() answers with headers and a body the test
// writes, so each test controls the exact bytes, headers and failures formats.ts sees.
require('should');
const { useTempDir } = require('./support/temp');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const { AimsClient } = require('../dist/src/lib/client.js');
const { AimsError } = require('../dist/src/lib/errors.js');
const { NotResumable } = require('../dist/src/lib/resume.js');
const out = require('../dist/src/lib/formats.js');
const { rejection } = require('./support/sim');

const settings = (extra = {}) => ({ ...out.readSettings({}), auth: false, ...extra });
const csvType = { 'content-type': 'text/csv' };

/**
 * A body that hands out its chunks one read at a time; `cut` ends it with that error
 * after the chunks. It records whether it was read at all and whether it was destroyed.
 */
function body(chunks, { cut } = {}) {
  const queue = chunks.map((c) => Buffer.from(c));
  const stream = new Readable({
    read() {
      stream.reads++;
      if (queue.length) this.push(queue.shift());
      else if (cut) this.destroy(cut);
      else this.push(null);
    },
  });
  stream.reads = 0;
  return stream;
}

/** A client whose n-th download answers with answer(n); it counts the downloads. */
function fakeClient(answer) {
  const client = {
    calls: 0,
    async download() {
      client.calls++;
      const { headers = {}, body: b } = await answer(client.calls);
      return { statusCode: 200, headers, body: b };
    },
  };
  return client;
}

const serve = (content, headers = csvType) => fakeClient(() => ({ headers, body: body([content]) }));
const fetch = (client, info, options = {}) => out.fetchDocument(client, { info, link: 'https://docs.example.com/d' }, settings(options));

/** An XLSX workbook with these cell values (null for an empty cell). */
async function xlsx(rows) {
  const { default: write } = await import('write-excel-file/node');
  return write(rows.map((row) => row.map((value) => (value === null ? null : { value })))).toBuffer();
}

describe('lib/formats', () => {
  describe('settings and names', () => {
    it('names the setting that is wrong', () => {
      (() => out.readSettings({ maxSizeMB: '0' })).should.throw({ code: 'BAD_INPUT', message: 'Max size (MB) must be a number of at least 0.001.' });
      (() => out.readSettings({ rowsPerMessage: '0' }))
        .should.throw({ code: 'BAD_INPUT', message: 'Block size (rows per message) must be a whole number from 1 to 1000000.' });
    });

    it('says which host is not trusted and how to trust it', () => {
      const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' } });
      try {
        const docs = [{ info: { name: 'r.csv', type: 'csv' }, link: 'https://evil.example.com/r.csv' }];
        (() => out.checkBeforeRequest(client, docs, true, settings())).should.throw({
          code: 'UNTRUSTED_HOST',
          message: 'Document "r.csv" is on https://evil.example.com, which is not a trusted host, and its scope needs the token: add the host to the config node\'s trusted hosts if it belongs to AIMS360.',
        });
      } finally {
        client.close();
      }
    });

    it('cuts a file name to 212 UTF-8 bytes (255 with its temporary suffix) and strips every leading and trailing space and dot', () => {
      out.safeFileName('y'.repeat(300)).should.equal('y'.repeat(212));
      out.safeFileName(' . report.csv . ').should.equal('report.csv');
      out.safeFileName('\t \treport\t \t').should.equal('report');
    });

    it('cuts a long non-ASCII name by bytes, keeping its extension and every character whole', () => {
      // 2-, 3- and 4-byte characters (the last a surrogate pair), cut wherever the byte cap falls.
      for (const char of ['ü', '€', '😀']) {
        for (const pad of ['', 'a', 'ab', 'abc']) {
          const safe = out.safeFileName(`${pad}${char.repeat(120)}.xlsx`);
          safe.should.endWith('.xlsx');
          Buffer.byteLength(safe).should.be.belowOrEqual(212).and.above(212 - Buffer.byteLength(char));
          safe.should.equal(`${pad}${char.repeat((safe.length - pad.length - 5) / char.length)}.xlsx`);
          Buffer.from(safe).toString('utf8').should.equal(safe);
        }
      }
      const numbered = out.chosenFileName(`${'😀'.repeat(100)}.csv`, { name: 'x', type: '' }, 11);
      numbered.should.endWith('😀-12.csv');
      Buffer.byteLength(numbered).should.be.belowOrEqual(212);
      out.safeFileName(numbered).should.equal(numbered);
    });

    it('numbers documents of one message named alike as a chosen name is numbered, whatever makes them alike', () => {
      const infos = ['report.csv', 'report.csv', 'a/b.csv', 'a_b.csv', 'Report.CSV', 'report-2.csv'].map((name) => ({ name, type: 'csv' }));
      out.fileNamesOf(infos).should.eql(['report.csv', 'report-2.csv', 'a_b.csv', 'a_b-4.csv', 'Report-5.CSV', 'report-2-6.csv']);
      out.fileNamesOf(infos, 'x.csv').should.eql(infos.map((info, i) => out.chosenFileName('x.csv', info, i)));
      out.fileNamesOf([{ name: 'a.csv', type: 'csv' }, { name: 'b.csv', type: 'csv' }]).should.eql(['a.csv', 'b.csv']);
    });

    it('numbers a chosen name before an extension of up to 10 characters, else at its end', () => {
      const info = { name: 'doc.csv', type: 'csv' };
      out.chosenFileName('data.abcdefghij', info, 1).should.equal('data-2.abcdefghij');
      // A dot 11 characters from the end is part of the name.
      out.chosenFileName('data.abcdefghijk', info, 1).should.equal('data.abcdefghijk-2');
      out.chosenFileName('v1.2 final report', info, 1).should.equal('v1.2 final report-2');
    });
  });

  describe('in memory', () => {
    it('reads a body of exactly Max size, and refuses one byte more as it reads', async () => {
      const content = 'x'.repeat(1000);
      (await fetch(serve(content, {}), { name: 'a.txt', type: 'txt' }, { maxBytes: 1000, format: 'utf8' })).payload.should.equal(content);
      const err = await rejection(fetch(serve(`${content}y`, {}), { name: 'a.txt', type: 'txt' }, { maxBytes: 1000, format: 'utf8' }));
      err.should.match({ code: 'TOO_LARGE', message: /^Document "a\.txt" is 0\.0 MB, more than Max size \(0\.001 MB\)/ });
    });

    it('refuses a Content-Length above Max size before reading the body, and takes one equal to it', async () => {
      const b = body(['x'.repeat(100)]);
      const client = fakeClient(() => ({ headers: { 'content-length': String(3 * 1024 * 1024) }, body: b }));
      const err = await rejection(fetch(client, { name: 'big.txt', type: 'txt' }, { maxBytes: 1024 * 1024 }));
      // The size is the announced one: nothing was read to count it.
      err.should.match({ code: 'TOO_LARGE', message: /^Document "big\.txt" is 3\.0 MB, more than Max size \(1 MB\)/ });
      b.reads.should.equal(0);
      b.destroyed.should.be.true();
      const exact = fakeClient(() => ({ headers: { 'content-length': '10' }, body: body(['0123456789']) }));
      (await fetch(exact, { name: 'e.txt', type: 'txt' }, { maxBytes: 10, format: 'utf8' })).payload.should.equal('0123456789');
    });

    it('reads CSV with a BOM, blank lines and rows of any length', async () => {
      const { payload } = await fetch(serve('\uFEFFa,b\n\n1\n2,3,4\n'), { name: 'r.csv', type: 'csv' }, { format: 'rows' });
      payload.should.eql([{ a: '1' }, { a: '2', b: '3' }]);
    });

    it('names the CSV error of a document that is not valid CSV', async () => {
      const err = await rejection(fetch(serve('a,b\n"x,1\n'), { name: 'bad.csv', type: 'csv' }, { format: 'rows' }));
      err.should.match({ code: 'BAD_RESPONSE', message: 'Document "bad.csv" is not valid CSV: CSV_QUOTE_NOT_CLOSED.' });
    });

    it('names a document that is not valid JSON or not a readable workbook', async () => {
      (await rejection(fetch(serve('{"a":', {}), { name: 'x.json', type: 'json' })))
        .should.match({ code: 'BAD_RESPONSE', message: 'Document "x.json" is not valid JSON.' });
      (await rejection(fetch(serve('not a zip', {}), { name: 'x.xlsx', type: 'xlsx' })))
        .should.match({ code: 'BAD_RESPONSE', message: /^Document "x\.xlsx" is not a readable XLSX workbook \(.+\)\.$/ });
    });

    it('keys XLSX rows by the header, columnN for a blank header cell, and skips empty rows', async () => {
      const workbook = await xlsx([
        ['style', null, 'qty'],
        ['A1', 'red', 3],
        [null, null, null],
        [null, null, 'last only'],
        ['B2', null, null],
      ]);
      const { payload } = await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'rows' });
      payload.should.eql([
        { style: 'A1', column2: 'red', qty: 3 },
        { style: null, column2: null, qty: 'last only' },
        { style: 'B2', column2: null, qty: null },
      ]);
    });

    describe('XLSX in a worker thread', () => {
      // Required here, not at the top: before 0.2 there was no worker, and these tests are to fail alone.
      const workers = () => require('../dist/src/lib/sheet-reader.js').sheetWorkers;
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
        const { MAX_PART_BYTES } = require('../dist/src/lib/sheet-reader.js');
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

    it('refuses rows of a document that is neither CSV nor XLSX, by its type, without reading it', async () => {
      for (const format of ['rows', 'stream-rows']) {
        const pdf = body(['%PDF-1.4']);
        const err = await rejection(fetch(fakeClient(() => ({ headers: {}, body: pdf })), { name: 'r.pdf', type: 'pdf' }, { format, onRows: () => {} }));
        err.should.match({ code: 'BAD_INPUT', message: 'Document "r.pdf" is pdf: rows and stream-rows read CSV and XLSX only; use buffer, utf8 or file.' });
        pdf.reads.should.equal(0);
        pdf.destroyed.should.be.true();
      }
      const json = body(['[]']);
      const err = await rejection(fetch(fakeClient(() => ({ headers: {}, body: json })), { name: 'r.json', type: 'json' }, { format: 'stream-rows', onRows: () => {} }));
      err.code.should.equal('BAD_INPUT');
      json.reads.should.equal(0);
      (await rejection(fetch(serve('x', { 'content-type': 'application/octet-stream' }), { name: 'blob', type: '' }, { format: 'rows' })))
        .message.should.startWith('Document "blob" is not CSV or XLSX: rows and stream-rows');
    });

    it('takes the kind of an untyped document from its Content-Type and records it', async () => {
      const json = await fetch(serve('{"k":1}', { 'content-type': 'application/json; charset=utf-8' }), { name: 'export', type: '' });
      json.payload.should.eql({ k: 1 });
      json.info.type.should.equal('json');
      const csv = await fetch(serve('a\n1\n', { 'content-type': 'text/csv' }), { name: 'export' });
      csv.payload.should.eql([{ a: '1' }]);
      csv.info.type.should.equal('csv');
      // A type the job gave stays; an unknown kind is recorded as no type.
      const pdf = await fetch(serve('%PDF', { 'content-type': 'application/pdf' }), { name: 'export' });
      Buffer.isBuffer(pdf.payload).should.be.true();
      pdf.info.type.should.equal('');
      (await fetch(serve('%PDF', {}), { name: 'export', type: 'pdf' })).info.type.should.equal('pdf');
    });

    it('gives the rows of format rows as one array even with a row handler', async () => {
      let called = 0;
      const csv = await fetch(serve('a\n1\n2\n'), { name: 'r.csv', type: 'csv' }, { format: 'rows', onRows: () => called++ });
      csv.payload.should.eql([{ a: '1' }, { a: '2' }]);
      const workbook = await xlsx([['a'], [1]]);
      (await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { onRows: () => called++ })).payload.should.eql([{ a: 1 }]);
      called.should.equal(0);
    });
  });

  describe('stream-rows', () => {
    it('puts count only on the last block, and sends an empty document as one empty block', async () => {
      const blocks = [];
      const onRows = (payload, parts) => blocks.push({ payload, parts });
      (await fetch(serve('a\n1\n2\n3\n'), { name: 'r.csv', type: 'csv' }, { format: 'stream-rows', rowsPerMessage: 2, onRows })).payload.should.equal(3);
      blocks.map((b) => Object.keys(b.parts).sort()).should.eql([['id', 'index', 'len', 'type'], ['count', 'id', 'index', 'len', 'type']]);
      blocks.length = 0;
      // One row per message sends the row itself, but an empty document still an array.
      await fetch(serve('a\n'), { name: 'r.csv', type: 'csv' }, { format: 'stream-rows', rowsPerMessage: 1, onRows });
      blocks.should.eql([{ payload: [], parts: { id: blocks[0].parts.id, index: 0, count: 1, type: 'array' } }]);
    });

    it('sends the first CSV block before the body has ended', async () => {
      let ended = false;
      let endedAtFirstBlock;
      const b = new Readable({ read() {} });
      // The parser holds the end of a chunk back: ten rows make sure the first block is out.
      b.push('a\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
      const finish = () => {
        if (ended) return;
        ended = true;
        b.push('11\n');
        b.push(null);
      };
      // Only a reader that waits for the end needs this; the streaming one ends the body itself.
      const fallback = setTimeout(finish, 3000);
      const onRows = () => {
        endedAtFirstBlock ??= ended;
        finish();
      };
      try {
        const done = await fetch(fakeClient(() => ({ headers: csvType, body: b })), { name: 'r.csv', type: 'csv' }, { format: 'stream-rows', rowsPerMessage: 2, onRows });
        done.payload.should.equal(11);
        endedAtFirstBlock.should.be.false();
      } finally {
        clearTimeout(fallback);
      }
    });

    it('streams XLSX rows from the whole workbook', async () => {
      const blocks = [];
      const workbook = await xlsx([['a'], [1], [2], [3]]);
      const done = await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'stream-rows', rowsPerMessage: 2, onRows: (p) => blocks.push(p) });
      done.payload.should.equal(3);
      blocks.should.eql([[{ a: 1 }, { a: 2 }], [{ a: 3 }]]);
    });

    it('names the CSV error of a streamed document', async () => {
      const err = await rejection(fetch(serve('a,b\n"x,1\n'), { name: 'bad.csv', type: 'csv' }, { format: 'stream-rows', onRows: () => {} }));
      err.should.match({ code: 'BAD_RESPONSE', message: 'Document "bad.csv" is not valid CSV: CSV_QUOTE_NOT_CLOSED.' });
    });

    it('records the size read, not the one the job announced, with the Content-Length as the progress total', async () => {
      const progress = [];
      const sized = fakeClient(() => ({ headers: { ...csvType, 'content-length': '8' }, body: body(['a\n1\n2\n3\n']) }));
      (await fetch(sized, { name: 'r.csv', type: 'csv', sizeBytes: 5000 }, { format: 'stream-rows', onRows: () => {}, onProgress: (n, total) => progress.push([n, total]) }))
        .info.sizeBytes.should.equal(8);
      progress.should.eql([[8, 8]]);
      // No Content-Length: the bytes read, as the file and in-memory formats record.
      (await fetch(serve('a\n1\n'), { name: 'r.csv', type: 'csv', sizeBytes: 5000 }, { format: 'stream-rows', onRows: () => {} }))
        .info.sizeBytes.should.equal(4);
    });
  });

  describe('file', () => {
    const dir = useTempDir('aims360-formats-');

    it('asks for a directory, and names one it cannot create, before any download', async () => {
      const client = serve('a\n1\n');
      (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file' })))
        .should.match({ code: 'BAD_INPUT', message: 'No directory for the file format: set the Directory property or msg.directory.' });
      const blocked = path.join(dir(), 'plain-file');
      fs.writeFileSync(blocked, '');
      const under = path.join(blocked, 'sub');
      (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: under })))
        .should.match({ code: 'BAD_INPUT', message: `Could not create the directory ${under}: ENOTDIR.` });
      client.calls.should.equal(0);
    });

    it('creates the directory and its parents', async () => {
      const nested = path.join(dir(), 'a', 'b');
      const { payload, info } = await fetch(serve('a\n1\n'), { name: 'r.csv', type: 'csv' }, { format: 'file', directory: nested });
      payload.should.equal(path.join(nested, 'r.csv'));
      fs.readFileSync(payload, 'utf8').should.equal('a\n1\n');
      info.sizeBytes.should.equal(4);
    });

    it('says which file it could not write when the directory went away', async () => {
      const gone = path.join(dir(), 'gone');
      const b = body(['a\n1\n']);
      // The directory is made before the download and removed while it starts.
      const client = fakeClient(() => {
        fs.rmSync(gone, { recursive: true });
        return { headers: csvType, body: b };
      });
      const err = await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: gone }));
      err.should.match({ code: 'BAD_INPUT', message: `Could not write ${path.join(gone, 'r.csv')}: ENOENT.` });
      b.destroyed.should.be.true();
    });

    it('leaves no partial file and passes the download\'s own error on when the body breaks', async () => {
      const cut = new AimsError('NETWORK', 'The download was cut off before its end (ECONNRESET): try again.');
      const client = fakeClient(() => ({ headers: csvType, body: body(['a\n', '1\n'], { cut }) }));
      (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() }))).should.equal(cut);
      fs.readdirSync(dir()).should.eql([]);
    });
  });

  describe('file names and leftovers', () => {
    const dir = useTempDir('aims360-formats-');

    it('saves a 300-byte non-ASCII name under its cut name with its extension', async () => {
      const name = `${'отчёт-склад-'.repeat(14)}.csv`;
      Buffer.byteLength(name).should.be.above(300);
      name.length.should.be.below(200);
      const { payload } = await fetch(serve('a\n1\n'), { name, type: 'csv' }, { format: 'file', directory: dir() });
      path.basename(payload).should.equal(out.safeFileName(name));
      path.basename(payload).should.endWith('.csv');
      fs.readFileSync(payload, 'utf8').should.equal('a\n1\n');
      fs.readdirSync(dir()).should.eql([path.basename(payload)]);
    });

    it('reports the download\'s own error when removing its temporary file fails too', async () => {
      const cut = new AimsError('NETWORK', 'The download was cut off before its end (ECONNRESET): try again.');
      const client = fakeClient(() => ({ headers: csvType, body: body(['a\n', '1\n'], { cut }) }));
      const realRm = fs.promises.rm;
      let removals = 0;
      fs.promises.rm = async () => {
        removals++;
        throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
      };
      try {
        (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() }))).should.equal(cut);
      } finally {
        fs.promises.rm = realRm;
      }
      removals.should.equal(1);
    });

    it('removes the stale temporary files of its own before writing into a directory, and nothing else', async () => {
      const id = '0f8e1c3a-5b7d-4e29-9a61-3c2b1d0e4f5a';
      const hoursAgo = (file, hours) => fs.utimesSync(file, new Date(Date.now() - hours * 3600e3), new Date(Date.now() - hours * 3600e3));
      const files = {
        staleOurs: `.r.csv.${id}.part`,
        staleOtherName: `.Übersicht.xlsx.${id.replace('0f8e', '1a2b')}.part`,
        freshOurs: `.r.csv.${id.replace('0f8e', 'aaaa')}.part`,
        userPart: 'r.csv.part',
        userHidden: '.notes.part',
        userLookalike: `.r.csv.${id}.part.bak`,
        userNoDot: `r.csv.${id}.part`,
      };
      for (const [key, file] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir(), file), key);
        if (key !== 'freshOurs') hoursAgo(path.join(dir(), file), 2);
      }
      // A directory and a symlink with our naming are not files of ours either.
      const dirLike = `.d.${id.replace('0f8e', 'bbbb')}.part`;
      fs.mkdirSync(path.join(dir(), dirLike));
      const linkLike = `.l.${id.replace('0f8e', 'cccc')}.part`;
      fs.symlinkSync(path.join(dir(), files.userPart), path.join(dir(), linkLike));
      await fetch(serve('a\n1\n'), { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() });
      const left = fs.readdirSync(dir()).sort();
      left.should.eql(['r.csv', files.freshOurs, files.userPart, files.userHidden, files.userLookalike, files.userNoDot, dirLike, linkLike].sort());
    });
  });

  describe('a body that breaks before its file has opened', () => {
    const dir = useTempDir('aims360-formats-');
    it('leaves no partial file, even when the file opens after the download has failed', async () => {
      // A busy machine's thread pool can open the file late; here it opens 50 ms late.
      const realOpen = fs.open;
      fs.open = (...args) => setTimeout(() => realOpen(...args), 50);
      try {
        const cut = new AimsError('NETWORK', 'The download was cut off before its end (ECONNRESET): try again.');
        const client = fakeClient(() => ({ headers: csvType, body: body([], { cut }) }));
        (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() }))).should.equal(cut);
      } finally {
        fs.open = realOpen;
      }
      // Past the late open, had the file stream been left to it.
      await new Promise((resolve) => setTimeout(resolve, 150));
      fs.readdirSync(dir()).should.eql([]);
    });
  });

  describe('downloading again', () => {
    const cutThenWhole = () => fakeClient((n) => ({
      headers: csvType,
      body: n === 1 ? body(['a\n1\n'], { cut: new NotResumable('aims360.errors.resume.noRanges', { reason: 'Cut off.' }) }) : body(['a\n1\n2\n']),
    }));

    it('downloads a document once more from the start when its body cannot be resumed', async () => {
      const client = cutThenWhole();
      (await fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'rows' })).payload.should.eql([{ a: '1' }, { a: '2' }]);
      client.calls.should.equal(2);
    });

    it('does not download again after other errors, after rows went out, or once cancelled', async () => {
      const other = fakeClient(() => ({ headers: csvType, body: body(['a\n'], { cut: new AimsError('NETWORK', 'reset') }) }));
      (await rejection(fetch(other, { name: 'r.csv', type: 'csv' }, { format: 'rows' }))).message.should.equal('reset');
      other.calls.should.equal(1);
      const streamed = cutThenWhole();
      (await rejection(fetch(streamed, { name: 'r.csv', type: 'csv' }, { format: 'stream-rows', onRows: () => {} }))).should.be.instanceOf(NotResumable);
      streamed.calls.should.equal(1);
      const abort = new AbortController();
      abort.abort();
      const cancelled = cutThenWhole();
      (await rejection(fetch(cancelled, { name: 'r.csv', type: 'csv' }, { format: 'rows', signal: abort.signal }))).should.be.instanceOf(NotResumable);
      cancelled.calls.should.equal(1);
    });
  });
});
