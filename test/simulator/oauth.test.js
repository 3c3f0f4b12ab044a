// The AIMS360 simulator, simulator/oauth.ts: the static token and the OAuth2 password grant, as AIMS360 authenticates.
require('should');
const { useSimulator, TOKEN, AUTH, JOBS, DENIED, sleep } = require('../support/simulator');

describe('AIMS360 simulator', function () {
  let sim;
  const { get, another } = useSimulator((started) => (sim = started));

  describe('authentication', () => {
    it('answers 401 with the AIMS360 message without a valid token', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }]) {
        const res = await get(JOBS, headers);
        res.status.should.equal(401);
        res.headers.get('content-type').should.startWith('application/json');
        (await res.json()).should.eql(DENIED);
      }
      (await get(JOBS)).status.should.equal(200);
      (await get(JOBS, { authorization: `bearer ${TOKEN}` })).status.should.equal(200);
    });

    it('accepts a custom static token and one set through config', async () => {
      const s = await another({ token: 'my-token' });
      (await fetch(`${s.url}${JOBS}`, { headers: { authorization: 'Bearer my-token' } })).status.should.equal(200);
      (await fetch(`${s.url}${JOBS}`, { headers: AUTH })).status.should.equal(401);
      s.setConfig({ token: 'next' });
      (await fetch(`${s.url}${JOBS}`, { headers: { authorization: 'Bearer next' } })).status.should.equal(200);
    });

    it('answers 404 JSON for unknown routes', async () => {
      const res = await get('/nothing/here');
      res.status.should.equal(404);
      (await res.json()).should.eql({ Message: 'No HTTP resource was found that matches the request URI' });
    });

    describe('OAuth password grant', () => {
      const form = (fields) => new URLSearchParams({ grant_type: 'password', client_id: 'sim-client', client_secret: 'sim-secret', username: 'operator@example.com', password: 'sim-password', ...fields });
      const tokenCall = (s, fields, headers = {}) =>
        fetch(`${s.url}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form(fields) });

      it('issues a bearer token that the API accepts', async () => {
        const res = await tokenCall(sim, {});
        res.status.should.equal(200);
        const body = await res.json();
        body.token_type.should.equal('Bearer');
        body.expires_in.should.equal(3600);
        body.access_token.should.be.a.String().and.not.be.empty();
        (await get(JOBS, { authorization: `Bearer ${body.access_token}` })).status.should.equal(200);
      });

      it('serves the grant at the documented /authentication/v1/authentication/token (any case) as at /connect/token', async () => {
        for (const route of ['/authentication/v1/authentication/token', '/Authentication/v1/Authentication/Token', '/connect/token']) {
          const res = await fetch(`${sim.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({}) });
          res.status.should.equal(200, route);
          const { access_token: token } = await res.json();
          (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(200);
        }
        const bad = await fetch(`${sim.url}/authentication/v1/authentication/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ password: 'nope' }) });
        bad.status.should.equal(400);
        // The grant holds secrets: its body stays out of the log.
        sim.log.filter((e) => /token$/i.test(e.path)).every((e) => e.body === undefined).should.be.true();
      });

      it('takes client credentials from HTTP Basic auth too', async () => {
        const basic = Buffer.from('sim-client:sim-secret').toString('base64');
        const res = await tokenCall(sim, { client_id: '', client_secret: '' }, { authorization: `Basic ${basic}` });
        res.status.should.equal(200);
      });

      it('refuses wrong credentials', async () => {
        const bad = await tokenCall(sim, { password: 'nope' });
        bad.status.should.equal(400);
        (await bad.json()).error.should.equal('invalid_grant');
        const badClient = await tokenCall(sim, { client_secret: 'nope' });
        badClient.status.should.equal(401);
        (await badClient.json()).should.eql({ error: 'invalid_client' });
      });

      it('honours custom credentials and tokenTtlSeconds', async () => {
        const s = await another({ oauth: { clientId: 'c', clientSecret: 's', username: 'u', password: 'p', tokenTtlSeconds: 1 } });
        const res = await tokenCall(s, { client_id: 'c', client_secret: 's', username: 'u', password: 'p' });
        const { access_token: token, expires_in: ttl } = await res.json();
        ttl.should.equal(1);
        const call = () => fetch(`${s.url}${JOBS}`, { headers: { authorization: `Bearer ${token}` } });
        (await call()).status.should.equal(200);
        await sleep(1100);
        const expired = await call();
        expired.status.should.equal(401);
        (await expired.json()).should.eql(DENIED);
      });

      it('expireTokens() invalidates every issued token but not the static one', async () => {
        const { access_token: token } = await (await tokenCall(sim, {})).json();
        (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(200);
        sim.expireTokens();
        (await get(JOBS, { authorization: `Bearer ${token}` })).status.should.equal(401);
        (await get(JOBS)).status.should.equal(200);
      });
    });
  });
});
