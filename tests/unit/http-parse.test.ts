// zod at the edge: an unexpected body fails where it enters, naming the API, route and fields.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { apiClient, requestJson } from '../../activities/http/client';
import { parseRequest, parseResponse } from '../../activities/http/parse';
import { SimServer } from '../../sim/http';

const schema = z.object({ entities: z.array(z.object({ identifier: z.string(), properties: z.record(z.string(), z.unknown()) })) });

test('a body that does not match names the API, method, path and every field path', () => {
  const body = { entities: [{ identifier: 'a', properties: {} }, { identifier: 7 }] };
  assert.throws(
    () => parseResponse('port', 'post', '/v1/blueprints/service/entities/search', schema, body),
    (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'UnexpectedResponse');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /^port API: POST \/v1\/blueprints\/service\/entities\/search answered an unexpected body: /);
      assert.match(err.message, /entities\[1\]\.identifier: /);
      assert.match(err.message, /entities\[1\]\.properties: /);
      return true;
    },
  );
});

test('requestJson checks what a real server answered', async () => {
  const sim = new SimServer().route('GET', '/v1/things', () => ({ status: 200, body: { entities: 'nope' } }));
  const url = await sim.listen();
  after(() => sim.close());
  const http = apiClient('demo', { prefixUrl: url, limitKey: randomUUID() });
  await assert.rejects(requestJson(http, 'demo', 'get', 'v1/things', schema), {
    type: 'UnexpectedResponse',
    message: /demo API: GET \/v1\/things answered an unexpected body: entities: /,
  });
});

test('request bodies from user data are checked before they are sent', () => {
  assert.throws(() => parseRequest('port', 'entity "a b"', z.object({ identifier: z.string().regex(/^\S+$/) }), { identifier: 'a b' }), {
    type: 'InvalidRequest',
    message: /port API: entity "a b" is not valid: identifier: /,
  });
});
