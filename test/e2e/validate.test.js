// Node-RED's scorecard (node-red-dev validate) on the package as npm packs it, with
// its internet look-ups answered locally (scripts/validate.mjs).
require('should');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installedPackage, workingTypes, root } = require('../support/packed');

describe('node-red-dev validate (packed package)', function () {
  this.timeout(120000);

  it('passes every check it can run offline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-validate-'));
    const out = path.join(dir, 'scorecard.json');
    try {
      let log;
      try {
        log = execFileSync(process.execPath, [path.join(root, 'scripts', 'validate.mjs'), installedPackage(), out], { encoding: 'utf8' });
      } catch (err) {
        throw new Error(`validate failed:\n${err.stdout}${err.stderr}`);
      }
      log.should.containEql('Every check passed.');
      const card = JSON.parse(fs.readFileSync(out, 'utf8'));
      for (const check of ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02']) {
        card.should.have.property(check);
        card[check].test.should.be.true(check);
      }
      card.N02.nodes.should.containDeep(workingTypes);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
