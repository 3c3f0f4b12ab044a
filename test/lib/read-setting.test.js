// src/lib/read-setting.ts: numbers and booleans as the editor saves them (text or values), their
// defaults, and the message that names a setting and the range it must keep to.
require('should');
const { readNumber, readBoolean, readNumberSetting, readSetting } = require('../../dist/src/lib/read-setting.js');
const { jobIdSetting } = require('../../dist/src/lib/settings.js');
const { badInput } = require('../support/lib');

describe('lib: reading a setting by its rule', () => {
  it('reads numbers saved as strings and refuses the rest', () => {
    readNumber('', 7, 'x').should.equal(7);
    readNumber('12', 7, 'x').should.equal(12);
    readNumber(3, 7, 'x', { min: 1, integer: true }).should.equal(3);
    (() => readNumber('1.5', 7, 'x', { integer: true })).should.throw({ code: 'BAD_INPUT' });
    (() => readNumber('0', 7, 'x', { min: 1 })).should.throw({ code: 'BAD_INPUT' });
    (() => readNumber(true, 7, 'x')).should.throw({ code: 'BAD_INPUT' });
    readBoolean('true', false).should.be.true();
    readBoolean(undefined, true).should.be.true();
  });
});

describe('lib: settings read from the editor', () => {
  it('says what a number must be, with its range', () => {
    // The message is what a user sees under the node: it names the limits to stay within.
    (() => readNumber('0', 5, 'Interval (s)', { min: 1, max: 10, integer: true })).should.throw({ code: 'BAD_INPUT', message: 'Interval (s) must be a whole number from 1 to 10.' });
    (() => readNumber('11', 5, 'Interval (s)', { min: 1, max: 10 })).should.throw({ message: 'Interval (s) must be a number from 1 to 10.' });
    (() => readNumber('-1', 5, 'Timeout', { min: 0 })).should.throw({ message: 'Timeout must be a number of at least 0.' });
    (() => readNumber('abc', 5, 'Size')).should.throw({ message: 'Size must be a number.' });
    (() => readNumber(Infinity, 5, 'Size')).should.throw({ code: 'BAD_INPUT' });
  });

  it('takes the bounds themselves, a number with spaces, and null or blanks as the default', () => {
    readNumber('1', 5, 'x', { min: 1, max: 10, integer: true }).should.equal(1);
    readNumber(10, 5, 'x', { min: 1, max: 10, integer: true }).should.equal(10);
    readNumber(' 2.5 ', 5, 'x').should.equal(2.5);
    readNumber(null, 5, 'x').should.equal(5);
    readNumber('   ', 5, 'x').should.equal(5);
  });

  it('reads false as false, whatever the default', () => {
    readBoolean(false, true).should.be.false();
    readBoolean('false', true).should.be.false();
    readBoolean(true, false).should.be.true();
    readBoolean('', false).should.be.false();
    readBoolean('yes', true).should.be.true();
  });
});

describe('lib: a number setting and its label', () => {
  it('a number setting names itself by its label, and is read as a number even without a number rule', () => {
    (() => readNumberSetting('x', { value: 5, label: 'interval', rule: { kind: 'number', min: 1 } }))
      .should.throw(badInput('Interval (s) must be a number of at least 1.'));
    (() => readNumberSetting('x', { value: 5, label: 'top' })).should.throw(badInput('Top must be a number.'));
    readNumberSetting('', { value: 5 }).should.equal(5);
  });
});

describe('lib: one value read by its setting (readSetting)', () => {
  it('gives a choice back spelt as listed, whatever case it came in', () => {
    const format = { value: 'CSV', rule: { kind: 'oneOf', values: ['CSV', 'Excel'], ignoreCase: true } };
    readSetting(format, 'excel').should.equal('Excel');
    readSetting(format, '').should.equal('CSV');
    (() => readSetting(format, 'pdf')).should.throw(badInput('value must be one of CSV, Excel, not "pdf".'));
  });

  it('names an unlabelled setting "value", or the name it is given', () => {
    (() => readSetting({ value: 1, rule: { kind: 'number', min: 1 } }, 0)).should.throw(badInput('value must be a number of at least 1.'));
    (() => readSetting({ value: 1, rule: { kind: 'number', min: 1 } }, 0, 'Top')).should.throw(badInput('Top must be a number of at least 1.'));
  });

  it('checks a typed setting\'s value (a typed input already evaluated it) as its literal type\'s', () => {
    (() => readSetting(jobIdSetting(), 'a b')).should.throw(badInput('The job id may hold only letters, digits, "-" and "_", at most 128 characters.'));
    readSetting(jobIdSetting(), 'job-1').should.equal('job-1');
  });
});
