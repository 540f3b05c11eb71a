// The fetch that ky sends through (activities/http/fetch.ts) behaves as fetch does where connectors
// rely on it: status, headers and body; redirects followed; null bodies; aborts reject with the
// signal's reason; network failures, also in the middle of a body, as TypeError('fetch failed').
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetch } from '../../activities/http/fetch';

const f = createFetch({});
let server: http.Server;
let url: string;
const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/target' }).end();
      if (req.url === '/empty') return void res.writeHead(204).end();
      if (req.url === '/cookies') return void res.writeHead(200, { 'set-cookie': ['a=1', 'b=2'], 'x-ratelimit-remaining': '7' }).end('ok');
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      if (req.url === '/cut') {
        // Promises 1,000 bytes, sends 10, then the connection is reset.
        res.writeHead(200, { 'content-length': '1000', 'content-type': 'application/json' });
        res.write('{"items":[');
        return void setTimeout(() => res.socket?.destroy(), 20);
      }
      if (req.url === '/missing') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not here"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, method: req.method, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('a Request with a JSON body: method, headers and body arrive; the answer reads as JSON', async () => {
  const res = await f(new Request(`${url}/echo?x=1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"a":1}' }));
  assert.equal(res.status, 200);
  assert.equal(res.statusText, 'OK');
  assert.deepEqual(await res.json(), { path: '/echo?x=1', method: 'POST', body: '{"a":1}' });
  const last = seen.at(-1)!;
  assert.equal(last.headers.authorization, 'Bearer t');
  assert.equal(last.headers['content-length'], '7');
});

test('redirects are followed, as fetch does', async () => {
  const res = await f(`${url}/redirect`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { path: string }).path, '/target');
});

test("redirect: 'manual' hands back the redirect", async () => {
  const res = await f(`${url}/redirect`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/target');
});

test('204 has a null body; an error status keeps its body', async () => {
  const empty = await f(`${url}/empty`);
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  const missing = await f(`${url}/missing`);
  assert.equal(missing.status, 404);
  assert.equal(missing.statusText, 'Not Found');
  assert.deepEqual(await missing.json(), { message: 'not here' });
});

test('repeated headers are kept', async () => {
  const res = await f(`${url}/cookies`);
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.equal(res.headers.get('x-ratelimit-remaining'), '7');
});

test("an aborted request rejects with its signal's reason", async () => {
  const controller = new AbortController();
  const reason = new Error('activity cancelled');
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(f(`${url}/slow`, { signal: controller.signal }), (err) => err === reason);
});

test("a refused connection and a body cut short are TypeError('fetch failed'), with the cause", async () => {
  const refused = http.createServer();
  await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', resolve));
  const port = (refused.address() as AddressInfo).port;
  await new Promise((resolve) => refused.close(resolve));
  for (const target of [`http://127.0.0.1:${port}/`, `${url}/cut`]) {
    await assert.rejects(f(target), (err: unknown) => err instanceof TypeError && err.message === 'fetch failed' && (err as { cause?: unknown }).cause instanceof Error);
  }
});
