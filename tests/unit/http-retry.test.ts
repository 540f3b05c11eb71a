// In-request retries against a real local HTTP server: what is retried, how often, and never sooner
// than the server asked (invariant 7).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { apiClient, type ApiClientOptions } from '../../activities/http/client';
import { toActivityFailure } from '../../activities/http/errors';
import { idempotentPost } from '../../activities/http/retry';
import { SimServer, type SimResponse } from '../../sim/http';

const servers: SimServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A server whose n-th request (from 0) gets `script[n]` (the last entry repeats); it records arrival times. */
async function scripted(script: Array<(n: number) => SimResponse>) {
  const sim = new SimServer();
  servers.push(sim);
  const arrivals: number[] = [];
  const answer = () => {
    const n = arrivals.push(Date.now()) - 1;
    return script[Math.min(n, script.length - 1)]!(n);
  };
  sim.route('GET', '/thing', answer).route('POST', '/thing', answer);
  const url = await sim.listen();
  return { url, arrivals };
}

// A fresh limiter key per client: each test has its own account.
const client = (url: string, options: ApiClientOptions = {}) =>
  apiClient('test', { prefixUrl: url, limitKey: `test:${randomUUID()}`, retryPolicy: { baseDelayMs: 20 }, ...options });

const ok = (): SimResponse => ({ status: 200, body: { ok: true } });

test('429 with Retry-After in seconds: retried once, not sooner than asked', async () => {
  const { url, arrivals } = await scripted([() => ({ status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } }), ok]);
  assert.deepEqual(await client(url).get('thing').json(), { ok: true });
  assert.equal(arrivals.length, 2);
  assert.ok(arrivals[1]! - arrivals[0]! >= 1000, `retried after ${arrivals[1]! - arrivals[0]!} ms`);
});

test('429 with Retry-After as an HTTP date: the retry arrives at or after that date', async () => {
  let retryAt = 0;
  const { url, arrivals } = await scripted([
    () => {
      const date = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1-2 s from now
      retryAt = Date.parse(date);
      return { status: 429, headers: { 'retry-after': date } };
    },
    ok,
  ]);
  await client(url).get('thing').json();
  assert.equal(arrivals.length, 2);
  assert.ok(arrivals[1]! >= retryAt, `retry ${retryAt - arrivals[1]!} ms early`);
});

test('503 then 200: retried', async () => {
  const { url, arrivals } = await scripted([() => ({ status: 503, body: { error: 'unavailable' } }), ok]);
  assert.deepEqual(await client(url).get('thing').json(), { ok: true });
  assert.equal(arrivals.length, 2);
});

test('5xx every time: the retry budget is bounded, then a retryable activity failure', async () => {
  const { url, arrivals } = await scripted([() => ({ status: 502, body: { message: 'bad gateway' } })]);
  const err = await client(url, { retryPolicy: { baseDelayMs: 5, retries: 3 } }).get('thing').json().catch((e: unknown) => e);
  assert.equal(arrivals.length, 4);
  const failure = (await toActivityFailure(err, 'test')) as ApplicationFailure;
  assert.equal(failure.nonRetryable, false);
  assert.match(failure.message, /test API: GET \/thing answered 502: bad gateway/);
});

test('429s in between do not use up the budget for other failures; that budget still ends a request', async () => {
  const throttle = (): SimResponse => ({ status: 429, headers: { 'retry-after': '0' }, body: { message: 'slow down' } });
  const down = (): SimResponse => ({ status: 503, body: { message: 'unavailable' } });
  const policy = { retryPolicy: { baseDelayMs: 5, retries: 2, throttleRetries: 6 } };
  // 2 failures and 4 throttles: 6 retries in all, within both budgets.
  const mixed = await scripted([down, throttle, throttle, throttle, throttle, down, ok]);
  assert.deepEqual(await client(mixed.url, policy).get('thing').json(), { ok: true });
  assert.equal(mixed.arrivals.length, 7);
  // A third failure ends it, however few retries came before.
  const failing = await scripted([down, throttle, down, down, ok]);
  const err = await client(failing.url, policy).get('thing').json().catch((e: unknown) => e);
  assert.equal(failing.arrivals.length, 4);
  assert.match(((await toActivityFailure(err, 'test')) as ApplicationFailure).message, /answered 503/);
});

