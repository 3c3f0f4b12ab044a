// Helpers for the tests of src/lib/formats.ts and what it reads with (sheet-reader): a stand-in
// client whose download() answers with headers and a body the test writes, so each test controls
// the exact bytes, headers and failures formats.ts sees.
const { Readable } = require('node:stream');
const out = require('../../dist/src/lib/formats.js');

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

module.exports = { settings, csvType, body, fakeClient, serve, fetch, xlsx };
