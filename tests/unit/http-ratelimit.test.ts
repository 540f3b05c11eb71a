// Pacing from x-ratelimit-* headers against a real local server that keeps one fixed-window counter
// per account, as Port does per organisation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { apiClient } from '../../activities/http/client';
import { RateLimiter } from '../../activities/http/rateLimit';
import { SimServer } from '../../sim/http';
import { TokenBucket } from '../../sim/incidentio/server';

const servers: SimServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** Fixed windows of `periodS` seconds aligned to the epoch; 429 past `limit`; counts what it answered. */
async function limitedServer(limit: number, periodS: number, latencyMs = 0) {
  const sim = new SimServer();
  servers.push(sim);
  const stats = { ok: 0, throttled: 0, inFlight: 0, maxInFlight: 0 };
  let window = 0;
  let used = 0;
  sim.route('GET', '/thing', async () => {
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    if (latencyMs) await sleep(latencyMs);
    stats.inFlight--;
    const now = Date.now();
    const current = Math.floor(now / 1000 / periodS);
    if (current !== window) [window, used] = [current, 0];
    const reset = String((current + 1) * periodS);
    const over = used >= limit;
    if (!over) used++;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limit - used),
      'x-ratelimit-reset': reset,
      'x-ratelimit-period': String(periodS),
      ...(over ? { 'retry-after': String(Math.max(1, Math.ceil(((current + 1) * periodS * 1000 - now) / 1000))) } : {}),
    };
    if (over) stats.throttled++;
    else stats.ok++;
    return over ? { status: 429, headers, body: { ok: false, error: 'rate_limited' } } : { status: 200, headers, body: { ok: true } };
  });
  return { url: await sim.listen(), stats };
}

const client = (url: string, key = randomUUID()) => apiClient('test', { prefixUrl: url, limitKey: `test:${key}` });

test('a budget that binds: requests are spread over the window and none is refused', async () => {
  const { url, stats } = await limitedServer(10, 1);
  const http = client(url);
  await Promise.all(Array.from({ length: 30 }, () => http.get('thing').json()));
  assert.equal(stats.ok, 30);
  assert.equal(stats.throttled, 0);
});

test('two replicas (two limiters) on one account pace from the shared counter and stay within it', async () => {
  const { url, stats } = await limitedServer(20, 2);
  const [a, b] = [client(url), client(url)];
  // Start with a window, so the test is not about a window that ends 10 ms after the first answer.
  await sleep(2000 - (Date.now() % 2000) + 10);
  await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).get('thing').json()));
  assert.equal(stats.ok, 60);
  // Each replica learns of the other's requests one answer late: the last request or two of a window can overlap.
  assert.ok(stats.throttled <= 4, `${stats.throttled} requests refused`);
});

test('a plentiful budget does not serialize requests', async () => {
  const { url, stats } = await limitedServer(100_000, 60, 30);
  const http = client(url);
  await Promise.all(Array.from({ length: 100 }, () => http.get('thing').json()));
  assert.equal(stats.ok, 100);
  assert.ok(stats.maxInFlight >= 20, `at most ${stats.maxInFlight} requests were in flight together`);
});

test('remaining 0: nothing goes until the reset', async () => {
  const sim = new SimServer();
  servers.push(sim);
  const arrivals: number[] = [];
  let reset = 0;
  sim.route('GET', '/thing', () => {
    arrivals.push(Date.now());
    if (arrivals.length === 1) reset = Math.ceil(Date.now() / 1000) + 1;
    return { status: 200, headers: { 'x-ratelimit-remaining': arrivals.length === 1 ? '0' : '5', 'x-ratelimit-reset': String(reset) }, body: {} };
  });
  const http = client(await sim.listen());
  await http.get('thing').json();
  await http.get('thing').json();
  assert.ok(arrivals[1]! >= reset * 1000, `second request ${reset * 1000 - arrivals[1]!} ms before the reset`);
});

test('a spent budget that resets later than the in-request budget ends the attempt for Temporal to retry', async () => {
  const sim = new SimServer();
  servers.push(sim);
  let n = 0;
  sim.route('GET', '/thing', () => {
    n++;
    return { status: 200, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60), 'x-ratelimit-period': '300' }, body: {} };
  });
  const http = client(await sim.listen());
  await http.get('thing').json();
  const err = await http.get('thing').json().catch((e: unknown) => e);
  assert.equal(n, 1, 'the second request was never sent');
  assert.ok(err instanceof ApplicationFailure);
  assert.equal(err.type, 'RateLimited');
  assert.equal(err.nonRetryable, false);
  assert.ok(err.nextRetryDelay && Number(err.nextRetryDelay) > 55_000);
});

