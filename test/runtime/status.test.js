// src/runtime/status.ts, status texts: one with nothing interpolated goes to the editor as its i18n
// key, which the editor translates in the node's own catalogue (test/browser/status.test.js); one
// with a count or a name is translated in the runtime. The test runtime's RED._ translates
// (support/red.js), so a key translated in the runtime too early shows here.
require('should');
const fs = require('node:fs');
const path = require('node:path');
const { helper, baseFlow, load, collect, wait, english, useSimAndNodeRed } = require('../support/red');
const { startSim, TOKEN } = require('../support/sim');

const root = path.resolve(__dirname, '..', '..');
const PACKAGE = require(path.join(root, 'package.json'));
const creds = { server: { token: TOKEN } };
/** A status text that is one of our keys. */
const KEY = /^aims360-[a-z0-9-]+\.status\.[A-Za-z_]+$/;
const VIEW = { source: 'Orders', sourceType: 'str', viewName: 'All orders', viewNameType: 'str' };
/** Polls that never answer: a wait stays before its first answer. */
const HANG_POLLS = { type: 'hang', match: { method: 'GET', path: '/jobsmanagement/odata/' }, times: -1 };

/** A node type's English catalogue (nodes/<base>/locales/en-US/<base>.json). */
function catalogue(type) {
  const base = path.basename(PACKAGE['node-red'].nodes[type], '.js');
  return require('../support/locales').catalog(base);
}

