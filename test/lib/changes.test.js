// src/lib/changes.ts, changes only's diff without Node-RED: first run, change, removal, no change,
// two key columns, bad keys, the stored form and its size.
require('should');
const { ChangeRun, readKeyColumns, usableFingerprints, HASH_BYTES } = require('../../dist/src/lib/changes.js');

const order = (no, qty, extra = {}) => ({ 'Order No': no, Qty: qty, ...extra });

/** One run over rows: the rows handed on, and what finish gives. */
function run(columns, stored, rows, name = 'orders.csv') {
  const r = new ChangeRun(columns, stored);
  const handed = rows.filter((row, i) => r.check(row, i + 1, name));
  return { handed, ...r.finish() };
}

describe('changes only (src/lib/changes.ts)', () => {
  it('reads key columns: trimmed, comma separated, each once', () => {
    readKeyColumns(' Style, Color ,,Size,Style ').should.eql(['Style', 'Color', 'Size']);
    readKeyColumns('').should.eql([]);
    readKeyColumns(undefined).should.eql([]);
  });

  it('hands on every row as added on the first run, then only what changed, with the removed keys', () => {
    const first = run(['Order No'], undefined, [order('A', 1), order('B', 2), order('C', 3)]);
    first.handed.length.should.equal(3);
    first.counts.should.eql({ added: 3, changed: 0, removed: 0, unchanged: 0 });
    first.removed.should.eql([]);

    const second = run(['Order No'], first.stored, [order('A', 1), order('B', 5), order('D', 4)]);
    second.handed.should.eql([order('B', 5), order('D', 4)]);
    second.counts.should.eql({ added: 1, changed: 1, removed: 1, unchanged: 1 });
    second.removed.should.eql([{ 'Order No': 'C' }]);

    const third = run(['Order No'], second.stored, [order('D', 4), order('B', 5), order('A', 1)]);
    third.handed.should.eql([]);
    third.counts.should.eql({ added: 0, changed: 0, removed: 0, unchanged: 3 });
  });

  it('keys on several columns, and gives removed keys with their values as read (numbers stay numbers)', () => {
    const row = (style, size, qty) => ({ Style: style, Color: 'red', Size: size, Qty: qty });
    const first = run(['Style', 'Size'], undefined, [row('S1', 'M', 1), row('S1', 'L', 1), row(7, 'M', 1)]);
    first.counts.added.should.equal(3);
    const second = run(['Style', 'Size'], first.stored, [row('S1', 'M', 2), row('S1', 'L', 1)]);
    second.handed.should.eql([row('S1', 'M', 2)]);
    second.removed.should.eql([{ Style: 7, Size: 'M' }]);
  });

  it('sees a change in any column, a column added or gone, but not columns in another order', () => {
    const first = run(['Order No'], undefined, [order('A', 1), order('B', 1), order('C', 1)]);
    const second = run(['Order No'], first.stored, [
      { Qty: 1, 'Order No': 'A' },
      order('B', 1, { Note: '' }),
      order('C', '1'),
    ]);
    second.handed.map((r) => r['Order No']).should.eql(['B', 'C']);
  });

  it('starts over (every row added, none removed) when the key columns changed or nothing usable is stored', () => {
    const first = run(['Order No'], undefined, [order('A', 1)]);
    run(['Order No', 'Qty'], first.stored, [order('A', 1)]).counts.should.eql({ added: 1, changed: 0, removed: 0, unchanged: 0 });
    run(['Order No'], { ...first.stored, hashes: '' }, [order('A', 1)]).counts.added.should.equal(1);
    run(['Order No'], 'garbage', [order('A', 1)]).counts.added.should.equal(1);
    (usableFingerprints(first.stored, ['Order No']) === first.stored).should.be.true();
  });

  it('uses stored fingerprints only when every part of them is as this version writes them, with these key columns', () => {
    const { stored } = run(['Style', 'Size'], undefined, [{ Style: 'S', Size: 'M' }]);
    (usableFingerprints(stored, ['Style', 'Size']) === stored).should.be.true();
    const broken = [
      undefined, null, { ...stored, v: 2 }, { ...stored, keys: 5 }, { ...stored, hashes: null }, { ...stored, columns: 'Style,Size' },
    ];
    for (const bad of broken) (usableFingerprints(bad, ['Style', 'Size']) === undefined).should.be.true(JSON.stringify(bad));
    for (const columns of [['Style'], ['Style', 'Size', 'Color'], ['Size', 'Style'], ['Style', 'Color']]) {
      (usableFingerprints(stored, columns) === undefined).should.be.true(columns.join());
    }
    // Columns as a text whose letters are the column names: not a list.
    const short = run(['S', 'M'], undefined, [{ S: 1, M: 2 }]).stored;
    (usableFingerprints({ ...short, columns: 'SM' }, ['S', 'M']) === undefined).should.be.true();
  });

  it('keeps every fingerprint over runs that change nothing, the last rows included', () => {
    let stored;
    for (let n = 0; n < 3; n++) {
      const next = run(['Order No'], stored, [order('A', 1), order('B', 2)]);
      next.counts.should.eql(n === 0 ? { added: 2, changed: 0, removed: 0, unchanged: 0 } : { added: 0, changed: 0, removed: 0, unchanged: 2 }, `run ${n}`);
      next.stored.keys.should.equal('["A"]\n["B"]');
      stored = next.stored;
    }
  });

  it('stores the new keys of a run of more than 4,096 (one chunk) one a line, and finds them all next time', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => order(`K${i}`, i));
    const { stored } = run(['Order No'], undefined, rows);
    const lines = stored.keys.split('\n');
    lines.length.should.equal(5000);
    lines[4095].should.equal('["K4095"]');
    lines[4096].should.equal('["K4096"]');
    run(['Order No'], stored, rows).counts.should.eql({ added: 0, changed: 0, removed: 0, unchanged: 5000 });
  });

  it('holds new keys in chunks of 4,096, not a string per key, and lets go of its index once finished', () => {
    const r = new ChangeRun(['Order No'], undefined);
    for (let i = 0; i < 5000; i++) r.check(order(`K${i}`, i), i + 1, 'orders.csv');
    // Private, but the point of the design (bench/changes.js): what a run holds per key.
    r.chunks.length.should.equal(1);
    r.chunk.length.should.equal(5000 - 4096);
    r.finish();
    [r.chunks.length, r.chunk.length, r.table.length, r.hashes.length, r.seen.length, r.idHi.length].should.eql([0, 0, 0, 0, 0, 0]);
  });

  it('finds a key twice after its index grew (past 1,024 keys)', () => {
    const rows = Array.from({ length: 1100 }, (_, i) => order(`K${i}`, i));
    (() => run(['Order No'], undefined, [...rows, order('K3', 0)])).should.throw({ code: 'BAD_INPUT', message: /data row 1101 of orders\.csv has the key Order No = K3/ });
  });

  it('hashes each row by its own columns when rows of one document have different columns, in any order', () => {
    const rows = [
      { Amt: 2, 'Order No': 'C' },
      { 'Order No': 'B', Qty: 1 },
      { 'Order No': 'A', Qty: 1, Note: 'x' },
    ];
    const first = run(['Order No'], undefined, rows);
    const again = run(['Order No'], first.stored, [rows[2], rows[1], rows[0]]);
    again.counts.should.eql({ added: 0, changed: 0, removed: 0, unchanged: 3 });
  });

  it('refuses an empty key, a key twice and a missing key column with BAD_INPUT naming the key and the row', () => {
    const bad = (rows, words) => (() => run(['Order No'], undefined, rows)).should.throw({ code: 'BAD_INPUT', message: words });
    bad([order('A', 1), order('', 1)], /data row 2 of orders\.csv has no value in the key column "Order No"/);
    bad([order('A', 1), order('  ', 1)], /data row 2 /);
    bad([order('A', 1), order(null, 1)], /data row 2 /);
    bad([order('A', 1), order(undefined, 1)], /data row 2 of orders\.csv has no value/);
    // A key that is only a number or false is a key.
    run(['Order No'], undefined, [order(0, 1), order(false, 1)]).counts.added.should.equal(2);
    bad([order('A', 1), order('B', 1), order('A', 2)], /data row 3 of orders\.csv has the key Order No = A, which an earlier row/);
    bad([{ Order: 'A', Qty: 1 }], /the key column "Order No" is not in orders\.csv \(data row 1\)/);
    const two = [{ Style: 'S1', Size: 'M' }, { Style: 'S1', Size: 'M' }];
    (() => run(['Style', 'Size'], undefined, two)).should.throw({ code: 'BAD_INPUT', message: /has the key Style = S1, Size = M, which/ });
  });

  it('keeps the previous fingerprints when a run is dropped part way: the next run compares with the last good one', () => {
    const first = run(['Order No'], undefined, [order('A', 1), order('B', 1)]);
    const broken = new ChangeRun(['Order No'], first.stored);
    broken.check(order('A', 9), 1, 'x').should.be.true();
    (() => broken.check(order('A', 9), 2, 'x')).should.throw({ code: 'BAD_INPUT' });
    // Never finished: what is stored is still the first run's.
    const next = run(['Order No'], first.stored, [order('A', 9), order('B', 1)]);
    next.counts.should.eql({ added: 0, changed: 1, removed: 0, unchanged: 1 });
  });

  it('agrees with a plain model over runs that add, change and remove rows anywhere (past its first growth, 1,024 keys)', () => {
    let seed = 7;
    const random = (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let current = new Map(Array.from({ length: 3000 }, (_, i) => [`K${i}`, i]));
    let stored;
    let model = new Map();
    for (let runNo = 0; runNo < 6; runNo++) {
      const rows = [...current].map(([no, qty]) => order(no, qty));
      const { handed, removed, counts, stored: next } = run(['Order No'], stored, rows);
      const expected = rows.filter((r) => model.get(r['Order No']) !== r.Qty);
      handed.should.eql(expected, `run ${runNo}`);
      removed.map((k) => k['Order No']).sort().should.eql([...model.keys()].filter((k) => !current.has(k)).sort(), `run ${runNo}`);
      counts.unchanged.should.equal(rows.length - expected.length);
      model = new Map(current);
      stored = next;
      // Next run: some rows gone (the first, the last, runs in the middle), some changed, some new.
      const nextRows = new Map();
      let i = 0;
      for (const [no, qty] of current) {
        const gone = i === 0 || i === current.size - 1 || random(10) === 0;
        if (!gone) nextRows.set(no, random(8) === 0 ? qty + 1 : qty);
        i++;
      }
      for (let k = 0; k < 400 + random(800); k++) nextRows.set(`N${runNo}-${k}`, k);
      current = nextRows;
    }
  });

  it(`stores two strings: the keys, and ${HASH_BYTES}-byte hashes in base64 (${Math.ceil((HASH_BYTES * 4) / 3)} characters a row)`, () => {
    const rows = Array.from({ length: 3000 }, (_, i) => order(`ORD-${i}`, i));
    const { stored } = run(['Order No'], undefined, rows);
    stored.v.should.equal(1);
    stored.columns.should.eql(['Order No']);
    stored.keys.split('\n').length.should.equal(3000);
    Buffer.from(stored.hashes, 'base64').length.should.equal(3000 * HASH_BYTES);
    JSON.parse(JSON.stringify(stored)).should.eql(stored);
  });
});
