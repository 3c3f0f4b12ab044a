// src/lib/typed-values.ts: which CSV texts become numbers and booleans, and which stay text.
require('should');
const { typedValue, typedRow, typedRows, typedRowStream } = require('../../dist/src/lib/typed-values.js');

describe('typed values (lib)', () => {
  it('hands on a number or boolean whose text it writes back exactly', () => {
    const cases = [['12', 12], ['-3.5', -3.5], ['0', 0], ['0.1', 0.1], ['485.55', 485.55], ['9007199254740991', 9007199254740991],
      ['-9007199254740991', -9007199254740991], ['true', true], ['false', false]];
    for (const [text, value] of cases) typedValue(text).should.equal(value, text);
  });

  it('keeps as text what would not survive the round trip, so no code or price changes', () => {
    const texts = ['00123', '1e3', '1e-7', '1e+21', '12.50', '78.00', '+5', ' 7', '7 ', '12345678901234567890', '9007199254740993',
      '9007199254740992', 'NaN', 'Infinity', '-Infinity', '', '-0', '.5', '5.', '0x1F', '1_000', '1,5', 'TRUE', 'True', 'FALSE', 'yes', 'null', 'SO100000'];
    for (const text of texts) typedValue(text).should.equal(text, JSON.stringify(text));
  });

  it('types each text cell of a row in place, and leaves cells of other kinds as they are', () => {
    const date = new Date(0);
    const row = { qty: '12', code: '00123', ok: 'true', n: 5, none: null, when: date };
    typedRow(row).should.equal(row);
    row.should.eql({ qty: 12, code: '00123', ok: true, n: 5, none: null, when: date });
    typedRows([{ a: '1' }, { a: 'x' }]).should.eql([{ a: 1 }, { a: 'x' }]);
  });

  it('types rows as a parser streams them', async () => {
    async function* rows() {
      yield { a: '1', b: 'b' };
      yield { a: '-2.25', b: 'false' };
    }
    const seen = [];
    for await (const row of typedRowStream(rows())) seen.push(row);
    seen.should.eql([{ a: 1, b: 'b' }, { a: -2.25, b: false }]);
  });
});
