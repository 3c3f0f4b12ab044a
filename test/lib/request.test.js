// src/lib/request.ts: the request node's method, path, query, body and headers, what it says
// when one is wrong, and the calls it makes through a client.
const should = require('should');
const { AimsError } = require('../../dist/src/lib/errors.js');
const request = require('../../dist/src/lib/request.js');
const { readMethod, readPath, encodeQuery, bodyOptions, safeHeaders, callApi } = request;
const { scriptedClient, badInput } = require('../support/lib');

describe('lib: any-endpoint requests', () => {
  it('reads the method, GET by default, and refuses others', () => {
    readMethod(undefined).should.equal('GET');
    readMethod('').should.equal('GET');
    readMethod('POST').should.equal('POST');
    // The request spec's rule, as at deploy and in the dialog: written as listed.
    for (const bad of ['get', 'post', ' GET', 'HEAD', 'OPTIONS', 'CONNECT', 'GET ME']) (() => readMethod(bad)).should.throw({ code: 'BAD_INPUT' });
  });

  it('sends msg.payload as the body of POST, PUT and PATCH only (CONTRACT.md, aims360-request)', () => {
    request.METHODS.filter((method) => request.BODY_METHODS.includes(method)).should.eql(['POST', 'PUT', 'PATCH']);
  });

  it('needs a path as text', () => {
    readPath(' reports/v1.0/exportdata ').should.equal('reports/v1.0/exportdata');
    for (const bad of [undefined, '', '  ', 5, {}]) (() => readPath(bad)).should.throw({ code: 'BAD_INPUT' });
  });

  it('encodes a query object with %20, repeats the key of a list and leaves out null', () => {
    encodeQuery({ $filter: "jobStatus eq 'Failed'", $top: 5, flag: true, a: ['x y', 'z+'], none: null, gone: undefined })
      .should.equal("%24filter=jobStatus%20eq%20'Failed'&%24top=5&flag=true&a=x%20y&a=z%2B");
    (encodeQuery(undefined) === undefined).should.be.true();
    // A query of null (as JSON gives it): no query, as when none is set.
    (encodeQuery(null) === undefined).should.be.true();
    (encodeQuery('') === undefined).should.be.true();
    (encodeQuery({}) === undefined).should.be.true();
    for (const bad of ['a=b', 5, [1], Buffer.from('x'), { a: { b: 1 } }, { a: [{}] }, { n: NaN }]) {
      (() => encodeQuery(bad)).should.throw({ code: 'BAD_INPUT' });
    }
  });

  it('sends objects as JSON, JSON text as JSON, other text as text and buffers as bytes', () => {
    bodyOptions({ a: 1 }).should.eql({ json: { a: 1 } });
    bodyOptions([1]).should.eql({ json: [1] });
    bodyOptions(0).should.eql({ json: 0 });
    bodyOptions('{"a":1}').headers['content-type'].should.equal('application/json');
    bodyOptions('hello').headers['content-type'].should.match(/^text\/plain/);
    bodyOptions(Buffer.from('x')).headers['content-type'].should.equal('application/octet-stream');
    bodyOptions(undefined).should.eql({});
    bodyOptions(null).should.eql({});
  });

  it('passes on headers without cookies', () => {
    safeHeaders({ 'content-type': 'application/json', 'set-cookie': ['s=1'], gone: undefined }).should.eql({ 'content-type': 'application/json' });
  });
});

describe('lib: the request node\'s inputs (request.ts)', () => {
  it('a method as the request spec lists it; empty is GET; anything else says the five', () => {
    request.readMethod('POST').should.equal('POST');
    request.readMethod(undefined).should.equal('GET');
    request.readMethod(null).should.equal('GET');
    request.readMethod('').should.equal('GET');
    for (const bad of ['FETCH', ' post ', 'get']) {
      (() => request.readMethod(bad)).should.throw(badInput(`The method must be one of GET, POST, PUT, PATCH, DELETE, not "${bad}".`));
    }
    (() => request.readMethod(0)).should.throw(badInput('The method must be one of GET, POST, PUT, PATCH, DELETE.'));
  });

  it('a path must be text', () => {
    request.readPath(' /x ').should.equal('/x');
    for (const bad of ['', '  ', undefined, 5]) {
      (() => request.readPath(bad)).should.throw(badInput('No path: set the Path property, e.g. reports/v1.0/reports/exportdata.'));
    }
  });

  it('a query is an object of text, numbers, booleans or lists of them', () => {
    request.encodeQuery({ a: 'x y', b: 2, c: true, d: [1, null, 'z'], e: undefined }).should.equal('a=x%20y&b=2&c=true&d=1&d=z');
    for (const bad of [[1], 'a=b', 5, Buffer.from('a')]) {
      (() => request.encodeQuery(bad)).should.throw(badInput('The query must be an object of names and values, e.g. {"$top": 10}.'));
    }
    for (const bad of [{ n: { deep: 1 } }, { n: NaN }, { n: [Infinity] }]) {
      (() => request.encodeQuery(bad)).should.throw(badInput('The query value of "n" must be text, a number, a boolean or a list of them.'));
    }
  });

  it('every error here is an AimsError', () => {
    (() => request.readPath('')).should.throw(AimsError);
  });
});

describe('lib: calls through the client', () => {
  it('sends no body with GET, the body with others, and retries POST only when asked', async () => {
    const client = scriptedClient({}, {}, {});
    await callApi(client, { method: 'GET', path: '/a', query: { $top: 1 }, body: { x: 1 } });
    await callApi(client, { method: 'POST', path: '/b', body: { x: 1 } });
    await callApi(client, { method: 'POST', path: '/c', body: 'text', retryPost: true });
    client.calls[0].should.match({ target: '/a', method: 'GET', query: '%24top=1' });
    client.calls[0].should.not.have.property('json');
    should(client.calls[0].retry).be.undefined();
    client.calls[1].should.match({ target: '/b', method: 'POST', json: { x: 1 } });
    should(client.calls[1].retry).be.undefined();
    client.calls[2].should.match({ body: 'text', retry: true });
  });
});
