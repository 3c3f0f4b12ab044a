// src/lib/messages.ts: a runtime message is its key's text with its parameters filled, in
// English without Node-RED, and Node-RED's own i18n (RED._, handed over by useTranslator)
// translates every key of the catalogue the build wrote as text() fills it.
const path = require('node:path');
const should = require('should');
const { AimsError, toAimsError } = require('../../dist/src/lib/errors.js');
const { fill, text, useTranslator, englishTemplate } = require('../../dist/src/lib/messages.js');

const root = path.resolve(__dirname, '..', '..');
const { errorTexts, placeholders } = require('../support/locales');
const texts = errorTexts();

describe('messages: the runtime words, by key', () => {
  it('gives every error its key and parameters, and the English text filled', () => {
    const err = AimsError.of('JOB_NOT_FOUND', 'aims360.errors.jobs.notFound', { id: 'j-1' }, 404);
    err.should.match({ code: 'JOB_NOT_FOUND', key: 'aims360.errors.jobs.notFound', params: { id: 'j-1' }, status: 404 });
    err.message.should.equal('AIMS360 knows no job j-1: check the id, or the job was purged.');
    err.copy().should.match({ key: err.key, params: err.params, message: err.message, status: 404 }).and.not.equal(err);
    toAimsError(new TypeError('x is undefined')).should.match({ code: 'INTERNAL', key: 'aims360.errors.internal', params: { reason: 'x is undefined' } });
    (() => text('aims360.errors.nothing.here')).should.throw(/No message/);
  });

  describe("with the i18n of the Node-RED under test, as a node's RED._", () => {
    const nodeRedPath = process.env.NODE_RED_PATH || require.resolve('node-red');
    const { i18n } = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] }));
    const namespace = 'messages-test/aims360-config';
    // Values that i18next would spoil if it escaped them (Node-RED turns escaping off).
    const odd = '<b>&"\'/x';
    let red;

    before(async () => {
      await i18n.init({ lang: 'en-US' });
      await i18n.registerMessageCatalog(namespace, path.join(root, 'dist/nodes/aims360-config/locales'), 'aims360-config.json');
      red = (key, params) => i18n._(`${namespace}:${key}`, params);
    });
    after(() => useTranslator(undefined));

    it('finds every key in a node catalogue the build wrote, filled as text() fills it', () => {
      for (const [key, template] of texts) {
        const params = Object.fromEntries(placeholders(template).map((name) => [name, `${odd}${name}`]));
        red(key, params).should.equal(fill(template, params), key);
      }
    });

    it('is what text() answers once the config node hooks it (useTranslator), not the English fallback', () => {
      const seen = [];
      useTranslator((key, params) => {
        seen.push(key);
        return red(key, params);
      });
      AimsError.of('BAD_INPUT', 'aims360.errors.request.queryValue', { name: odd }).message
        .should.equal(`The query value of "${odd}" must be text, a number, a boolean or a list of them.`);
      seen.should.eql(['aims360.errors.request.queryValue']);
    });
  });

  describe('without a translation', () => {
    afterEach(() => useTranslator(undefined));
    const KEY = 'aims360.errors.jobs.notFound';
    const ENGLISH = 'AIMS360 knows no job j-1: check the id, or the job was purged.';

    it('falls back to English when the translator answers the key, the key after its namespace, or nothing', () => {
      for (const answer of [KEY, `some/node:${KEY}`, '']) {
        useTranslator(() => answer);
        text(KEY, { id: 'j-1' }).should.equal(ENGLISH, JSON.stringify(answer));
      }
      useTranslator(() => 'Kein Auftrag');
      text(KEY, { id: 'j-1' }).should.equal('Kein Auftrag');
      useTranslator(undefined);
      text(KEY, { id: 'j-1' }).should.equal(ENGLISH);
    });

    it('reads every shared catalogue file, and only texts', () => {
      englishTemplate('aims360.rules.required').should.equal('__label__ is required.');
      englishTemplate('aims360.common.label.name').should.be.a.String();
      should(englishTemplate('aims360.errors.jobs')).be.undefined();
      should(englishTemplate('aims360.errors.jobs.notFound.more')).be.undefined();
      fill('__a__ and __b__', { a: 1 }).should.equal('1 and __b__');
      fill('__a__').should.equal('__a__');
      // Below a text there is no text, not even one of its letters.
      should(englishTemplate('aims360.errors.jobs.notFound.0')).be.undefined();
    });

    it("reads the English catalogue from the build's locales on first use: every file, merged under one tree", () => {
      // A fresh copy of the module: the one loaded above read (and kept) the catalogue already.
      const file = require.resolve('../../dist/src/lib/messages.js');
      const loaded = require.cache[file];
      delete require.cache[file];
      try {
        const fresh = require(file);
        fresh.englishTemplate('aims360.rules.required').should.equal('__label__ is required.');
        fresh.englishTemplate('aims360.errors.jobs.notFound').should.equal(englishTemplate('aims360.errors.jobs.notFound'));
        fresh.text('aims360.errors.jobs.notFound', { id: 'j-1' }).should.equal('AIMS360 knows no job j-1: check the id, or the job was purged.');
        should(fresh.englishTemplate('aims360.errors.jobs')).be.undefined();
      } finally {
        require.cache[file] = loaded;
      }
    });

    it('reads only the .json files of its locales folder: a stray file there (an editor\'s backup, a note) is no catalogue', () => {
      // The build copies every file of src/locales/<lang>/ but help/: a copy of the module beside such a folder.
      const fs = require('node:fs');
      const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'aims360-messages-'));
      try {
        fs.mkdirSync(path.join(dir, 'lib'));
        fs.copyFileSync(require.resolve('../../dist/src/lib/messages.js'), path.join(dir, 'lib', 'messages.js'));
        fs.cpSync(path.join(root, 'dist', 'src', 'locales'), path.join(dir, 'locales'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'locales', 'en-US', 'errors.json~'), '{ "aims360": { "errors": ');
        fs.writeFileSync(path.join(dir, 'locales', 'en-US', 'NOTES.txt'), 'Keys are grouped by module.');
        const copy = require(path.join(dir, 'lib', 'messages.js'));
        copy.text('aims360.errors.jobs.notFound', { id: 'j-1' }).should.equal('AIMS360 knows no job j-1: check the id, or the job was purged.');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
