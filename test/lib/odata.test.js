// src/lib/odata.ts: OData literals, filters and query strings as AIMS360 reads them, and the
// path and query kept of a nextLink.
require('should');
const { odataString, jobIdFilter, buildQueryString, pathAndQuery } = require('../../dist/src/lib/odata.js');

describe('lib: OData building', () => {
  it('leaves out empty query options and names $skip and $select', () => {
    // An empty filter from the editor must not become "$filter=" (the API would refuse it).
    buildQueryString({ filter: '', orderby: '', top: 5 }).should.equal('$top=5');
    buildQueryString({ skip: 100, select: 'jobId,jobStatus' }).should.equal('$skip=100&$select=jobId%2CjobStatus');
    buildQueryString({ top: 0 }).should.equal('$top=0');
  });

  it('doubles quotes inside string literals', () => {
    odataString("O'Brien").should.equal("'O''Brien'");
    jobIdFilter(['a', 'b']).should.equal("jobId eq 'a' or jobId eq 'b'");
  });

  it('encodes spaces as %20, never +, and keeps & and = inside values', () => {
    const q = buildQueryString({ filter: "jobStatus eq 'a&b=c'", top: 5, orderby: 'createdDate desc' });
    q.should.equal("$filter=jobStatus%20eq%20'a%26b%3Dc'&$orderby=createdDate%20desc&$top=5");
    buildQueryString({}).should.equal('');
  });

  it('keeps only path and query of a nextLink', () => {
    pathAndQuery('https://evil.example.com/jobsmanagement/odata/v1.0/backgroundjob?$skip=100').should.equal('/jobsmanagement/odata/v1.0/backgroundjob?$skip=100');
    pathAndQuery('/x?y=1').should.equal('/x?y=1');
  });

  it('answers BAD_RESPONSE for a nextLink that is not a URL', () => {
    (() => pathAndQuery('http://[not a host')).should.throw({ code: 'BAD_RESPONSE', message: /nextLink/ });
  });
});