test('a token bucket (limit;window=W) is spent down to its reserve, then used at its refill rate, without a 429', async () => {
  const bucket = new TokenBucket(40, 1); // 40 tokens, refilled at 40/s
  const sim = new SimServer();
  servers.push(sim);
  let lowest = Infinity;
  let throttled = 0;
  sim.route('GET', '/thing', () => {
    const { allowed, headers } = bucket.take();
    if (!allowed) throttled++;
    lowest = Math.min(lowest, Number(headers['x-ratelimit-remaining']));
    return allowed ? { status: 200, headers, body: { ok: true } } : { status: 429, headers, body: { type: 'too_many_requests' } };
  });
  const http = client(await sim.listen());
  for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 30 }, () => http.get('thing').json()));
  assert.equal(throttled, 0);
  // Paced as a window ("remaining over the time until full"), the bucket would settle near half full.
  assert.ok(lowest <= 40 * 0.05 + 2, `the bucket went down to ${lowest} of 40`);
});

/** A limiter of its own that has seen one answer (so requests no longer wait for the first one). */
async function learnedLimiter(headers: Record<string, string> = {}) {
  const limiter = new RateLimiter(`test:${randomUUID()}`);
  await limiter.acquire();
  limiter.finished(new Response(null, { status: 200, headers }));
  return limiter;
}

test('a first request aborted before it goes does not hold the others back for the first answer', async () => {
  const limiter = new RateLimiter(`probe:${randomUUID()}`);
  const aborted = new AbortController();
  aborted.abort(new Error('cancelled'));
  await assert.rejects(limiter.acquire(aborted.signal), /cancelled/);
  // The next request probes instead of waiting FIRST_RESPONSE_WAIT_MS (5 s) for an answer that never comes.
  const next = await Promise.race([limiter.acquire().then(() => 'went'), sleep(1000, 'held back')]);
  assert.equal(next, 'went');
});

test('a Retry-After of years pauses the key for at most 300 s, and an epoch timestamp in it is read as one', async () => {
  const limiter = await learnedLimiter();
  // Epoch seconds sent as a delay (port-labs/ocean#2689), a moment ago: no pause at all.
  await limiter.acquire();
  limiter.finished(new Response(null, { status: 429, headers: { 'retry-after': String(Math.floor(Date.now() / 1000) - 5) } }));
  await limiter.acquire(undefined, 20_000);
  // Three years as seconds: capped at one Port window, so the key is free again within 5 minutes.
  limiter.finished(new Response(null, { status: 429, headers: { 'retry-after': String(3 * 365 * 86_400) } }));
  const err = await limiter.acquire(undefined, 20_000).catch((e: unknown) => e);
  assert.ok(err instanceof ApplicationFailure);
  assert.equal(err.type, 'RateLimited');
  const delay = Number(err.nextRetryDelay);
  assert.ok(delay > 290_000 && delay <= 300_000, `nextRetryDelay ${delay} ms`);
});

for (const [what, status, extra] of [
  ['a 429 reports the reset 300 s away', 429, {}],
  ['an answer spends the window', 200, {}],
  ['a 503 asks for 300 s', 503, { 'retry-after': '300' }],
] as const) {
  test(`requests already waiting fail as a newcomer would when ${what} (maxWaitMs)`, async (t) => {
    // Port-like budget deep in a window: 20 left of 35,000 for 300 s, so requests are spaced 15 s.
    const reset = String(Math.floor(Date.now() / 1000) + 300);
    const budget = { 'x-ratelimit-limit': '35000', 'x-ratelimit-reset': reset, 'x-ratelimit-period': '300' };
    const limiter = await learnedLimiter({ ...budget, 'x-ratelimit-remaining': '20' });
    await limiter.acquire(undefined, 20_000);
    // Should it still be waiting when the test ends, it must not keep the process up for 5 minutes.
    const stop = new AbortController();
    t.after(() => stop.abort());
    const waiting = limiter.acquire(stop.signal, 20_000).catch((e: unknown) => e);
    await sleep(20);
    limiter.finished(new Response(null, { status, headers: { ...budget, 'x-ratelimit-remaining': status === 503 ? '19' : '0', ...extra } }));
    const started = Date.now();
    const err = await Promise.race([waiting, sleep(1000, 'still waiting')]);
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'RateLimited');
    assert.ok(Date.now() - started < 100);
    assert.ok(Number(err.nextRetryDelay) > 290_000, `nextRetryDelay ${err.nextRetryDelay} ms`);
  });
}
