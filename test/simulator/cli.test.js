// The AIMS360 simulator, simulator/cli.ts: the aims360-simulator command line.
require('should');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { JOBS, rawRequest } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  describe('command line', () => {
    it('prints the URL and token, serves, and exits cleanly on SIGTERM', async function () {
      this.timeout(10000);
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--port', '0', '--token', 'cli-token', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let out = '';
        const url = await new Promise((resolve, reject) => {
          child.stdout.on('data', (d) => {
            out += d;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m && out.includes('cli-token')) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)));
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const res = await fetch(`${url}${JOBS}`, { headers: { authorization: 'Bearer cli-token' } });
        res.status.should.equal(200);
        (await res.json()).value.length.should.be.aboveOrEqual(6);
        const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
        child.kill('SIGTERM');
        (await exited).should.eql({ code: 0, signal: null });
        // Bound to loopback: nothing to warn about.
        err.should.equal('');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('warns loudly when bound beyond loopback, and answers the names given with --allow-host', async function () {
      this.timeout(10000);
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--port', '0', '--host', '0.0.0.0', '--allow-host', 'sim.lan,sim.home'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let out = '';
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const url = await new Promise((resolve, reject) => {
          child.stdout.on('data', (d) => {
            out += d;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`cli exited early with ${code}: ${err}`)));
        });
        err.should.match(/WARNING: the simulator listens on 0\.0\.0\.0 \(every network interface\)/);
        err.should.match(/no authentication/);
        for (const host of ['sim.lan', 'sim.home:8360', 'localhost']) (await rawRequest(`${url}/_sim/`, { headers: { host } })).status.should.equal(200, host);
        (await rawRequest(`${url}/_sim/`, { headers: { host: 'evil.example' } })).status.should.equal(403);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('refuses unknown options', async () => {
      const cli = path.join(__dirname, '..', '..', 'dist', 'simulator', 'cli.js');
      const child = spawn(process.execPath, [cli, '--bogus'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const code = await new Promise((resolve) => child.once('exit', resolve));
      code.should.equal(2);
    });
  });
});
