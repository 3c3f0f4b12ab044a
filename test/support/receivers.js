// What the export examples deliver to: an MQTT broker (aedes) and a plain HTTP
// receiver, each on a loopback port, recording everything that reaches them.
const http = require('node:http');
const net = require('node:net');
const { Aedes } = require('aedes');

/** Stops a server, cutting the connections still open (a client that keeps reconnecting). */
function closer(server) {
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () => new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * An MQTT broker on host:port (0: a free port). Resolves { host, port, published, close() };
 * `published` holds every message a client published: { topic, payload (text), qos, clientId }.
 */
async function startBroker({ host = '127.0.0.1', port = 0 } = {}) {
  const aedes = await Aedes.createBroker();
  const published = [];
  aedes.on('publish', (packet, client) => {
    // Without a client it is the broker's own ($SYS) message.
    if (client) published.push({ topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8'), qos: packet.qos, clientId: client.id });
  });
  const server = net.createServer(aedes.handle);
  const stop = closer(server);
  const bound = await listen(server, port, host);
  return {
    host,
    port: bound,
    published,
    close: async () => {
      await new Promise((resolve) => aedes.close(resolve));
      await stop();
    },
  };
}

/**
 * An HTTP server on a free loopback port that answers every request 204 and keeps it.
 * Resolves { url, requests, close() }; `requests` holds { method, path, headers, body (text) }.
 * `onRequest(request)` runs as each one arrives, before it is answered.
 */
async function startReceiver(onRequest = () => {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      onRequest(request);
      res.writeHead(204);
      res.end();
    });
  });
  const stop = closer(server);
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, requests, close: stop };
}

module.exports = { startBroker, startReceiver };
