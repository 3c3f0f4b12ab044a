// src/lib/auth.ts: the token sources, a static token and the OAuth2 password grant (its form,
// its cache shared by concurrent callers, its refresh before expiry, and what it refuses).
require('should');
const { tokenUrlFor, StaticToken, PasswordGrant } = require('../../dist/src/lib/auth.js');

const creds = { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };

describe('lib: OAuth2 token cache', () => {
  const creds = { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };

  it('fetches once for concurrent callers and again shortly before expiry', async () => {
    let now = 0;
    let calls = 0;
    let release;
    const grant = new PasswordGrant(creds, () => {
      calls += 1;
      return new Promise((resolve) => (release = () => resolve({ access_token: `t${calls}`, expires_in: 100 })));
    }, () => now);
    const waiting = Promise.all([grant.token(), grant.token(), grant.token()]);
    release();
    (await waiting).should.eql(['t1', 't1', 't1']);
    now = 89_000;
    (await grant.token()).should.equal('t1');
    now = 91_000;
    const again = grant.token();
    release();
    (await again).should.equal('t2');
    calls.should.equal(2);
  });

  it('drops a token that failed with 401 so the next call fetches one', async () => {
    let calls = 0;
    const grant = new PasswordGrant(creds, async () => ({ access_token: `t${++calls}`, expires_in: 3600 }));
    const first = await grant.token();
    grant.invalidate('some-other-token').should.be.true();
    (await grant.token()).should.equal(first);
    grant.invalidate(first);
    (await grant.token()).should.equal('t2');
  });

  it('answers BAD_RESPONSE when the token URL sends no access_token', async () => {
    const grant = new PasswordGrant(creds, async () => ({ nope: 1 }));
    await grant.token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
  });
});

describe('lib: token sources', () => {
  it('uses the token URL given, else the documented endpoint under the base URL', () => {
    tokenUrlFor('https://apiwest.aims360.rest/', '').should.equal('https://apiwest.aims360.rest/authentication/v1/authentication/token');
    tokenUrlFor(' https://apiwest.aims360.rest ', undefined).should.equal('https://apiwest.aims360.rest/authentication/v1/authentication/token');
    tokenUrlFor('https://apiwest.aims360.rest', ' https://login.example/token ').should.equal('https://login.example/token');
  });

  it('needs a token, never asks again for a static one, and hides it', async () => {
    (() => new StaticToken('')).should.throw({ code: 'BAD_INPUT', message: /No token/ });
    const source = new StaticToken('abc');
    (await source.token()).should.equal('abc');
    source.invalidate('abc').should.be.false();
    source.secrets().should.eql(['abc']);
  });

  it('names every OAuth2 field left empty', () => {
    (() => new PasswordGrant({ ...creds, clientSecret: '', password: '' }, async () => ({}))).should.throw({
      code: 'BAD_INPUT', message: 'OAuth2 needs clientSecret, password: fill them in on the config node.',
    });
  });

  it('posts the password grant form and hides the secret, the password and the token', async () => {
    let form;
    const grant = new PasswordGrant(creds, async (f) => ((form = f), { access_token: 'tok', expires_in: 3600 }));
    grant.secrets().should.eql(['s', 'p']);
    (await grant.token()).should.equal('tok');
    form.should.eql({ grant_type: 'password', client_id: 'c', client_secret: 's', username: 'u', password: 'p' });
    grant.secrets().should.eql(['s', 'p', 'tok']);
  });

  it('refreshes a minute before expiry (a tenth of a short lifetime), an hour without expires_in', async () => {
    let now = 0;
    let n = 0;
    const grant = (expires) => new PasswordGrant(creds, async () => ({ access_token: `t${++n}`, expires_in: expires }), () => now);
    const long = grant(3600);
    await long.token();
    now = 3_539_000;
    (await long.token()).should.equal('t1');
    now = 3_541_000;
    (await long.token()).should.equal('t2');

    now = 0;
    const none = grant(undefined);
    (await none.token()).should.equal('t3');
    now = 3_539_000;
    (await none.token()).should.equal('t3');
    now = 3_541_000;
    (await none.token()).should.equal('t4');

    // A lifetime of 0 (or below) is no lifetime: an hour, as without one.
    now = 0;
    const zero = grant(0);
    const first = await zero.token();
    now = 3_539_000;
    (await zero.token()).should.equal(first);

    now = 0;
    const short = grant(10);
    await short.token();
    now = 8_900;
    (await short.token()).should.equal('t6');
    now = 9_100;
    (await short.token()).should.equal('t7');
  });

  it('refuses an empty access_token and an answer that is no object', async () => {
    await new PasswordGrant(creds, async () => ({ access_token: '' })).token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
    await new PasswordGrant(creds, async () => 'access_token=x').token().should.be.rejectedWith({ code: 'BAD_RESPONSE' });
  });
});

describe('lib: auth at its edges', () => {
  it('the token URL: the config\'s own, else the documented path under the base URL whatever its trailing slashes', () => {
    tokenUrlFor('https://a.example//', '').should.equal('https://a.example/authentication/v1/authentication/token');
    tokenUrlFor(' https://a.example/api/ ', undefined).should.equal('https://a.example/api/authentication/v1/authentication/token');
    tokenUrlFor('https://a.example', ' https://id.example/t ').should.equal('https://id.example/t');
  });

  it('a password-grant token is used until its refresh time, then fetched again', async () => {
    let now = 0;
    let asked = 0;
    const token = new PasswordGrant({ clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
      async () => ({ access_token: `t${++asked}`, expires_in: 100 }), () => now);
    (await token.token()).should.equal('t1');
    // expires_in 100 s, refreshed 10 s ahead: at 90 s.
    now = 89_999;
    (await token.token()).should.equal('t1');
    now = 90_000;
    (await token.token()).should.equal('t2');
    asked.should.equal(2);
  });

  it('an answer without access_token says to check the Token URL', async () => {
    const token = new PasswordGrant({ clientId: 'c', clientSecret: 's', username: 'u', password: 'p' }, async () => ({ token: 'x' }));
    await token.token().should.be.rejectedWith({ code: 'BAD_RESPONSE', message: 'The token URL answered without an access_token: check the Token URL.' });
  });
});
