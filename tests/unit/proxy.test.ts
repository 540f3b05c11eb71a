import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import ky from 'ky';
import { createFetch } from '../../activities/http/fetch';

// Note: undici 7's EnvHttpProxyAgent has no implicit bypass for localhost/127.0.0.1
// (see #shouldProxy in node_modules/undici/lib/dispatcher/env-http-proxy-agent.js: only
// NO_PROXY entries bypass), so a 127.0.0.1 target really goes through the proxy below.

let target: http.Server;
let proxy: http.Server;
let targetUrl: string;
let proxyUrl: string;
const forwarded: string[] = []; // absolute-form request URIs the proxy forwarded
const tunnels: string[] = []; // CONNECT authorities the proxy tunnelled

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

before(async () => {
  // Target echoes what it saw; `via` tells whether the proxy handled the request.
  target = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, method: req.method, via: req.headers.via ?? null, body }));
    });
  });
  // Minimal forward proxy: absolute-URI requests are re-issued upstream, CONNECT is piped.
  proxy = http.createServer((req, res) => {
    forwarded.push(req.url ?? '');
    const upstream = http.request(
      new URL(req.url ?? ''),
      { method: req.method, headers: { ...req.headers, via: '1.1 test-proxy' } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  targetUrl = `http://127.0.0.1:${await listen(target)}`;
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});

after(() => {
  for (const s of [target, proxy]) {
    s.closeAllConnections();
    s.close();
  }
});

async function getVia(f: typeof fetch, path: string): Promise<{ path: string; via: string | null }> {
  const res = await f(`${targetUrl}${path}`);
  assert.equal(res.status, 200);
  return (await res.json()) as { path: string; via: string | null };
}

test('HTTP_PROXY routes http:// requests through the proxy', async () => {
  const before = forwarded.length;
  const body = await getVia(createFetch({ HTTP_PROXY: proxyUrl }), '/a');
  assert.deepEqual(forwarded.slice(before), [`${targetUrl}/a`]);
  assert.equal(body.path, '/a');
  assert.equal(body.via, '1.1 test-proxy');
});

test('lower-case http_proxy is honoured too', async () => {
  const before = forwarded.length;
  await getVia(createFetch({ http_proxy: proxyUrl }), '/lower');
  assert.equal(forwarded.length, before + 1);
});

test('NO_PROXY covering the target host goes direct', async () => {
  const before = forwarded.length;
  const body = await getVia(createFetch({ HTTP_PROXY: proxyUrl, NO_PROXY: 'example.com,127.0.0.1' }), '/b');
  assert.equal(forwarded.length, before);
  assert.equal(body.via, null);
});

test('NO_PROXY for other hosts does not bypass the proxy', async () => {
  const before = forwarded.length;
  const body = await getVia(createFetch({ HTTP_PROXY: proxyUrl, NO_PROXY: 'example.com,localhost' }), '/c');
  assert.equal(forwarded.length, before + 1);
  assert.equal(body.via, '1.1 test-proxy');
});

test('no proxy variables: direct, and process.env is not consulted', async () => {
  const saved = process.env.HTTP_PROXY;
  process.env.HTTP_PROXY = proxyUrl; // must be ignored: createFetch only reads the env it is given
  try {
    const before = forwarded.length;
    const body = await getVia(createFetch({}), '/d');
    assert.equal(forwarded.length, before);
    assert.equal(body.via, null);
  } finally {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
  }
});

test('works as ky fetch (global Request with JSON body) through the proxy', async () => {
  const before = forwarded.length;
  const api = ky.create({ prefixUrl: targetUrl, fetch: createFetch({ HTTP_PROXY: proxyUrl }), retry: 0 });
  const body = await api.post('echo', { json: { hello: 'world' } }).json<Record<string, unknown>>();
  assert.equal(forwarded.length, before + 1);
  assert.deepEqual(body, { path: '/echo', method: 'POST', via: '1.1 test-proxy', body: '{"hello":"world"}' });
});

test('https:// requests are tunnelled with CONNECT via HTTPS_PROXY', async () => {
  // No certificate in this test: the target speaks plain HTTP, so the TLS handshake inside
  // the tunnel fails. What is checked is that the proxy was asked to CONNECT to the target.
  const before = tunnels.length;
  const host = new URL(targetUrl).host;
  await assert.rejects(createFetch({ HTTPS_PROXY: proxyUrl })(`https://${host}/e`));
  assert.deepEqual(tunnels.slice(before), [host]);
});
