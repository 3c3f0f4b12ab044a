// src/lib/resume.ts on its own: a body cut off part-way, resumed with the answers the test
// writes (no HTTP), so each rule of resuming is seen apart from the client and the simulator.
const should = require('should');
const { Readable } = require('node:stream');
const { AimsError } = require('../../dist/src/lib/errors.js');
const { contentLength, NotResumable, resumingBody } = require('../../dist/src/lib/resume.js');

const TEXT = '0123456789';
const ETAG = '"doc-1"';
const MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';
const cut = () => new AimsError('NETWORK', 'cut');

/** A body that sends `text`, then fails with `error` (or ends when there is none). */
function body(text, error) {
  const stream = new Readable({ read() {} });
  if (text) stream.push(Buffer.from(text));
  setImmediate(() => (error ? stream.destroy(error) : stream.push(null)));
  return stream;
}

function answer(statusCode, headers, text, error) {
  return { statusCode, headers, body: body(text, error) };
}

const firstHeaders = (extra = {}) => ({ 'content-length': String(TEXT.length), 'accept-ranges': 'bytes', etag: ETAG, 'last-modified': MODIFIED, ...extra });
const rest = (from, headers = {}) => answer(206, { 'content-range': `bytes ${from}-${TEXT.length - 1}/${TEXT.length}`, ...headers }, TEXT.slice(from));
const policy = (extra = {}) => ({ limit: 3, baseDelayMs: 1, maxDelayMs: 2, describe: (err) => (err instanceof AimsError ? err : new AimsError('NETWORK', String(err))), ...extra });

