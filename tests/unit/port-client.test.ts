// PortClient against the Port simulator: tokens (one per credential, refreshed once on 401), the
// User-Agent that marks ownership, bulk upserts in batches (20 / 1 MiB, 207, 413 split), and every
// exchange checked against Port's OpenAPI spec.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PortClient } from '../../activities/port/client';
import { upsertEntities } from '../../activities/port/bulkUpsert';
import type { EntityBody } from '../../activities/port/schemas';
import { SimServer } from '../../sim/http';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'port-apispec.yaml';
const BULK = 'POST /v1/blueprints/:blueprint/entities/bulk';
const write = { merge: true, createMissingRelatedEntities: false };

let sim: PortSim;
let client: PortClient;
const sims: PortSim[] = [];

const newClient = (s: PortSim, integrationId = 'demo-1') => new PortClient({ apiUrl: s.url, ...s.credentials, integrationId, version: '9.9.9' });

before(async () => {
  sim = new PortSim();
  sim.record = true;
  await sim.start();
  sim.putBlueprint({
    identifier: 'service',
    title: 'Service',
    schema: { properties: { url: { type: 'string', format: 'url' }, blob: { type: 'string' }, replicas: { type: 'number' } } },
  });
  client = newClient(sim);
});
after(() => Promise.all([sim, ...sims].map((s) => s.stop())));

async function freshSim(options: ConstructorParameters<typeof PortSim>[0] = {}) {
  const s = new PortSim(options);
  sims.push(s);
  await s.start();
  s.putBlueprint({ identifier: 'service', title: 'Service', schema: { properties: {} } });
  return s;
}

const entity = (identifier: string, properties: Record<string, unknown> = {}): EntityBody => ({ identifier, properties, relations: {} });

test('50 concurrent requests on a cold client fetch exactly one token', async () => {
  const s = await freshSim();
  const c = newClient(s);
  await Promise.all(Array.from({ length: 50 }, (_, i) => c.getEntity('service', `none-${i}`)));
  assert.equal(s.tokensIssued, 1);
  // Another client with the same credentials shares the process-wide token.
  await newClient(s, 'other').getEntity('service', 'x');
  assert.equal(s.tokensIssued, 1);
});

test('expired token: the 401 triggers one refresh and the requests succeed', async () => {
  const s = await freshSim({ tokenTtlSeconds: 3600 });
  const c = newClient(s);
  await c.getEntity('service', 'x');
  s.expireTokens();
  const answers = await Promise.all(Array.from({ length: 20 }, () => c.bulkUpsert('service', [entity('svc')], write)));
  assert.equal(answers.length, 20);
  assert.equal(s.tokensIssued, 2);
});

test('the token request carries the credentials and no Authorization header; every request the User-Agent', async () => {
  const seen: Array<{ path: string; authorization?: string; ua?: string }> = [];
  const fake = new SimServer();
  const remember = (path: string) => (req: { headers: Record<string, string | string[] | undefined> }) => {
    seen.push({ path, authorization: req.headers.authorization as string | undefined, ua: req.headers['user-agent'] as string | undefined });
  };
  fake.route('POST', '/v1/auth/access_token', (req) => {
    remember('token')(req);
    assert.deepEqual(req.body, { clientId: 'id-1', clientSecret: 'secret-1' });
    return { status: 200, body: { ok: true, accessToken: 'tok-1', expiresIn: 3600, tokenType: 'Bearer' } };
  });
  fake.route('GET', '/v1/blueprints/:id', (req) => {
    remember('blueprint')(req);
    return { status: 200, body: { ok: true, blueprint: { identifier: req.params.id, title: 'X', schema: { properties: {} }, relations: {} } } };
  });
  const url = await fake.listen();
  after(() => fake.close());
  const c = new PortClient({ apiUrl: url, clientId: 'id-1', clientSecret: 'secret-1', integrationId: 'hum', version: '1.2.3' });
  await c.getBlueprint('a/b');
  assert.deepEqual(seen, [
    { path: 'token', authorization: undefined, ua: 'port-sync/hum/1.2.3' },
    { path: 'blueprint', authorization: 'Bearer tok-1', ua: 'port-sync/hum/1.2.3' },
  ]);
});

test('45 entities go in 3 bulk requests, written with this integration\'s User-Agent', async () => {
  const before = sim.http.count(BULK);
  const entities = Array.from({ length: 45 }, (_, i) => entity(`svc-${i}`, { replicas: i }));
  const outcome = await upsertEntities(client, 'service', entities, write);
  assert.equal(sim.http.count(BULK) - before, 3);
  assert.equal(outcome.written.length, 45);
  assert.deepEqual(outcome.failed, []);
  assert.deepEqual(sim.entity('service', 'svc-7')?.datasource, ['port-sync/demo-1/9.9.9']);
  assert.equal(sim.entity('service', 'svc-7')?.properties.replicas, 7);
});

