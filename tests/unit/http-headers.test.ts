// What a server's answer asks us to wait, read with suspicion: a Retry-After that is really an epoch
// timestamp, or that names a wait of days, must not stall an API account for the life of the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError } from 'ky';
import { toActivityFailure } from '../../activities/http/errors';
import { retryAfterMs, SERVER_WAIT_CAP_MS, serverWaitMs } from '../../activities/http/headers';

const now = Date.parse('2026-11-22T00:00:00Z');
const epoch = (msFromNow: number) => String((now + msFromNow) / 1000);

test('a Retry-After of 1e9 or more is epoch seconds sent as a delay: read as the time it names', () => {
  assert.equal(retryAfterMs(epoch(30_000), now), 30_000);
  // The value from port-labs/ocean#2689, now in the past: go at once.
  assert.equal(retryAfterMs('1771404540', now), 0);
  assert.equal(retryAfterMs('999999999', now), 999_999_999_000);
});

test('every wait a server asks for is capped at one Port window (300 s)', () => {
  assert.equal(SERVER_WAIT_CAP_MS, 300_000);
  const wait = (status: number, headers: Record<string, string>) => serverWaitMs(new Response(null, { status, headers }), now);
  assert.equal(wait(429, { 'retry-after': '86400' }), SERVER_WAIT_CAP_MS);
  assert.equal(wait(503, { 'retry-after': epoch(10 * 365 * 86_400_000) }), SERVER_WAIT_CAP_MS);
  assert.equal(wait(429, { 'retry-after': 'Sun, 21 Nov 2027 00:00:00 GMT' }), SERVER_WAIT_CAP_MS);
  // A spent window whose reset is a year away (no period header to bound it).
  assert.equal(wait(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(365 * 86_400_000) }), SERVER_WAIT_CAP_MS);
  assert.equal(wait(429, { 'retry-after': '7' }), 7000);
});

test('the nextRetryDelay Temporal gets is capped the same way', async () => {
  const request = new Request('http://api.example/v1/things', { method: 'GET' });
  const response = new Response('{}', { status: 503, headers: { 'retry-after': '1000000000000' } });
  const failure = (await toActivityFailure(new HTTPError(response, request, {} as never), 'demo')) as ApplicationFailure;
  assert.equal(failure.nextRetryDelay, SERVER_WAIT_CAP_MS);
});
