// The README's pictures are in docs/ (npm run screenshots writes them).
require('should');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

describe('README', () => {
  it('shows only screenshots that exist in docs/', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/(?:\]\(|src=")(docs\/[^)"]+\.png)/g)].map((m) => m[1]);
    images.length.should.be.above(5);
    for (const image of images) fs.existsSync(path.join(root, image)).should.be.true(image);
  });
});