test('a 207 reports the failing identifier with Port\'s message; the others are written', async () => {
  const outcome = await upsertEntities(client, 'service', [entity('ok-1'), entity('bad-1', { replicas: 'three' }), entity('ok-2')], write);
  assert.deepEqual(outcome.written.sort(), ['ok-1', 'ok-2']);
  assert.equal(outcome.failed.length, 1);
  assert.equal(outcome.failed[0]!.identifier, 'bad-1');
  assert.match(outcome.failed[0]!.message, /^422 invalid_request: .*replicas/);
  assert.equal(sim.entity('service', 'bad-1'), undefined);
});

test('batches stay under 1 MiB: two ~600 KB entities go in separate requests', async () => {
  const big = 'x'.repeat(600 * 1024);
  const before = sim.http.count(BULK);
  const outcome = await upsertEntities(client, 'service', [entity('big-1', { blob: big }), entity('big-2', { blob: big })], write);
  assert.equal(sim.http.count(BULK) - before, 2);
  assert.equal(outcome.written.length, 2);
});

test('413: a batch Port finds too large is split in halves until it fits', async () => {
  const big = 'y'.repeat(600 * 1024);
  const entities = [entity('s-1'), entity('big-3', { blob: big }), entity('s-2'), entity('big-4', { blob: big }), entity('s-3')];
  const seen = sim.exchanges.length;
  // A body budget larger than Port's, as if our estimate were wrong: Port answers 413.
  const outcome = await upsertEntities(client, 'service', entities, { ...write, maxBytes: 4 * 1024 * 1024 });
  assert.deepEqual(outcome.failed, []);
  assert.deepEqual(outcome.written.sort(), ['big-3', 'big-4', 's-1', 's-2', 's-3']);
  // All 5 (1.2 MB) -> 413; then [s-1, big-3, s-2] and [big-4, s-3] fit.
  const bulk = sim.exchanges.slice(seen).filter((x) => x.path.endsWith('/entities/bulk'));
  assert.deepEqual(bulk.map((x) => x.status), [413, 200, 200]);
  assert.equal(sim.entity('service', 'big-4')?.properties.blob, big);
});

test('an entity over 1 MiB on its own, or with an invalid identifier, is reported and not sent', async () => {
  const before = sim.http.count(BULK);
  const outcome = await upsertEntities(client, 'service', [entity('huge', { blob: 'z'.repeat(1100 * 1024) }), entity('has space')], write);
  assert.equal(sim.http.count(BULK) - before, 0);
  assert.deepEqual(outcome.failed.map((f) => f.identifier), ['huge', 'has space']);
  assert.match(outcome.failed[0]!.message, /Port takes at most 1 MiB/);
  assert.match(outcome.failed[1]!.message, /^not sent: identifier: .*no spaces/);
});

test('identifiers with / : and = are URL-encoded in paths', async () => {
  await client.upsertEntity('service', entity('team/a:b=c'), write);
  assert.equal((await client.getEntity('service', 'team/a:b=c'))?.identifier, 'team/a:b=c');
  assert.equal(await client.deleteEntity('service', 'team/a:b=c', { deleteDependents: false }), true);
  assert.equal(await client.deleteEntity('service', 'team/a:b=c', { deleteDependents: false }), false);
  assert.equal(await client.getBlueprint('no-such-blueprint'), undefined);
});

test('search pages through a blueprint with the cursor', async () => {
  const ids: string[] = [];
  for await (const page of client.search('service', [{ property: '$identifier', operator: 'beginsWith', value: 'svc-' }], { limit: 10 })) {
    assert.ok(page.length <= 10);
    ids.push(...page.map((e) => e.identifier));
  }
  assert.equal(ids.length, 45);
  assert.equal(new Set(ids).size, 45);
});

test('a 429 storm and reset connections are ridden out: every entity is written once', async () => {
  const s = await freshSim({ rateLimits: { scale: 0.002, windowSeconds: 2 } });
  const c = newClient(s);
  await c.getEntity('service', 'warm-up');
  s.faults = { ...s.faults, throttleRatio: 0.3, throttleRetryAfterSeconds: 1, resetRatio: 0.1 };
  const entities = Array.from({ length: 200 }, (_, i) => entity(`storm-${i}`));
  const outcome = await upsertEntities(c, 'service', entities, write);
  assert.deepEqual(outcome.failed, []);
  assert.equal(outcome.written.length, 200);
  assert.equal(s.entities('service').length, 200);
});

test('every request and response above matches port-apispec.yaml', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
  });
  assert.ok(sim.exchanges.length > 10);
  const violations = sim.exchanges.flatMap((x) =>
    x.status < 300 ? validator.validate(x) : validator.validateResponse(x.method, x.path, x.status, x.responseBody),
  );
  assert.equal(violations.length, 0, formatViolations(violations));
});