async function read(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

const failure = (promise) => promise.then(() => {
  throw new Error('expected a failure');
}, (err) => err);

describe('lib: resume', () => {
  it('reads Content-Length only when it is one whole number', () => {
    should(contentLength({ 'content-length': '123' })).equal(123);
    should(contentLength({ 'content-length': ' 12 ' })).equal(12);
    should(contentLength({ 'content-length': ['7', '7'] })).equal(7);
    should(contentLength({ 'content-length': '12a' })).be.undefined();
    should(contentLength({ 'content-length': 'a12' })).be.undefined();
    should(contentLength({ 'content-length': '-1' })).be.undefined();
    should(contentLength({})).be.undefined();
  });

  it('resumes a cut body from the bytes passed on, with the strong ETag as If-Range', async () => {
    const asked = [];
    const out = resumingBody(answer(200, firstHeaders(), TEXT.slice(0, 4), cut()), async (from, validator) => {
      asked.push([from, validator]);
      return rest(from);
    }, policy(), new AbortController().signal);
    (await read(out)).should.equal(TEXT);
    asked.should.eql([[4, ETAG]]);
  });

  it('resumes after a TIMEOUT and after an error of the HTTP client itself (described), but not after another error', async () => {
    const described = [];
    const describe = (err) => {
      described.push(err.message);
      return new AimsError('NETWORK', 'described');
    };
    let out = resumingBody(answer(200, firstHeaders(), '01', new AimsError('TIMEOUT', 'slow')), async (from) => rest(from), policy(), new AbortController().signal);
    (await read(out)).should.equal(TEXT);
    out = resumingBody(answer(200, firstHeaders(), '012', new Error('socket hang up')), async (from) => rest(from), policy({ describe }), new AbortController().signal);
    (await read(out)).should.equal(TEXT);
    described.should.eql(['socket hang up']);
    let reopened = 0;
    const refused = new AimsError('AUTH_FAILED', 'no');
    out = resumingBody(answer(200, firstHeaders(), '01', refused), async (from) => (reopened++, rest(from)), policy(), new AbortController().signal);
    (await failure(read(out))).should.equal(refused);
    reopened.should.equal(0);
  });

  it('uses Last-Modified when the ETag is weak or missing', async () => {
    for (const etag of ['W/"weak"', undefined]) {
      const asked = [];
      const headers = firstHeaders({ etag });
      if (etag === undefined) delete headers.etag;
      const out = resumingBody(answer(200, headers, '0123', cut()), async (from, validator) => (asked.push(validator), rest(from)), policy(), new AbortController().signal);
      (await read(out)).should.equal(TEXT);
      asked.should.eql([MODIFIED]);
    }
  });

  it('cannot resume without byte ranges, a validator or a length: NotResumable, no request', async () => {
    const without = [{ 'accept-ranges': 'none' }, { 'accept-ranges': undefined }, { etag: undefined, 'last-modified': undefined }, { 'content-length': undefined }];
    for (const change of without) {
      let reopened = 0;
      const out = resumingBody(answer(200, firstHeaders(change), '0123', cut()), async (from) => (reopened++, rest(from)), policy(), new AbortController().signal);
      const err = await failure(read(out));
      err.should.be.instanceOf(NotResumable);
      err.code.should.equal('NETWORK');
      err.message.should.startWith('cut The server offers no way to resume (no byte ranges or no validator).');
      reopened.should.equal(0);
    }
  });

  it('gives up with NotResumable when the resume does not continue where the body stopped', async () => {
    const answers = {
      'a whole 200': [answer(200, {}, TEXT), /^The document changed while it was downloaded \(it answered 200 to a resume at byte 4\)/],
      'a 206 from elsewhere': [answer(206, { 'content-range': 'bytes 3-9/10' }, TEXT.slice(3)), /^The document changed while it was downloaded \(it answered 206 to a resume at byte 4\)/],
      'a 206 of another length': [answer(206, { 'content-range': 'bytes 4-10/11' }, TEXT.slice(4)), /answered 206/],
      'a 206 without Content-Range': [answer(206, {}, TEXT.slice(4)), /answered 206/],
      'a 416': [answer(416, { 'content-range': 'bytes */10' }, ''), /^The download could not be resumed at byte 4 \(the document link answered 416\)/],
    };
    for (const [what, [next, message]] of Object.entries(answers)) {
      const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => next, policy(), new AbortController().signal);
      const err = await failure(read(out));
      err.should.be.instanceOf(NotResumable, what);
      err.message.should.match(message, what);
    }
  });

  it('fails a body that ends short of its Content-Length, without an error', async () => {
    const out = resumingBody(answer(200, firstHeaders(), '01234'), async (from) => rest(from), policy(), new AbortController().signal);
    const err = await failure(read(out));
    err.should.be.instanceOf(NotResumable);
    err.message.should.equal('The download ended after 5 of 10 bytes: try again.');
  });

  it('resumes at most policy.limit times, each from the bytes passed so far, then fails with the last cut', async () => {
    const asked = [];
    let n = 0;
    const out = resumingBody(answer(200, firstHeaders(), '0', cut()), async (from) => {
      asked.push(from);
      n += 1;
      return answer(206, { 'content-range': `bytes ${from}-9/10` }, TEXT[from], new AimsError('NETWORK', `cut ${n}`));
    }, policy({ limit: 3 }), new AbortController().signal);
    const err = await failure(read(out));
    err.message.should.equal('cut 3');
    asked.should.eql([1, 2, 3]);
  });

  it('counts a reopen that fails with a cut as one of the resumes, and passes another failure on', async () => {
    let n = 0;
    let out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async (from) => {
      n += 1;
      if (n === 1) throw new AimsError('NETWORK', 'refused once');
      return rest(from);
    }, policy(), new AbortController().signal);
    (await read(out)).should.equal(TEXT);
    n.should.equal(2);
    const denied = new AimsError('AUTH_FAILED', 'denied');
    out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => {
      throw denied;
    }, policy(), new AbortController().signal);
    (await failure(read(out))).should.equal(denied);
  });

  it('stops waiting for a resume when cancelled, with the cut as the answer', async () => {
    const controller = new AbortController();
    let reopened = 0;
    const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async (from) => (reopened++, rest(from)), policy({ baseDelayMs: 60000, maxDelayMs: 60000 }), controller.signal);
    const result = failure(read(out));
    setTimeout(() => controller.abort(), 50);
    (await result).message.should.equal('cut');
    reopened.should.equal(0);
  });

  it('stops the source when the reader destroys the body', async () => {
    const first = answer(200, firstHeaders(), '0123');
    const out = resumingBody(first, async (from) => rest(from), policy(), new AbortController().signal);
    out.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    first.body.destroyed.should.be.true();
  });
});

