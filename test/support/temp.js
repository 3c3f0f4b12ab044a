const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** A fresh directory for each test of the enclosing describe, removed after it; returns a getter. */
function useTempDir(prefix) {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

module.exports = { useTempDir };
