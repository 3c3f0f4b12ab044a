// Helpers for the tests of src/lib without a network.
const { AimsClient } = require('../../dist/src/lib/client.js');

/**
 * A client whose request/requestJson answer (or throw) the given items in turn and log their
 * calls, and each call's query decoded (`queries`), as a reader of OData filters wants it.
 */
function scriptedClient(...answers) {
  const client = new AimsClient({ baseUrl: 'https://apiwest.aims360.rest', auth: { type: 'token', token: 't' } });
  client.calls = [];
  client.queries = [];
  client.request = async (target, options = {}) => {
    client.calls.push({ target, ...options });
    client.queries.push(decodeURIComponent(options.query ?? ''));
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return { statusCode: 200, headers: {}, body: next };
  };
  client.requestJson = client.request;
  return client;
}

/**
 * Makes `client` trust a test certificate (PEM) in this process, as NODE_EXTRA_CA_CERTS does for a
 * whole Node: its https agent's CA, which every TLS connection of that client, and only of it, uses.
 * (NODE_EXTRA_CA_CERTS is read only when Node starts; in a child process a mutant is not active.)
 */
function trustCertificate(client, pem) {
  client.agents.https.options.ca = pem;
  return client;
}

/** What a refused value throws: BAD_INPUT with exactly this message. */
const badInput = (message) => ({ code: 'BAD_INPUT', message });

module.exports = { scriptedClient, trustCertificate, badInput };