describe('lib: resume, the edges the first tests left open', () => {
  it('reads a Content-Range with any spacing and case, and only a whole one', async () => {
    const accepted = [' bytes  4-9/10 ', 'BYTES 4-9/10', 'bytes\t4-9/10'];
    for (const range of accepted) {
      const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => answer(206, { 'content-range': range }, TEXT.slice(4)), policy(), new AbortController().signal);
      (await read(out)).should.equal(TEXT, range);
    }
    for (const range of ['xbytes 4-9/10', 'bytes 4-9/10x', 'bytes 4-9/10 x']) {
      const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => answer(206, { 'content-range': range }, TEXT.slice(4)), policy(), new AbortController().signal);
      (await failure(read(out))).should.be.instanceOf(NotResumable, range);
    }
  });

  it('takes a 200 as a changed document even when it carries the right Content-Range', async () => {
    const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => answer(200, { 'content-range': 'bytes 4-9/10' }, TEXT.slice(4)), policy(), new AbortController().signal);
    (await failure(read(out))).message.should.match(/^The document changed while it was downloaded \(it answered 200 to a resume at byte 4\)/);
  });

  it('asks once when a resume is refused by something other than a cut', async () => {
    let asked = 0;
    const denied = new AimsError('AUTH_FAILED', 'denied');
    const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async () => {
      asked += 1;
      throw denied;
    }, policy({ limit: 5 }), new AbortController().signal);
    (await failure(read(out))).should.equal(denied);
    asked.should.equal(1);
  });

  it('resumes after baseDelayMs however long maxDelayMs is', async () => {
    const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async (from) => rest(from), policy({ baseDelayMs: 1, maxDelayMs: 10 * 60_000 }), new AbortController().signal);
    (await read(out)).should.equal(TEXT);
  });

  it('keeps an error that comes before anyone reads on the body, for its reader, without crashing', async () => {
    const out = resumingBody(answer(200, { 'content-length': '10' }, '0123', cut()), async (from) => rest(from), policy(), new AbortController().signal);
    await new Promise((resolve) => out.once('close', resolve));
    out.errored.should.be.instanceOf(NotResumable);
  });

  it('closes the answer to a resume that arrives after the reader destroyed the body', async () => {
    let next;
    let reopened;
    const asked = new Promise((resolve) => (reopened = resolve));
    const out = resumingBody(answer(200, firstHeaders(), '0123', cut()), async (from) => {
      out.destroy();
      await new Promise((resolve) => out.once('close', resolve));
      next = rest(from);
      reopened();
      return next;
    }, policy(), new AbortController().signal);
    out.resume();
    await asked;
    await new Promise((resolve) => setImmediate(resolve));
    next.body.destroyed.should.be.true();
  });

  it('holds about 1 MB (each side of its buffer) of a body nobody reads yet before it pauses the source', async () => {
    const chunk = Buffer.alloc(64 * 1024);
    let given = 0;
    const source = new Readable({
      highWaterMark: chunk.length,
      read() {
        given += chunk.length;
        this.push(chunk);
      },
    });
    const out = resumingBody({ statusCode: 200, headers: {}, body: source }, async () => undefined, policy(), new AbortController().signal);
    // Data flows through event-loop turns until the pipe pauses; wait until two turns give nothing more.
    let before = -1;
    while (before !== given) {
      before = given;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // 1 MB on each side of the PassThrough, and the source's own chunk.
    given.should.be.within(1024 * 1024, 2 * 1024 * 1024 + chunk.length);
    out.destroy();
  });
});
