// zod at the edge: an unexpected body fails where it enters, naming the API, route and fields.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { apiClient, requestJson } from '../../activities/http/client';
import { parseRequest, parseResponse } from '../../activities/http/parse';
import { searchResponseSchema } from '../../activities/port/schemas';
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

test("Port's entities are checked in place: properties must be an object, relations identifiers, lists or null", () => {
  const good = { identifier: 'a', properties: { n: 1, tags: ['x'], url: null }, relations: { one: 'b', many: ['c'], none: null } };
  const parsed = parseResponse('port', 'post', '/v1/blueprints/service/entities/search', searchResponseSchema, { entities: [good] });
  assert.deepEqual(parsed.entities[0], good);
  const bad = { entities: [good, { identifier: 'b', properties: ['x'] }, { identifier: 'c', relations: { owner: 7 } }, { identifier: 'd', relations: { deps: ['e', 8] } }] };
  assert.throws(
    () => parseResponse('port', 'post', '/v1/blueprints/service/entities/search', searchResponseSchema, bad),
    (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.match(err.message, /entities\[1\]\.properties: expected an object of property values/);
      assert.match(err.message, /entities\[2\]\.relations: expected an object of relation values/);
      assert.match(err.message, /entities\[3\]\.relations: /);
      assert.doesNotMatch(err.message, /entities\[0\]/);
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
