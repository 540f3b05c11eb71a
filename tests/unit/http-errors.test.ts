import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError } from 'ky';
import { retryAfterMs, toActivityFailure } from '../../activities/http/errors';

const httpError = (status: number, body: unknown, headers: Record<string, string> = {}) => {
  const request = new Request('http://api.example/v1/things?page=2', { method: 'GET' });
  const response = new Response(JSON.stringify(body), { status, headers });
  return new HTTPError(response, request, {} as never);
};

test('4xx other than 408/429 fail for good, with the API, path and the API\'s own message', async () => {
  for (const status of [400, 401, 403, 404, 422]) {
    const failure = (await toActivityFailure(httpError(status, { message: 'nope' }), 'demo')) as ApplicationFailure;
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, true, String(status));
    assert.equal(failure.message, `demo API: GET /v1/things answered ${status}: nope`);
  }
});

test('408, 429 and 5xx are retried, no sooner than Retry-After', async () => {
  for (const status of [408, 429, 500, 502, 503]) {
    const failure = (await toActivityFailure(httpError(status, { error: 'busy' }, { 'retry-after': '7' }), 'demo')) as ApplicationFailure;
    assert.equal(failure.nonRetryable, false, String(status));
    assert.equal(failure.nextRetryDelay, 7000);
  }
});

test('Retry-After as seconds or an HTTP date; garbage is ignored', () => {
  const now = Date.parse('2026-11-22T00:00:00Z');
  assert.equal(retryAfterMs('3', now), 3000);
  assert.equal(retryAfterMs('Sun, 22 Nov 2026 00:00:10 GMT', now), 10_000);
  assert.equal(retryAfterMs('Sat, 21 Nov 2026 23:59:00 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs(null, now), undefined);
});

test('errors that are not HTTP answers pass through unchanged', async () => {
  const err = new TypeError('fetch failed');
  assert.equal(await toActivityFailure(err, 'demo'), err);
});