test('400 is not retried and fails the activity for good with the API\'s message', async () => {
  const { url, arrivals } = await scripted([() => ({ status: 400, body: { ok: false, error: 'invalid_request', message: 'identifier is bad' } })]);
  const err = await client(url).get('thing').json().catch((e: unknown) => e);
  assert.equal(arrivals.length, 1);
  const failure = (await toActivityFailure(err, 'test')) as ApplicationFailure;
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.nonRetryable, true);
  assert.equal(failure.message, 'test API: GET /thing answered 400: identifier is bad');
});

test('a POST is retried only when the caller marks it idempotent', async () => {
  const plain = await scripted([() => ({ status: 503 }), ok]);
  await assert.rejects(client(plain.url).post('thing', { json: {} }).json());
  assert.equal(plain.arrivals.length, 1);
  const marked = await scripted([() => ({ status: 503 }), ok]);
  assert.deepEqual(await client(marked.url).post('thing', { json: {}, ...idempotentPost }).json(), { ok: true });
  assert.equal(marked.arrivals.length, 2);
});

test('Retry-After longer than the in-request budget: no retry here; Temporal waits it out', async () => {
  const { url, arrivals } = await scripted([() => ({ status: 429, headers: { 'retry-after': '120' } }), ok]);
  const err = await client(url).get('thing').json().catch((e: unknown) => e);
  assert.equal(arrivals.length, 1);
  const failure = (await toActivityFailure(err, 'test')) as ApplicationFailure;
  assert.equal(failure.nonRetryable, false);
  assert.equal(failure.nextRetryDelay, 120_000);
});

test('a 429 storm with Retry-After: every request waits out the pause, then all succeed', async () => {
  let throttledUntil = 0;
  const sim = new SimServer();
  servers.push(sim);
  const arrivals: Array<{ at: number; status: number }> = [];
  let first429 = 0;
  sim.route('GET', '/thing', () => {
    const at = Date.now();
    // The first request starts a 1 s throttle; the server answers 429 until it ends.
    if (arrivals.length === 0) throttledUntil = at + 1000;
    const status = at < throttledUntil ? 429 : 200;
    if (status === 429 && !first429) first429 = at;
    arrivals.push({ at, status });
    return status === 429 ? { status, headers: { 'retry-after': '1' } } : ok();
  });
  const url = await sim.listen();
  const http = client(url);
  const results = await Promise.all(Array.from({ length: 20 }, () => http.get('thing').json()));
  assert.equal(results.length, 20);
  const early = arrivals.filter((a) => a.at > first429 && a.at < first429 + 1000);
  assert.deepEqual(early, [], 'no request may arrive while the server asked for a pause');
  assert.ok(arrivals.filter((a) => a.status === 429).length <= 2, `429s: ${arrivals.filter((a) => a.status === 429).length}`);
});

test('a reset connection is retried for GET and marked POSTs, not for other POSTs', async () => {
  let n = 0;
  const server: Server = createServer((req, res) => {
    // Odd requests: the connection is dropped without an answer.
    if (n++ % 2 === 0) return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  assert.deepEqual(await client(url).get('x').json(), { ok: true });
  assert.equal(n, 2);
  assert.deepEqual(await client(url).post('x', { json: {}, ...idempotentPost }).json(), { ok: true });
  assert.equal(n, 4);
  await assert.rejects(client(url).post('x', { json: {} }).json(), /fetch failed/);
  assert.equal(n, 5);
});