describe('status texts', function () {
  describe('in the code', () => {
    const workingTypes = Object.keys(PACKAGE['node-red'].nodes).filter((t) => t !== 'aims360-config');

    /** A node type's runtime sources: its own .ts and what it imports from nodes/, transitively. */
    function sourcesOf(type) {
      const main = path.join(root, PACKAGE['node-red'].nodes[type].replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      const seen = new Set();
      const queue = [main];
      while (queue.length) {
        const file = queue.pop();
        if (seen.has(file)) continue;
        seen.add(file);
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) queue.push(path.resolve(path.dirname(file), `${m[1].replace(/\.js$/, '')}.ts`));
      }
      return [...seen];
    }

    /**
     * The status keys a node type's code names, in quotes or backticks: whole
     * ('aims360-x.status.y') or relative to the node type (`${type}.status.y`, 'status.y').
     */
    function keysOf(type) {
      const keys = new Set();
      for (const file of sourcesOf(type)) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/['`](aims360-[a-z0-9-]+\.|\$\{\w+\}\.)?status\.([A-Za-z_]+)['`]/g)) {
          keys.add(m[1]?.startsWith('aims360-') ? `${m[1]}status.${m[2]}` : `${type}.status.${m[2]}`);
        }
      }
      return [...keys];
    }

    for (const type of workingTypes) {
      it(`${type}: every status key its code names is in its own English catalogue`, () => {
        const keys = keysOf(type);
        keys.length.should.be.above(0);
        const status = catalogue(type)[type].status;
        for (const key of keys) {
          // The editor looks a key up in the node's own namespace only.
          key.should.startWith(`${type}.status.`);
          const name = key.slice(`${type}.status.`.length);
          (name in status || `${name}_other` in status).should.be.true(`${key} is not in the catalogue`);
        }
      });
    }

    it('translates a status text in the runtime only with parameters (else it goes as its key)', () => {
      const runtime = fs.readdirSync(path.join(root, 'nodes'), { recursive: true })
        .filter((f) => f.endsWith('.ts') && !f.startsWith('editor') && !f.endsWith('editor.ts') && !f.endsWith('.d.ts'));
      runtime.length.should.be.above(10);
      const bare = [];
      for (const file of runtime) {
        const text = fs.readFileSync(path.join(root, 'nodes', file), 'utf8');
        // answered() adds the time to its text, so that text is translated here.
        for (const m of text.matchAll(/(?<!answered\()\b(?:RED\._|t)\(\s*(['`])[^'`]*\1\s*\)/g)) {
          // A node's default name (its palette label) is no status: the runtime names it once.
          if (!m[0].includes('.paletteLabel')) bare.push(`${file}: ${m[0]}`);
        }
      }
      bare.should.eql([]);
    });
  });

  describe('sent by the nodes', function () {
    let sim;
    const currentSim = useSimAndNodeRed(startSim);
    beforeEach(() => {
      sim = currentSim();
      sim.addJob({ jobId: 'job-1' });
      sim.addJob({ jobId: 'job-slow', queuedMs: 600000 });
      sim.addJob({ jobId: 'job-slow-2', queuedMs: 600000 });
      sim.addJob({ jobId: 'job-inline', responseType: 'In-line JSON', inline: { synced: 0 } });
    });

    /** Loads one node, sends it the messages, and answers the status texts it showed once `until(texts)` holds (10 s at most). */
    async function statusTexts(type, props, inputs, until) {
      await load([...baseFlow(sim), { id: 'node', type, z: 'tab', server: 'server', wires: [], ...props }], creds);
      helper.getNode('server').client.retryPolicy.baseDelayMs = 5;
      const seen = collect(helper.getNode('statuses'));
      for (const input of inputs) helper.getNode('node').receive(input);
      const texts = () => seen.map((m) => m.status.text);
      for (const deadline = Date.now() + 10000; !until(texts()) && Date.now() < deadline;) await wait(20);
      return texts();
    }

    // [what, node type, its properties, messages, the keys it must show, a fault]
    const cases = [
      ['job status, one job', 'aims360-job-status', {}, [{ jobId: 'job-1' }], ['aims360-job-status.status.fetching']],
      ['job status, a query', 'aims360-job-status', { mode: 'query' }, [{}], ['aims360-job-status.status.querying']],
      ['rerun job', 'aims360-rerun-job', {}, [{ jobId: 'job-1' }], ['aims360-rerun-job.status.checking', 'aims360-rerun-job.status.rerunning']],
      ['fetch output, an in-line job by id', 'aims360-fetch-output', {}, [{ jobId: 'job-inline' }],
        ['aims360-fetch-output.status.fetchingJob', 'aims360-fetch-output.status.inline']],
      ['wait for job, before the first answer', 'aims360-wait-for-job', {}, [{ jobId: 'job-1' }], ['aims360-wait-for-job.status.waiting'], HANG_POLLS],
      ['wait for job, timed out', 'aims360-wait-for-job', { timeout: '0.3' }, [{ jobId: 'job-slow' }], ['aims360-wait-for-job.status.timedOut']],
      ['export data, before the first answer', 'aims360-export', VIEW, [{}], ['aims360-export.status.waiting'], HANG_POLLS],
    ];
    for (const [what, type, props, inputs, keys, fault] of cases) {
      it(`${what}: shows ${keys.map((k) => k.split('.').pop()).join(', ')} as the key, which its English catalogue has`, async () => {
        if (fault) sim.addFault(fault);
        const texts = await statusTexts(type, props, inputs, (seen) => keys.every((k) => seen.includes(k)));
        texts.filter((t) => keys.includes(t)).should.eql(keys, texts.join(' | '));
        for (const key of texts.filter((t) => KEY.test(t))) {
          key.should.startWith(`${type}.`);
          english(key).should.not.equal(key, `${key} is not in the catalogue`);
        }
      });
    }

    describe('a failure: the code and a short reason', () => {
      /** The red status a job status node shows when each poll answers `status` with `body`. */
      async function failedStatus(status, body) {
        sim.addFault({ type: 'status', status, body: JSON.stringify(body), times: -1 });
        const texts = await statusTexts('aims360-job-status', {}, [{ jobId: 'job-1' }], (seen) => seen.some((t) => /^[A-Z_]+(: |$)/.test(t)));
        return texts.find((t) => /^[A-Z_]+(: |$)/.test(t));
      }

      it("shows the API's own words after the code: \"API_ERROR: view not found\"", async () => {
        (await failedStatus(404, { Message: 'View not found.' })).should.equal('API_ERROR: view not found');
      });

      it('cuts a long reason at a word, short enough for a status', async () => {
        const text = await failedStatus(400, { Message: 'The view named Open Orders with a very long explanation of what went wrong here.' });
        text.should.equal('API_ERROR: the view named Open Orders with a very…');
      });

      it('never shows the token, even when the API echoes it', async () => {
        const text = await failedStatus(401, { Message: `${TOKEN} is not valid` });
        text.should.startWith('AUTH_FAILED: ');
        text.should.not.containEql(TOKEN);
      });

      it('shows the first clause of our own message when the API said nothing', async () => {
        await load([...baseFlow(sim), { id: 'node', type: 'aims360-job-status', z: 'tab', server: 'no-such-config', wires: [] }], creds);
        const seen = collect(helper.getNode('statuses'));
        helper.getNode('node').receive({ jobId: 'job-1' });
        while (!seen.length) await wait(10);
        seen[0].status.should.match({ fill: 'red', shape: 'ring', text: 'BAD_INPUT: no AIMS360 server is set' });
      });
    });

    it('translates in the runtime what has a count or a name: "GET request", "waiting on 2 jobs"', async () => {
      (await statusTexts('aims360-request', { method: 'GET', path: 'jobsmanagement/odata/v1.0/backgroundjob' }, [{}], (t) => t.length >= 2))[0]
        .should.equal('GET request');
      await helper.unload();
      const texts = await statusTexts('aims360-wait-for-job', {}, [{ jobId: 'job-slow' }, { jobId: 'job-slow-2' }], (t) => t.includes('waiting on 2 jobs'));
      texts.should.containEql('waiting on 2 jobs');
    });
  });
});
