// The Port simulator's rate limits and fault knobs over real HTTP: x-ratelimit-* headers, 429 with
// Retry-After once a family's budget is spent, a fresh budget after the window, and injected 429
// storms, connection resets and slow answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'port-apispec.yaml';
let sim: PortSim;
let token: string;

async function call(method: string, path: string, body?: unknown, auth = true) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await fetch(sim.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
}

before(async () => {
  // Port's budgets / 1000 over a 2 s window: 15 blueprint calls, 10 single upserts, 35 searches.
  sim = new PortSim({ rateLimits: { scale: 0.001, windowSeconds: 2 } });
  sim.record = true;
  await sim.start();
  token = (await call('POST', '/v1/auth/access_token', sim.credentials, false)).body.accessToken as string;
  sim.putBlueprint({ identifier: 'svc', title: 'Service', schema: { properties: {} } });
});

after(() => sim.stop());

test('every answer carries x-ratelimit-*; over budget is 429 with Retry-After until the window resets', async () => {
  const first = await call('GET', '/v1/blueprints/svc');
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ratelimit-period'), '2');
  assert.equal(first.headers.get('x-ratelimit-limit'), '15');
  assert.equal(first.headers.get('x-ratelimit-remaining'), '14');
  const reset = Number(first.headers.get('x-ratelimit-reset'));
  assert.ok(reset >= Date.now() / 1000 && reset <= Date.now() / 1000 + 3, 'reset is the window end in epoch seconds');

  for (let i = 13; i >= 0; i--) {
    const res = await call('GET', '/v1/blueprints');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(i));
  }
  const limited = await call('GET', '/v1/blueprints/svc');
  assert.equal(limited.status, 429);
  assert.deepEqual([limited.body.ok, limited.body.error], [false, 'rate_limit_exceeded']);
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
  assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');

  // Families are budgeted apart: entity search still has room.
  assert.equal((await call('POST', '/v1/blueprints/svc/entities/search', {})).status, 200);

  await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50));
  const again = await call('GET', '/v1/blueprints/svc');
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('x-ratelimit-remaining'), '14');
});

test('single-entity upserts have their own, smaller budget than bulk upserts', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await call('POST', '/v1/blueprints/svc/entities?upsert=true', { identifier: `e${i}` })).status);
  assert.deepEqual(statuses, [...Array(10).fill(201), 429]);
  const bulk = await call('POST', '/v1/blueprints/svc/entities/bulk?upsert=true', { entities: [{ identifier: 'e10' }] });
  assert.equal(bulk.status, 200);
  assert.equal(bulk.headers.get('x-ratelimit-limit'), '35');
});

test('fault knobs: a 429 storm, connection resets, slow answers', async () => {
  sim.faults.throttleRatio = 1;
  sim.faults.throttleRetryAfterSeconds = 7;
  const storm = await call('POST', '/v1/blueprints/svc/entities/search', {});
  assert.equal(storm.status, 429);
  assert.equal(storm.headers.get('retry-after'), '7');
  sim.faults.throttleRatio = 0;

  sim.faults.resetRatio = 1;
  await assert.rejects(call('POST', '/v1/blueprints/svc/entities/search', {}), TypeError);
  sim.faults.resetRatio = 0;

  sim.faults.slowRatio = 1;
  sim.faults.slowMs = 150;
  const started = Date.now();
  assert.equal((await call('POST', '/v1/blueprints/svc/entities/search', {})).status, 200);
  assert.ok(Date.now() - started >= 140);
  sim.faults.slowRatio = 0;

  sim.http.faults.errorRatio = 1;
  const unavailable = await call('POST', '/v1/blueprints/svc/entities/search', {});
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.body.ok, false);
  sim.http.faults.errorRatio = 0;
  assert.ok(sim.http.count('/entities/search') >= 4);
});

test('every request and response above matches port-apispec.yaml (429 and injected 503 are not in the spec)', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
    // Port documents 429 on its rate-limit page, not in the spec; 503 is the simulator's injected outage.
    undocumentedStatuses: [429, 503],
  });
  const violations = validator.validateAll(sim.exchanges);
  assert.equal(violations.length, 0, formatViolations(violations));
});
