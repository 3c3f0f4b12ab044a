// src/lib/formats.ts: what each format makes of a document, the size limits, the file format's
// directory and clean-up, and which failures download the document again. Most tests use a
// stand-in client whose download() answers with headers and a body the test writes, so each
// test controls the exact bytes, headers and failures formats.ts sees; the last describe fetches
// the documents of simulator jobs through a real AimsClient (download, resume of a cut body).
const should = require('should');
const { useTempDir } = require('../support/temp');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Readable } = require('node:stream');
const { AimsClient } = require('../../dist/src/lib/client.js');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { NotResumable } = require('../../dist/src/lib/resume.js');
const out = require('../../dist/src/lib/formats.js');
const { startSim, rejection, TOKEN } = require('../support/sim');
const { settings, csvType, body, fakeClient, serve, fetch, xlsx } = require('../support/formats');

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

    it('hands on only the rows keep takes, asking it of each row with its number in the document from 1', async () => {
      const values = ['v1', 'v2', 'v3', 'v4', 'v5'];
      const documents = [
        [serve(`a\n${values.join('\n')}\n`), { name: 'r.csv', type: 'csv' }],
        [serve(await xlsx([['a'], ...values.map((v) => [v])]), {}), { name: 'w.xlsx', type: 'xlsx' }],
      ];
      for (const [client, info] of documents) {
        const asked = [];
        const keep = (row, number) => asked.push([row.a, number]) && number % 2 === 1;
        const blocks = [];
        const done = await fetch(client, info, { format: 'stream-rows', rowsPerMessage: 2, keep, onRows: (payload, parts) => blocks.push([payload, parts.count]) });
        asked.should.eql(values.map((v, i) => [v, i + 1]), info.type);
        blocks.should.eql([[[{ a: 'v1' }, { a: 'v3' }], undefined], [[{ a: 'v5' }], 2]], info.type);
        done.payload.should.equal(3);
      }
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

    it('writes a file writable by its owner only (0644), even where Node-RED runs with a umask of 0', async () => {
      const umask = process.umask(0);
      try {
        const { payload } = await fetch(serve('a\n1\n'), { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() });
        (fs.statSync(payload).mode & 0o777).toString(8).should.equal('644');
      } finally {
        process.umask(umask);
      }
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

describe('lib: formats settings and checks without a download', () => {
  const MB = 1024 * 1024;
  const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' } });
  after(() => client.close());

  it('knows a document\'s kind by its type, its name, then its content type', () => {
    out.docKind({ name: 'x', type: 'csv' }).should.equal('csv');
    out.docKind({ name: 'x.XLSX', type: '' }).should.equal('xlsx');
    out.docKind({ name: 'x.json', type: '' }).should.equal('json');
    out.docKind({ name: 'x', type: 'pdf' }, 'application/json').should.equal('json');
    out.docKind({ name: 'x', type: '' }, 'text/CSV; charset=utf-8').should.equal('csv');
    out.docKind({ name: 'x', type: '' }, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').should.equal('xlsx');
    out.docKind({ name: 'x', type: '' }, 'application/pdf').should.equal('other');
    out.docKind({ name: 'x.csv.pdf', type: '' }).should.equal('other');
  });

  it('holds a document in memory except as a file or CSV rows streamed', () => {
    out.holdsInMemory('file', 'csv').should.be.false();
    out.holdsInMemory('stream-rows', 'csv').should.be.false();
    out.holdsInMemory('stream-rows', 'xlsx').should.be.true();
    out.holdsInMemory('auto', 'csv').should.be.true();
  });

  it('reads empty settings as the defaults and says what is allowed', () => {
    out.readSettings({ format: '', documents: '', maxSizeMB: '', rowsPerMessage: '' })
      .should.eql({ format: 'auto', maxBytes: 100 * MB, documents: 'first', rowsPerMessage: 1000 });
    out.readSettings({ format: 'stream-rows', rowsPerMessage: 1_000_000, maxSizeMB: 0.001 }).should.match({ rowsPerMessage: 1_000_000 });
    (() => out.readSettings({ format: 'xml' })).should.throw({ message: 'Format must be one of auto, buffer, utf8, json, rows, file, stream-rows, not "xml".' });
    (() => out.readSettings({ documents: 'some' })).should.throw({ message: 'Documents must be one of first, all, not "some".' });
    (() => out.readSettings({ rowsPerMessage: 1_000_001 })).should.throw({ code: 'BAD_INPUT' });
  });

  it('checks before any request: expiry to the millisecond, http(s) only, announced size to the byte', () => {
    const doc = (info, link = 'https://apieast.aims360.rest/d') => [{ info: { name: 'r.csv', type: 'csv', ...info }, link }];
    const settings = { ...out.readSettings({ maxSizeMB: 1 }) };
    const now = Date.parse('2030-01-01T00:00:00Z');
    (() => out.checkBeforeRequest(client, doc({ expiryDate: '2030-01-01T00:00:00Z' }), true, settings, now))
      .should.throw({ code: 'LINK_EXPIRED', message: 'The link of document "r.csv" expired on 2030-01-01T00:00:00Z: rerun the job to get a new one.' });
    out.checkBeforeRequest(client, doc({ expiryDate: '2030-01-01T00:00:00.001Z' }), true, settings, now);
    out.checkBeforeRequest(client, doc({ expiryDate: 'someday' }), true, settings, now);
    out.checkBeforeRequest(client, doc({ sizeBytes: MB }), true, settings, now);
    (() => out.checkBeforeRequest(client, doc({ sizeBytes: MB + 1 }), true, settings, now))
      .should.throw({ code: 'TOO_LARGE', message: /^Document "r\.csv" is 1\.0 MB, more than Max size \(1 MB\)/ });
    (() => out.checkBeforeRequest(client, doc({}, 'not a link'), false, settings, now))
      .should.throw({ code: 'BAD_RESPONSE', message: 'The link of document "r.csv" is not a URL.' });
    (() => out.checkBeforeRequest(client, doc({}, 'ftp://apieast.aims360.rest/d'), false, settings, now))
      .should.throw({ code: 'BAD_RESPONSE', message: /is not http or https \(ftp:\)/ });
    out.checkBeforeRequest(client, doc({}, 'http://apieast.aims360.rest/d'), false, settings, now);
    // The token goes to https://*.aims360.rest only, not over http.
    (() => out.checkBeforeRequest(client, doc({}, 'http://apieast.aims360.rest/d'), true, settings, now))
      .should.throw({ code: 'UNTRUSTED_HOST', message: /^Document "r\.csv" is on http:\/\/apieast\.aims360\.rest, which is not a trusted host/ });
  });
});

describe('lib/formats against the simulator: fetchDocument, AimsClient.download and resume', function () {
  const out = { ...require('../../dist/src/lib/job-output.js'), ...require('../../dist/src/lib/formats.js') };
  const DOCS = '/documentmanagement/';
  const downloads = (sim) => sim.log.filter((e) => e.path.startsWith(DOCS));
  const settings = (extra = {}) => ({ ...out.readSettings({}), ...extra });
  let sim;
  const clients = [];
  const client = (options = {}) => {
    const c = new AimsClient({ baseUrl: sim.url, auth: { type: 'token', token: TOKEN }, timeout: 2000, ...options });
    clients.push(c);
    return c;
  };
  const oauth = () => ({
    type: 'oauth2', tokenUrl: `${sim.url}/connect/token`, clientId: 'sim-client', clientSecret: 'sim-secret',
    username: 'operator@example.com', password: 'sim-password',
  });

  before(async () => {
    sim = await startSim();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function fetchFirst(spec, options = {}, c = client()) {
    const job = sim.addJob({ jobId: 'job-d', responseType: 'Publishlink', ...spec });
    const [doc] = out.jobDocuments(job);
    return out.fetchDocument(c, doc, settings({ auth: out.needsToken(job), ...options }));
  }

  describe('download', () => {
    it('sends no Authorization header for a Public document and the token for the others', async () => {
      for (const scopeSpelling of ['Public', 'PUBLIC', 'public']) {
        sim.clearLog();
        (await fetchFirst({ scope: 'Public', scopeSpelling })).payload.length.should.equal(10);
        should(downloads(sim)[0].headers.authorization).be.undefined();
      }
      for (const [scope, scopeSpelling] of [['Private', 'Private'], ['PeopleInOrganization', 'PeopleInOrganization'], ['PeopleInOrganization', 'People in Organization']]) {
        sim.clearLog();
        (await fetchFirst({ scope, scopeSpelling })).payload.length.should.equal(10);
        downloads(sim)[0].headers.authorization.should.equal(`Bearer ${TOKEN}`);
      }
    });

    it('refuses to send the token to an untrusted host, before any request', async () => {
      const c = client();
      const err = await rejection(c.download('http://evil.example.com:1/doc', { auth: true }));
      err.code.should.equal('UNTRUSTED_HOST');
      const trusted = client({ trustedHosts: `http://localhost:${sim.port}` });
      (await trusted.download(`${sim.url.replace('127.0.0.1', 'localhost')}/nothing`, { auth: true }).catch((e) => e)).code.should.equal('API_ERROR');
      downloads(sim).length.should.equal(0);
      sim.log.length.should.equal(1);
    });

    it('fetches only http and https links', async () => {
      for (const link of ['file:///etc/passwd', 'ftp://127.0.0.1/x']) {
        (await rejection(client().download(link, { auth: false }))).code.should.equal('BAD_INPUT');
      }
    });

    it('loses the token when a redirect leaves the trusted origin', async () => {
      const job = sim.addJob({ jobId: 'job-r', scope: 'Private', responseType: 'Publishlink' });
      const [doc] = out.jobDocuments(job);
      // A trusted host that redirects to the same document under another host name (another origin).
      const elsewhere = doc.link.replace('127.0.0.1', 'localhost');
      const redirector = http.createServer((req, res) => {
        res.writeHead(302, { location: elsewhere });
        res.end();
      });
      await new Promise((r) => redirector.listen(0, '127.0.0.1', r));
      try {
        const link = `http://127.0.0.1:${redirector.address().port}/doc`;
        const err = await rejection(client({ trustedHosts: `http://127.0.0.1:${redirector.address().port}` }).download(link, { auth: true }));
        err.code.should.equal('ACCESS_DENIED');
        const [call] = downloads(sim);
        call.host.should.startWith('localhost:');
        should(call.headers.authorization).be.undefined();
      } finally {
        redirector.close();
      }
    });

    it('with OAuth2, fetches a new token once on a 401 and tries again', async () => {
      const c = client({ auth: oauth() });
      sim.addFault({ type: 'status', status: 401, match: { path: DOCS } });
      (await fetchFirst({ scope: 'Private' }, {}, c)).payload.length.should.equal(10);
      downloads(sim).map((e) => e.status).should.eql([401, 200]);
      sim.log.filter((e) => e.path === '/connect/token').length.should.equal(2);
    });

    it('maps 401, 403, 410, 429 and 500 to AUTH_FAILED, ACCESS_DENIED, LINK_EXPIRED, RATE_LIMITED and API_ERROR', async () => {
      const cases = [[401, 'AUTH_FAILED'], [403, 'ACCESS_DENIED'], [410, 'LINK_EXPIRED'], [429, 'RATE_LIMITED'], [500, 'API_ERROR']];
      for (const [status, code] of cases) {
        sim.addFault({ type: 'status', status, match: { path: DOCS } });
        const err = await rejection(fetchFirst({ jobId: `job-${status}`, scope: 'Public' }));
        err.code.should.equal(code);
        err.status.should.equal(status);
      }
      // The simulator's own refusal of a Private link without a token.
      (await rejection(fetchFirst({ jobId: 'job-p', scope: 'Private' }, { auth: false }))).code.should.equal('ACCESS_DENIED');
    });
  });

  describe('a download cut off part-way', function () {
    this.timeout(120000);
    const MB200 = 200 * 1024 * 1024;
    const dir = useTempDir('aims360-resume-');
    // Resumes wait the retry policy's delays: short ones here.
    // (and time for the simulator, which generates a range's bytes from the start of the document).
    const quick = () => client({ retry: { baseDelayMs: 10, maxDelayMs: 20 }, timeout: 30000 });
    const sha256 = (stream) => new Promise((resolve, reject) => {
      const hash = crypto.createHash('sha256');
      stream.on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
    });
    /** The document straight from the simulator, hashed. */
    async function simulatorSha(job) {
      // globalThis: this file's own fetch() is fetchDocument's shorthand.
      const res = await globalThis.fetch(job.response[0].DownloadLink, { headers: { authorization: `Bearer ${TOKEN}` } });
      return sha256(require('node:stream').Readable.fromWeb(res.body));
    }
    const statuses = () => downloads(sim).map((e) => e.status);
    const ranges = () => downloads(sim).map((e) => e.headers.range ?? null);
    /** Fetches to a file; `seen` is the downloads' statuses and ranges before anything else asks. */
    async function fetchToFile(spec, size) {
      const job = sim.addJob({ jobId: 'job-r', responseType: 'Publishlink', responseAsJson: true, scope: 'Private', documents: [{ name: 'big.csv', sizeBytes: size }] });
      const [doc] = out.jobDocuments(job);
      const result = await out.fetchDocument(quick(), doc, settings({ auth: true, format: 'file', directory: dir(), ...spec }));
      return { job, result, seen: { statuses: statuses(), ranges: ranges() } };
    }

    // Stryker runs each mutant's covering tests; this one alone takes seconds per run (see stryker.config.mjs).
    (process.env.AIMS360_MUTATION ? it.skip : it)('resumes a 200 MB Private download cut at 40% with a Range from the bytes written, and the file is the same', async () => {
      const cutAt = Math.floor(MB200 * 0.4);
      sim.addFault({ type: 'cut', atByte: cutAt, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, MB200);
      fs.statSync(result.payload).size.should.equal(MB200);
      seen.should.eql({ statuses: [200, 206], ranges: [null, `bytes=${cutAt}-`] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      downloads(sim)[1].headers['if-range'].should.match(/^"[^"]+"$/);
      downloads(sim)[1].headers.authorization.should.equal(`Bearer ${TOKEN}`);
      fs.readdirSync(dir()).should.eql(['big.csv']);
    });

    it('downloads once more from the start when the server offers no ranges, then fails with NETWORK and no partial file', async () => {
      sim.setConfig({ serveRanges: false });
      sim.addFault({ type: 'cut', atByte: 100000, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      seen.should.eql({ statuses: [200, 200], ranges: [null, null] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      fs.rmSync(result.payload);
      sim.reset();
      sim.setConfig({ serveRanges: false });
      sim.addFault({ type: 'cut', atByte: 100000, times: -1, match: { path: DOCS } });
      const err = await rejection(fetchToFile({}, 1024 * 1024));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off.*no way to resume/);
      downloads(sim).length.should.equal(2);
      fs.readdirSync(dir()).should.eql([]);
    });

    it('starts again from zero when the document changed (a new ETag) before the resume', async () => {
      sim.addFault({ type: 'cut', atByte: 300000, replace: true, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      // The resume's If-Range no longer matches: the whole body comes back, and is fetched anew.
      seen.should.eql({ statuses: [200, 200, 200], ranges: [null, 'bytes=300000-', null] });
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
      fs.readdirSync(dir()).should.eql(['big.csv']);
    });

    it('starts again from zero after a 416 to the resume', async () => {
      sim.addFault({ type: 'cut', atByte: 300000, match: { path: DOCS } });
      sim.addFault({ type: 'status', status: 416, match: { path: DOCS } });
      const { job, result, seen } = await fetchToFile({}, 1024 * 1024);
      seen.statuses.should.eql([200, 416, 200]);
      (await sha256(fs.createReadStream(result.payload))).should.equal(await simulatorSha(job));
    });

    it('ends a body cut on every attempt in one NETWORK error after the retry policy\'s resumes, with no partial file', async () => {
      sim.addFault({ type: 'cut', atByte: 100000, times: -1, match: { path: DOCS } });
      const err = await rejection(fetchToFile({}, 1024 * 1024));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off/);
      // The first answer and 4 resumes (the default policy's limit), each cut again.
      statuses().should.eql([200, 206, 206, 206, 206]);
      ranges().slice(1).should.eql(['bytes=100000-', 'bytes=200000-', 'bytes=300000-', 'bytes=400000-']);
      fs.readdirSync(dir()).should.eql([]);
    });

    it('resumes an in-memory format as well', async () => {
      sim.addFault({ type: 'cut', atByte: 5000, match: { path: DOCS } });
      const job = sim.addJob({ jobId: 'job-rows', responseType: 'Publishlink', scope: 'Private', documents: [{ rows: 2000 }] });
      const [doc] = out.jobDocuments(job);
      const { payload } = await out.fetchDocument(quick(), doc, settings({ auth: true, format: 'rows' }));
      payload.length.should.equal(2000);
      statuses().should.eql([200, 206]);
    });
  });

  describe('checks, settings and file names', () => {


    it('checks expiry, scheme, trust and announced size before any request', () => {
      const c = client();
      const check = (spec, extra = {}, auth = true) => {
        const job = sim.addJob(spec);
        return () => out.checkBeforeRequest(c, out.jobDocuments(job), auth, settings(extra));
      };
      check({ documents: [{ expiresInMs: -1000 }] }).should.throw({ code: 'LINK_EXPIRED' });
      check({ documents: [{ host: 'evil.example.com' }] }).should.throw({ code: 'UNTRUSTED_HOST' });
      check({ documents: [{ host: 'evil.example.com' }] }, {}, false).should.not.throw();
      check({ documents: [{ sizeBytes: 2 * 1024 * 1024 }] }, { maxBytes: 1024 * 1024 }).should.throw({ code: 'TOO_LARGE' });
      check({ documents: [{ sizeBytes: 2 * 1024 * 1024 }] }, { maxBytes: 1024 * 1024, format: 'file' }).should.not.throw();
      (() => out.checkBeforeRequest(c, [{ info: { name: 'x', type: '' }, link: 'file:///etc/passwd' }], false, settings()))
        .should.throw({ code: 'BAD_RESPONSE' });
      sim.log.length.should.equal(0);
    });

    it('reads its settings, refusing bad ones with BAD_INPUT', () => {
      out.readSettings({}).should.eql({ format: 'auto', maxBytes: 100 * 1024 * 1024, documents: 'first', rowsPerMessage: 1000 });
      out.readSettings({ format: 'file', maxSizeMB: '0.5', documents: 'all', rowsPerMessage: '10' }).maxBytes.should.equal(512 * 1024);
      for (const bad of [{ format: 'xml' }, { documents: 'some' }, { maxSizeMB: '0' }, { rowsPerMessage: '1.5' }, { rowsPerMessage: 0 }]) {
        (() => out.readSettings(bad)).should.throw({ code: 'BAD_INPUT' });
      }
    });

    it('makes document names safe as file names', () => {
      out.safeFileName('../../etc/passwd.csv').should.equal('_._etc_passwd.csv');
      out.safeFileName('..\\..\\x.csv').should.equal('_._x.csv');
      out.safeFileName('a\u0000b\nc\u202e.csv').should.equal('abc.csv');
      out.safeFileName('..').should.equal('document');
      out.safeFileName('C:report?.csv').should.equal('C_report_.csv');
      for (const name of ['../../x', '/etc/passwd', 'a/../../b', '....//', '.hidden']) {
        const safe = out.safeFileName(name);
        safe.should.not.containEql('/');
        safe.should.not.containEql('..');
        path.basename(safe).should.equal(safe);
      }
    });
  });

  it('makes a chosen file name safe and numbers it from the second document on', () => {
    const info = { name: 'Orders 2026.csv', type: 'csv' };
    out.chosenFileName('sales.csv', info, 0).should.equal('sales.csv');
    out.chosenFileName('sales.csv', info, 1).should.equal('sales-2.csv');
    out.chosenFileName('sales', info, 2).should.equal('sales-3');
    out.chosenFileName('../../etc/passwd', info, 0).should.equal('_._etc_passwd');
    out.chosenFileName('..', info, 0).should.equal('Orders 2026.csv');
    const long = out.chosenFileName(`${'x'.repeat(210)}.csv`, info, 9);
    long.should.endWith('x-10.csv');
    Buffer.byteLength(long).should.equal(212);
    out.safeFileName(long).should.equal(long);
  });

  describe('formats', () => {
    const dir = useTempDir('aims360-out-');

    it('decodes CSV, XLSX and JSON as auto, and gives other documents as a Buffer', async () => {
      const csv = await fetchFirst({ scope: 'Public', documents: [{ rows: 3 }] });
      csv.payload.should.eql([
        { style: 'ST10000', color: 'BLACK', size: 'XS', qty: '1', price: '5.00' },
        { style: 'ST10001', color: 'WHITE', size: 'S', qty: '38', price: '6.31' },
        { style: 'ST10002', color: 'NAVY', size: 'M', qty: '75', price: '7.62' },
      ]);
      csv.info.should.match({ type: 'csv', sizeBytes: 98 });
      const xlsx = await fetchFirst({ jobId: 'x', documents: [{ format: 'xlsx', rows: 2 }] });
      xlsx.payload.should.eql([{ style: 'ST10000', color: 'BLACK', size: 'XS', qty: 1, price: 5 }, { style: 'ST10001', color: 'WHITE', size: 'S', qty: 38, price: 6.31 }]);
      const json = await fetchFirst({ jobId: 'j', documents: [{ format: 'json', rows: 2 }] });
      json.payload.length.should.equal(2);
      json.payload[1].style.should.equal('ST10001');
      const pdf = await fetchFirst({ jobId: 'p', documents: [{ format: 'pdf' }] });
      Buffer.isBuffer(pdf.payload).should.be.true();
      pdf.payload.subarray(0, 5).toString().should.equal('%PDF-');
    });

    it('gives buffer, utf8, json and rows as asked', async () => {
      const content = 'a,b\n1,"x, y"\n';
      (await fetchFirst({ documents: [{ content }] }, { format: 'buffer' })).payload.should.eql(Buffer.from(content));
      (await fetchFirst({ jobId: 'u', documents: [{ content }] }, { format: 'utf8' })).payload.should.equal(content);
      (await fetchFirst({ jobId: 'r', documents: [{ content }] }, { format: 'rows' })).payload.should.eql([{ a: '1', b: 'x, y' }]);
      (await fetchFirst({ jobId: 'js', documents: [{ format: 'json', content: '{"k":1}' }] }, { format: 'json' })).payload.should.eql({ k: 1 });
      (await rejection(fetchFirst({ jobId: 'bj', documents: [{ format: 'json', content: '{"k":' }] }))).code.should.equal('BAD_RESPONSE');
      (await rejection(fetchFirst({ jobId: 'bx', documents: [{ format: 'xlsx', content: 'not a zip' }] }))).code.should.equal('BAD_RESPONSE');
      (await rejection(fetchFirst({ jobId: 'pr', documents: [{ format: 'pdf' }] }, { format: 'rows' }))).code.should.equal('BAD_INPUT');
    });

    it('refuses TOO_LARGE from Content-Length before reading, and while reading', async () => {
      const limit = { maxBytes: 1000 };
      // No SizeInMB to go by: the document's content is fixed, its size shows only in Content-Length.
      const big = 'a\n' + 'x\n'.repeat(1000);
      const job = sim.addJob({ jobId: 't', scope: 'Public', documents: [{ content: big }] });
      const [doc] = out.jobDocuments(job);
      delete doc.info.sizeBytes;
      (await rejection(out.fetchDocument(client(), doc, settings({ ...limit, auth: false })))).code.should.equal('TOO_LARGE');
      // file and stream-rows of a CSV are not bounded.
      (await out.fetchDocument(client(), doc, settings({ ...limit, auth: false, format: 'file', directory: dir() }))).info.sizeBytes.should.equal(big.length);
      // Without a Content-Length, reading stops as soon as the bytes pass the limit.
      let sent = 0;
      const endless = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        const more = () => {
          while (!res.destroyed && sent < 64 * 1024 * 1024 && res.write('x,y\n'.repeat(1024))) sent += 4096;
          if (!res.destroyed && sent < 64 * 1024 * 1024) res.once('drain', more);
          else res.end();
        };
        more();
      });
      await new Promise((r) => endless.listen(0, '127.0.0.1', r));
      try {
        const unsized = { info: { name: 'endless.csv', type: 'csv' }, link: `http://127.0.0.1:${endless.address().port}/` };
        (await rejection(out.fetchDocument(client(), unsized, settings({ maxBytes: 1024 * 1024, auth: false })))).code.should.equal('TOO_LARGE');
        sent.should.be.below(16 * 1024 * 1024);
      } finally {
        endless.close();
        endless.closeAllConnections();
      }
    });

    it('writes a file under a safe name inside the directory, replacing a symlink rather than following it', async () => {
      const outside = path.join(dir(), 'outside.txt');
      fs.writeFileSync(outside, 'keep');
      const inside = path.join(dir(), 'in');
      fs.mkdirSync(inside);
      fs.symlinkSync(outside, path.join(inside, 'report.csv'));
      const saved = await fetchFirst({ documents: [{ name: 'report.csv', rows: 2 }] }, { format: 'file', directory: inside });
      saved.payload.should.equal(path.join(inside, 'report.csv'));
      fs.lstatSync(saved.payload).isFile().should.be.true();
      fs.readFileSync(outside, 'utf8').should.equal('keep');
      const hostile = await fetchFirst({ jobId: 'h', documents: [{ name: '../../x.csv', rows: 2 }] }, { format: 'file', directory: inside });
      path.dirname(hostile.payload).should.equal(inside);
      fs.readdirSync(inside).sort().should.eql(['_._x.csv', 'report.csv']);
    });

    it('removes the partial file when a download is cut off or cancelled', async () => {
      // Twice: a body that cannot be resumed is downloaded once more from the start.
      sim.addFault({ type: 'truncated', match: { path: DOCS }, times: 2 });
      const err = await rejection(fetchFirst({ documents: [{ rows: 5000 }] }, { format: 'file', directory: dir() }));
      err.code.should.equal('NETWORK');
      err.message.should.match(/cut off/);
      fs.readdirSync(dir()).should.eql([]);
      const abort = new AbortController();
      const pending = fetchFirst({ jobId: 'big', documents: [{ sizeBytes: 500 * 1024 * 1024 }] }, {
        format: 'file', directory: dir(), signal: abort.signal,
        onProgress: (bytes) => bytes > 1024 * 1024 && abort.abort(),
      });
      (await rejection(pending)).code.should.equal('NETWORK');
      fs.readdirSync(dir()).should.eql([]);
    });

    it('sends stream-rows in blocks that carry what a Join node needs', async () => {
      const blocks = [];
      const onRows = (payload, parts) => blocks.push({ payload, parts });
      const done = await fetchFirst({ documents: [{ rows: 5 }] }, { format: 'stream-rows', rowsPerMessage: 2, onRows });
      done.payload.should.equal(5);
      blocks.map((b) => b.payload.length).should.eql([2, 2, 1]);
      blocks.map((b) => b.parts.index).should.eql([0, 1, 2]);
      blocks.map((b) => b.parts.count).should.eql([undefined, undefined, 3]);
      blocks.every((b) => b.parts.type === 'array' && b.parts.len === 2 && b.parts.id === blocks[0].parts.id).should.be.true();
      // Exactly full blocks: the last one still carries count; one row per message sends the row itself.
      blocks.length = 0;
      await fetchFirst({ jobId: 'x4', documents: [{ format: 'xlsx', rows: 4 }] }, { format: 'stream-rows', rowsPerMessage: 2, onRows });
      blocks.map((b) => b.parts.count).should.eql([undefined, 2]);
      blocks.length = 0;
      await fetchFirst({ jobId: 'one', documents: [{ rows: 2 }] }, { format: 'stream-rows', rowsPerMessage: 1, onRows });
      blocks.map((b) => b.payload.style).should.eql(['ST10000', 'ST10001']);
      should(blocks[0].parts.len).be.undefined();
      blocks.length = 0;
      await fetchFirst({ jobId: 'empty', documents: [{ content: 'a,b\n' }] }, { format: 'stream-rows', onRows });
      blocks.should.match([{ payload: [], parts: { index: 0, count: 1 } }]);
    });
  });
});

describe('lib: formats, file names at their edges', () => {
  it('drops the spaces and dots a cut leaves before the extension, and only those', () => {
    const stem = `my report ${'a'.repeat(195)}`;
    out.safeFileName(`${stem} . ${'b'.repeat(10)}.csv`).should.equal(`${stem}.csv`);
  });

  it('keeps a name that fits as it is, a space before its extension too', () => {
    out.safeFileName('report .csv').should.equal('report .csv');
  });

  it('numbers a name past every number already taken in the message', () => {
    const infos = ['report.csv', 'report-3.csv', 'report.csv'].map((name) => ({ name, type: '' }));
    out.fileNamesOf(infos).should.eql(['report.csv', 'report-3.csv', 'report-4.csv']);
  });

  it('takes names that differ by more than case, such as ß and ss, as different files', () => {
    out.fileNamesOf(['ß.csv', 'ss.csv', 'SS.csv'].map((name) => ({ name, type: '' }))).should.eql(['ß.csv', 'ss.csv', 'SS-3.csv']);
  });
});

describe('lib: formats, sweeping stale temporary files', () => {
  const dir = useTempDir('aims360-sweep-');
  const HOUR = 3600e3;
  /** One of saveFile's temporary names, its modification time set to `mtime`. */
  const part = (id, mtime) => {
    const file = path.join(dir(), `.r.csv.${id}-5b7d-4e29-9a61-3c2b1d0e4f5a.part`);
    fs.writeFileSync(file, 'x');
    fs.utimesSync(file, new Date(mtime), new Date(mtime));
    return file;
  };

  it('removes a temporary file only when untouched for longer than an hour', async () => {
    const mtime = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
    const file = part('0f8e1c3a', mtime);
    await out.sweepStaleParts(dir(), mtime + HOUR);
    fs.existsSync(file).should.be.true();
  });

  it('sweeps a directory once, not again for a file that went stale later', async () => {
    const mtime = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
    await out.sweepStaleParts(dir(), mtime + 2 * HOUR);
    const file = part('1a2b1c3a', mtime);
    await out.sweepStaleParts(dir(), mtime + 2 * HOUR);
    fs.existsSync(file).should.be.true();
  });

  it('sweeps the temporary file a failed download could not remove once it is stale, as nothing writes it any more', async () => {
    const cut = new AimsError('NETWORK', 'The download was cut off before its end (ECONNRESET): try again.');
    const client = fakeClient(() => ({ headers: csvType, body: body(['a\n', '1\n'], { cut }) }));
    const realRm = fs.promises.rm;
    fs.promises.rm = async () => {
      throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
    };
    try {
      (await rejection(fetch(client, { name: 'r.csv', type: 'csv' }, { format: 'file', directory: dir() }))).should.equal(cut);
    } finally {
      fs.promises.rm = realRm;
    }
    fs.readdirSync(dir()).should.have.length(1);
    // The directory spelled otherwise is swept again (once per spelling), an hour and more later.
    await out.sweepStaleParts(`${dir()}${path.sep}`, Date.now() + 2 * HOUR);
    fs.readdirSync(dir()).should.eql([]);
  });
});

describe('lib: formats, typed values only for CSV rows', () => {
  const csv = 'code,n\n007,12\n';
  it('types the cells of CSV rows, with the rows and the auto format', async () => {
    for (const format of ['rows', 'auto']) {
      (await fetch(serve(csv), { name: 'r.csv', type: 'csv' }, { format, typedValues: true })).payload.should.eql([{ code: '007', n: 12 }], format);
    }
  });

  it('leaves XLSX cells as the workbook types them, and text as text', async () => {
    const workbook = await xlsx([['code', 'n'], ['12', 5]]);
    (await fetch(serve(workbook, {}), { name: 'w.xlsx', type: 'xlsx' }, { format: 'rows', typedValues: true })).payload.should.eql([{ code: '12', n: 5 }]);
    (await fetch(serve(csv), { name: 'r.csv', type: 'csv' }, { format: 'utf8', typedValues: true })).payload.should.equal(csv);
  });
});
