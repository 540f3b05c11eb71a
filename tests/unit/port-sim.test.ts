// The Port simulator over real HTTP: auth, blueprints, entity writes, search, deletes and limits,
// each answer checked against Port's behaviour, and all traffic of this file checked against
// Port's OpenAPI spec at the end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'port-apispec.yaml';
const UA = 'port-sync/0.1.0 (integration/humanitec)';

let sim: PortSim;
let token: string;

interface Answer {
  status: number;
  body: Record<string, unknown> & { ok?: boolean; error?: string; message?: string };
  headers: Headers;
}

async function call(method: string, path: string, opts: { body?: unknown; raw?: string; auth?: string | false; ua?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': opts.ua ?? UA };
  if (opts.auth !== false) headers.authorization = `Bearer ${opts.auth ?? token}`;
  const res = await fetch(sim.url + path, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

const accessToken = async () => (await call('POST', '/v1/auth/access_token', { auth: false, body: sim.credentials })).body.accessToken as string;
const enc = encodeURIComponent;

before(async () => {
  sim = new PortSim();
  sim.record = true;
  await sim.start();
  token = await accessToken();
  sim.putBlueprint({ identifier: 'team', title: 'Team', schema: { properties: {} } });
  sim.putBlueprint({
    identifier: 'service',
    title: 'Service',
    schema: {
      properties: {
        language: { type: 'string', enum: ['go', 'ts', 'python'] },
        replicas: { type: 'number' },
        public: { type: 'boolean' },
        deployedAt: { type: 'string', format: 'date-time' },
        url: { type: 'string', format: 'url' },
        labels: { type: 'object' },
        tags: { type: 'array' },
      },
    },
    relations: {
      owner: { target: 'team', required: false, many: false },
      dependsOn: { target: 'service', required: false, many: true },
    },
  });
});

after(() => sim.stop());

test('a token is issued for the right credentials only and reused while it lives', async () => {
  const first = await call('POST', '/v1/auth/access_token', { auth: false, body: sim.credentials });
  assert.equal(first.status, 200);
  assert.equal(first.body.tokenType, 'Bearer');
  assert.equal(first.body.accessToken, token, 'one active token per credential set');
  assert.ok((first.body.expiresIn as number) <= 10_800 && (first.body.expiresIn as number) > 10_000);

  const wrong = await call('POST', '/v1/auth/access_token', { auth: false, body: { clientId: sim.credentials.clientId, clientSecret: 'nope' } });
  assert.equal(wrong.status, 401);
  assert.deepEqual([wrong.body.ok, wrong.body.error], [false, 'unauthorized']);
  assert.equal((await call('GET', '/v1/blueprints', { auth: false })).status, 401);
  assert.equal((await call('GET', '/v1/blueprints', { auth: 'not-a-token' })).status, 401);
  assert.equal((await call('GET', '/v1/blueprints')).status, 200);
});

test('expired tokens get 401; a new token request gives a new token', async () => {
  const issued = sim.tokensIssued;
  sim.expireTokens();
  const denied = await call('GET', '/v1/blueprints');
  assert.equal(denied.status, 401);
  assert.equal(denied.body.ok, false);
  const fresh = await accessToken();
  assert.notEqual(fresh, token);
  assert.equal(sim.tokensIssued, issued + 1);
  token = fresh;
  assert.equal((await call('GET', '/v1/blueprints/service')).status, 200);
});

test('blueprint creation validates identifier, title, property types and relation targets', async () => {
  const good = { identifier: 'env', title: 'Environment', schema: { properties: { region: { type: 'string' } } } };
  const cases: Array<[unknown, number]> = [
    [{ ...good, identifier: 'has space' }, 422],
    [{ ...good, identifier: 'x'.repeat(101) }, 422],
    [{ ...good, title: '' }, 422],
    [{ identifier: 'env', schema: { properties: {} } }, 422],
    [{ ...good, schema: { properties: { region: { type: 'text' } } } }, 422],
    [{ ...good, schema: { properties: { region: { type: 'string', format: 'color' } } } }, 422],
    [{ ...good, schema: { properties: { 'bad id': { type: 'string' } } } }, 422],
    [{ ...good, schema: { properties: {}, required: ['region'] } }, 422],
    [{ ...good, relations: { cluster: { target: 'cluster', required: false } } }, 422],
    [{ ...good, relations: { cluster: { target: 'cluster', required: false, many: false } } }, 404],
  ];
  for (const [body, status] of cases) {
    const res = await call('POST', '/v1/blueprints', { body });
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(res.body.ok, false);
    assert.equal(typeof res.body.message, 'string');
  }
  assert.equal(sim.blueprint('env'), undefined, 'nothing was created by a refused request');

  const created = await call('POST', '/v1/blueprints', { body: { ...good, relations: { team: { target: 'team', required: false, many: false } } } });
  assert.equal(created.status, 201);
  assert.equal((created.body.blueprint as { identifier: string }).identifier, 'env');
  assert.equal((await call('POST', '/v1/blueprints', { body: good })).status, 409, 'identifier taken');
});

test('blueprint PATCH merges properties and relations; PUT replaces; DELETE refuses while entities exist', async () => {
  const patched = await call('PATCH', '/v1/blueprints/env', { body: { schema: { properties: { tier: { type: 'number' } } } } });
  assert.equal(patched.status, 200);
  assert.deepEqual(Object.keys(sim.blueprint('env')!.schema.properties).sort(), ['region', 'tier']);
  assert.deepEqual(Object.keys(sim.blueprint('env')!.relations), ['team']);

  const replaced = await call('PUT', '/v1/blueprints/env', { body: { identifier: 'env', title: 'Env', schema: { properties: { region: { type: 'string' } } } } });
  assert.equal(replaced.status, 200);
  assert.deepEqual(Object.keys(sim.blueprint('env')!.schema.properties), ['region']);
  assert.deepEqual(sim.blueprint('env')!.relations, {});

  sim.putEntity('env', { identifier: 'prod' });
  assert.equal((await call('DELETE', '/v1/blueprints/env')).status, 422);
  sim.deleteEntityDirect('env', 'prod');
  assert.equal((await call('DELETE', '/v1/blueprints/env')).status, 200);
  assert.equal((await call('GET', '/v1/blueprints/env')).status, 404);
});

test('bulk upsert: 200 when all are written, 207 with per-index errors and the rest written', async () => {
  const ok = await call('POST', '/v1/blueprints/team/entities/bulk?upsert=true&merge=true', {
    body: { entities: [{ identifier: 'platform', title: 'Platform' }, { identifier: 'payments', title: 'Payments' }] },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.entities, [
    { created: true, identifier: 'platform', index: 0, additionalData: {} },
    { created: true, identifier: 'payments', index: 1, additionalData: {} },
  ]);
  assert.deepEqual(ok.body.errors, []);

  const partial = await call('POST', '/v1/blueprints/service/entities/bulk?upsert=true&merge=true', {
    body: {
      entities: [
        { identifier: 'api', properties: { language: 'go' }, relations: { owner: 'platform' } },
        { identifier: 'bad id', properties: {} },
        { identifier: 'web', properties: { colour: 'red' } },
        { identifier: 'worker', relations: { owner: 'nobody' } },
        { identifier: 'billing', properties: { replicas: 3 } },
      ],
    },
  });
  assert.equal(partial.status, 207);
  assert.deepEqual((partial.body.entities as Array<{ index: number }>).map((e) => e.index), [0, 4]);
  const errors = partial.body.errors as Array<{ index: number; identifier: string; statusCode: number; error: string; message: string }>;
  assert.deepEqual(errors.map((e) => [e.index, e.identifier, e.statusCode, e.error]), [
    [1, 'bad id', 422, 'invalid_request'],
    [2, 'web', 422, 'invalid_request'],
    [3, 'worker', 404, 'not_found'],
  ]);
  assert.match(errors[1]!.message, /colour/);
  assert.deepEqual(sim.entities('service').map((e) => e.identifier).sort(), ['api', 'billing']);

  assert.equal((await call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { body: { entities: [] } })).status, 422);
  const tooMany = Array.from({ length: 21 }, (_, i) => ({ identifier: `s${i}` }));
  assert.equal((await call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { body: { entities: tooMany } })).status, 422);
  assert.equal((await call('POST', '/v1/blueprints/nope/entities/bulk?upsert=true', { body: { entities: [{ identifier: 'x' }] } })).status, 404);
});

test('entity identifiers follow Port\'s pattern (letters, digits, @_.+:\\/=-; not . or ..; at most 1000)', async () => {
  for (const bad of ['has space', '.', '..', 'a#b', 'a?b', 'x'.repeat(1001), '']) {
    const res = await call('POST', '/v1/blueprints/team/entities?upsert=true', { body: { identifier: bad } });
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.equal(res.body.error, 'invalid_request');
  }
  const odd = 'org/repo:main=1@x+y\\z.ünï-_';
  const created = await call('POST', '/v1/blueprints/team/entities?upsert=true', { body: { identifier: odd } });
  assert.equal(created.status, 201);
  const read = await call('GET', `/v1/blueprints/team/entities/${enc(odd)}`);
  assert.equal(read.status, 200);
  assert.equal((read.body.entity as { identifier: string }).identifier, odd);
  assert.equal((await call('GET', '/v1/blueprints/team/entities/missing')).status, 404);
  assert.equal((await call('GET', '/v1/blueprints/nope/entities/x')).status, 404);
});

test('properties must be declared and match their type and format; null clears', async () => {
  const write = (properties: Record<string, unknown>) => call('POST', '/v1/blueprints/service/entities?upsert=true&merge=true', { body: { identifier: 'api', properties } });
  for (const properties of [
    { replicas: '3' }, { public: 'yes' }, { labels: ['a'] }, { tags: { a: 1 } }, { language: 'cobol' },
    { deployedAt: 'yesterday' }, { url: 'not a url' }, { undeclared: 1 },
  ]) {
    assert.equal((await write(properties)).status, 422, JSON.stringify(properties));
  }
  const ok = await write({ replicas: 2, public: true, labels: { a: 'b' }, tags: ['x'], deployedAt: '2026-01-02T03:04:05.000Z', url: 'https://x.example/a' });
  assert.equal(ok.status, 201);
  assert.equal(sim.entity('service', 'api')!.properties.replicas, 2);
  assert.equal((await write({ replicas: null })).status, 201);
  assert.equal('replicas' in sim.entity('service', 'api')!.properties, false);
});

test('relations: declared, one -> string, many -> array; missing targets 404 unless create_missing_related_entities', async () => {
  const upsert = (body: unknown, q = '') => call('POST', `/v1/blueprints/service/entities?upsert=true&merge=true${q}`, { body });
  assert.equal((await upsert({ identifier: 'api', relations: { owner: ['platform'] } })).status, 422);
  assert.equal((await upsert({ identifier: 'api', relations: { dependsOn: 'billing' } })).status, 422);
  assert.equal((await upsert({ identifier: 'api', relations: { manager: 'x' } })).status, 422);

  const missing = await upsert({ identifier: 'checkout', relations: { owner: 'growth', dependsOn: ['api', 'ledger'] } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'not_found');
  assert.equal(sim.entity('service', 'checkout'), undefined, 'nothing written');
  assert.equal(sim.entity('team', 'growth'), undefined);

  const created = await upsert({ identifier: 'checkout', relations: { owner: 'growth', dependsOn: ['api', 'ledger'] } }, '&create_missing_related_entities=true');
  assert.equal(created.status, 201);
  const growth = sim.entity('team', 'growth')!;
  assert.deepEqual([growth.identifier, growth.title, growth.properties, growth.datasource], ['growth', undefined, {}, [UA]]);
  assert.ok(sim.entity('service', 'ledger'));
  assert.deepEqual(sim.entity('service', 'checkout')!.relations, { owner: 'growth', dependsOn: ['api', 'ledger'] });
});

test('merge=true changes only the keys sent (null clears); merge=false replaces; upsert=false refuses an existing entity', async () => {
  const path = '/v1/blueprints/service/entities';
  await call('POST', `${path}?upsert=true`, { body: { identifier: 'cart', title: 'Cart', team: 'payments', properties: { language: 'ts', replicas: 2 }, relations: { owner: 'payments' } } });
  const before = sim.entity('service', 'cart')!;

  const merged = await call('POST', `${path}?upsert=true&merge=true`, { body: { identifier: 'cart', properties: { replicas: 5, language: null } } });
  assert.equal(merged.status, 201);
  const m = sim.entity('service', 'cart')!;
  assert.deepEqual([m.title, m.team, m.properties, m.relations], ['Cart', ['payments'], { replicas: 5 }, { owner: 'payments' }]);
  assert.equal(m.createdAt, before.createdAt);
  assert.ok(m.updatedAt >= before.updatedAt);

  assert.equal((await call('POST', `${path}?upsert=true&merge=true`, { body: { identifier: 'cart', relations: { owner: null } } })).status, 201);
  assert.deepEqual(sim.entity('service', 'cart')!.relations, {});

  const replaced = await call('POST', `${path}?upsert=true&merge=false`, { body: { identifier: 'cart', properties: { public: true } } });
  assert.equal(replaced.status, 201);
  const r = sim.entity('service', 'cart')!;
  assert.deepEqual([r.title, r.team, r.properties, r.relations], [undefined, [], { public: true }, {}]);

  const taken = await call('POST', `${path}?upsert=false`, { body: { identifier: 'cart' } });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.ok, false);
  assert.equal((await call('POST', path, { body: { identifier: 'x' } })).status, 422, 'upsert is a required query parameter');

  const patched = await call('PATCH', `${path}/cart`, { body: { title: 'Cart v2', properties: { replicas: 1 } } });
  assert.equal(patched.status, 200);
  assert.deepEqual(sim.entity('service', 'cart')!.properties, { public: true, replicas: 1 });
  assert.equal((await call('PATCH', `${path}/ghost`, { body: { title: 'x' } })).status, 404);
});

test('writes record meta-properties: createdAt kept, updatedAt bumped on every write, $datasource accumulates User-Agents', async () => {
  const path = '/v1/blueprints/team/entities?upsert=true&merge=true';
  const first = await call('POST', path, { body: { identifier: 'sre', title: 'SRE' } });
  const e1 = first.body.entity as { createdAt: string; updatedAt: string; createdBy: string; blueprint: string };
  assert.equal(e1.blueprint, 'team');
  assert.equal(e1.createdBy, sim.credentials.clientId);
  assert.equal('datasource' in e1 || '$datasource' in e1, false, 'Port never returns $datasource');
  await new Promise((r) => setTimeout(r, 5));
  await call('POST', path, { body: { identifier: 'sre', title: 'SRE' } });
  const e2 = sim.entity('team', 'sre')!;
  assert.equal(e2.createdAt, e1.createdAt);
  assert.ok(e2.updatedAt > e1.updatedAt, 'Port bumps updatedAt even when nothing changed');
  await call('POST', path, { body: { identifier: 'sre' }, ua: 'port-labs/ui' });
  await call('POST', path, { body: { identifier: 'sre' } });
  assert.deepEqual(sim.entity('team', 'sre')!.datasource, [UA, 'port-labs/ui']);
});

test('search: $datasource contains matches any element by substring; answers omit $datasource', async () => {
  sim.putEntity('team', { identifier: 'by-hand' }, { datasource: 'port-labs/ui' });
  sim.putEntity('team', { identifier: 'anonymous' });
  const res = await call('POST', '/v1/blueprints/team/entities/search', {
    body: { query: { combinator: 'and', rules: [{ property: '$datasource', operator: 'contains', value: 'integration/humanitec' }] } },
  });
  assert.equal(res.status, 200);
  const ids = (res.body.entities as Array<{ identifier: string }>).map((e) => e.identifier);
  assert.ok(ids.includes('platform') && ids.includes('sre') && ids.includes('growth'));
  assert.ok(!ids.includes('by-hand') && !ids.includes('anonymous'));
  const sre = (res.body.entities as Array<Record<string, unknown>>).find((e) => e.identifier === 'sre')!;
  assert.deepEqual(Object.keys(sre).sort(), ['blueprint', 'createdAt', 'createdBy', 'identifier', 'properties', 'relations', 'team', 'title', 'updatedAt', 'updatedBy']);

  const ui = await call('POST', '/v1/blueprints/team/entities/search', {
    body: { query: { combinator: 'or', rules: [{ property: '$datasource', operator: 'contains', value: 'port-labs/' }, { property: '$identifier', operator: '=', value: 'anonymous' }] } },
  });
  assert.deepEqual((ui.body.entities as Array<{ identifier: string }>).map((e) => e.identifier), ['anonymous', 'by-hand', 'sre']);
});

test('search rules: operators on properties, relations and meta-properties, nested combinators, include', async () => {
  const search = async (rules: unknown[], combinator = 'and', extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/v1/blueprints/service/entities/search', { body: { query: { combinator, rules }, ...extra } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.entities as Array<{ identifier: string }>).map((e) => e.identifier);
  };
  // service: api (go, owner platform), billing (replicas 3), checkout (owner growth, dependsOn api+ledger), ledger, cart
  assert.deepEqual(await search([{ property: 'language', operator: '=', value: 'go' }]), ['api']);
  assert.deepEqual(await search([{ property: 'owner', operator: 'in', value: ['platform', 'growth'] }]), ['api', 'checkout']);
  assert.deepEqual(await search([{ property: 'dependsOn', operator: '=', value: 'ledger' }]), ['checkout']);
  assert.deepEqual(await search([{ property: '$identifier', operator: 'notIn', value: ['api', 'billing', 'cart'] }]), ['checkout', 'ledger']);
  assert.deepEqual(await search([{ property: '$identifier', operator: 'beginsWith', value: 'c' }]), ['cart', 'checkout']);
  assert.deepEqual(await search([{ property: 'replicas', operator: 'isNotEmpty' }]), ['billing', 'cart']);
  assert.deepEqual(await search([{ property: 'owner', operator: 'isEmpty' }, { property: '$identifier', operator: '!=', value: 'ledger' }]), ['billing', 'cart']);
  assert.deepEqual(
    await search([{ property: '$identifier', operator: '=', value: 'ledger' }, { combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'go' }, { property: 'owner', operator: '=', value: 'platform' }] }], 'or'),
    ['api', 'ledger'],
  );
  const since = sim.entity('service', 'cart')!.createdAt;
  assert.ok((await search([{ property: '$updatedAt', operator: '>=', value: since }])).includes('cart'));
  assert.deepEqual(await search([{ property: '$title', operator: 'contains', value: 'Cart' }]), ['cart']);

  const picked = await call('POST', '/v1/blueprints/service/entities/search', {
    body: { query: { combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'api' }] }, include: ['$identifier', 'language'] },
  });
  assert.deepEqual(picked.body.entities, [{ identifier: 'api', properties: { language: 'go' } }]);
  const unsupported = await call('POST', '/v1/blueprints/service/entities/search', { body: { query: { combinator: 'and', rules: [{ property: 'x', operator: 'matchAny', value: [] }] } } });
  assert.equal(unsupported.status, 422);
});

test('search pages over >1000 entities with from/next: stable order, no duplicates, none missed', async () => {
  sim.putBlueprint({ identifier: 'repo', title: 'Repository', schema: { properties: { n: { type: 'number' } } } });
  const total = 2_345;
  for (let i = 0; i < total; i++) sim.putEntity('repo', { identifier: `repo-${i}`, properties: { n: i } }, { datasource: UA });

  const pageAll = async (limit: number, query: unknown) => {
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    do {
      const res = await call('POST', '/v1/blueprints/repo/entities/search', { body: { query, limit, ...(from ? { from } : {}) } });
      assert.equal(res.status, 200);
      const entities = res.body.entities as Array<{ identifier: string }>;
      assert.ok(entities.length <= limit);
      seen.push(...entities.map((e) => e.identifier));
      from = res.body.next as string | undefined;
      pages += 1;
      // Writes between pages (an entity behind the cursor, one ahead) must not break paging.
      if (pages === 1) sim.putEntity('repo', { identifier: 'repo-0', properties: { n: -1 } });
    } while (from);
    return { seen, pages };
  };

  const all = await pageAll(1000, { combinator: 'and', rules: [] });
  assert.equal(all.pages, 3);
  assert.equal(all.seen.length, total);
  assert.equal(new Set(all.seen).size, total);

  const even = await pageAll(300, { combinator: 'and', rules: [{ property: '$datasource', operator: 'contains', value: 'integration/humanitec' }] });
  assert.equal(new Set(even.seen).size, even.seen.length);
  assert.equal(even.seen.length, total);
  assert.equal(even.pages, Math.ceil(total / 300));

  // The benchmark's read: identifiers by the thousand.
  const ids = Array.from({ length: 1000 }, (_, i) => `repo-${i * 2}`);
  const byId = await call('POST', '/v1/blueprints/repo/entities/search', {
    body: { query: { combinator: 'and', rules: [{ property: '$identifier', operator: 'in', value: ids }] }, limit: 1000 },
  });
  assert.equal((byId.body.entities as unknown[]).length, 1000);
  assert.equal(byId.body.next, undefined);

  assert.equal((await call('POST', '/v1/blueprints/repo/entities/search', { body: { limit: 1001 } })).status, 422);
  assert.equal((await call('POST', '/v1/blueprints/repo/entities/search', { body: { from: 'garbage' } })).status, 422);
});

test('bulk delete: dependents through a required relation fail the whole request unless delete_dependents=true, which deletes them too', async () => {
  sim.putBlueprint({ identifier: 'app', title: 'App', schema: { properties: {} }, relations: { service: { target: 'service', required: true, many: false } } });
  sim.putEntity('app', { identifier: 'shop', relations: { service: 'ledger' } });
  // ledger: app/shop (required) and service/checkout depend on it; billing has no dependents.
  const refused = await call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=false', { body: { entities: ['billing', 'ledger'] } });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.ok, false);
  assert.ok(sim.entity('service', 'billing') && sim.entity('service', 'ledger'), 'nothing deleted');

  const done = await call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=true', { body: { entities: ['billing', 'ledger', 'ghost'] } });
  assert.equal(done.status, 200);
  assert.deepEqual(done.body.deletedEntities, ['billing', 'ledger']);
  assert.equal(sim.entity('app', 'shop'), undefined);
  assert.equal(sim.entity('service', 'checkout'), undefined);
  assert.ok(sim.entity('service', 'api'), 'what checkout related to stays');

  assert.equal((await call('POST', '/v1/blueprints/service/bulk/entities/delete', { body: { entities: ['api'] } })).status, 422, 'delete_dependents is required');
  const ids = Array.from({ length: 101 }, (_, i) => `x${i}`);
  assert.equal((await call('POST', '/v1/blueprints/service/bulk/entities/delete?delete_dependents=true', { body: { entities: ids } })).status, 422);

  // Through an optional relation (service.owner): the team goes, and service/api loses the link.
  assert.equal(sim.entity('service', 'api')!.relations.owner, 'platform');
  assert.equal((await call('DELETE', '/v1/blueprints/team/entities/platform?delete_dependents=false')).status, 200);
  assert.equal(sim.entity('service', 'api')!.relations.owner, undefined);
  assert.equal((await call('DELETE', '/v1/blueprints/team/entities/payments?delete_dependents=false')).status, 200);
  assert.equal((await call('DELETE', '/v1/blueprints/team/entities/payments?delete_dependents=false')).status, 404);
});

test('bodies over 1 MiB get 413 with the error envelope', async () => {
  const big = { entities: [{ identifier: 'big', properties: { labels: { blob: 'x'.repeat(1024 * 1024) } } }] };
  const res = await call('POST', '/v1/blueprints/service/entities/bulk?upsert=true', { body: big });
  assert.equal(res.status, 413);
  assert.equal(res.body.ok, false);
  assert.equal(sim.entity('service', 'big'), undefined);
});

test('action runs: documented fields only, a status of SUCCESS or FAILURE, a log line needs a message, an unknown run is 404', async () => {
  const run = sim.actionRuns.start('deploy');
  const path = `/v1/actions/runs/${run.id}`;
  assert.equal((await call('PATCH', path, { body: { status: 'DONE' } })).status, 422);
  assert.equal((await call('PATCH', path, { body: { summary: 'half', link: 5 } })).status, 422);
  const extra = await call('PATCH', path, { body: { statusLabel: 'x', colour: 'red' } });
  assert.equal(extra.status, 422);
  assert.match(extra.body.message!, /additional properties \("colour"\)/);
  assert.equal((await call('POST', `${path}/logs`, { body: { terminationStatus: 'SUCCESS' } })).status, 422);
  assert.equal(sim.actionRuns.get(run.id).status, 'IN_PROGRESS', 'a refused request changes nothing');
  assert.equal(sim.actionRuns.get(run.id).summary, undefined, 'not even the valid half of it');
  const ok = await call('PATCH', path, { body: { status: 'FAILURE', link: 'https://ci.example/1' } });
  assert.equal(ok.status, 200);
  assert.deepEqual((ok.body.run as { link: string[] }).link, ['https://ci.example/1']);
  assert.equal((await call('POST', '/v1/actions/runs/r_nope/logs', { body: { message: 'hi' } })).status, 404);
});

test('every request and response above matches port-apispec.yaml', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    // Port's entity schema omits fields the API returns (specs/README.md: known gaps).
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
    // Port answers 409 for an identifier taken; the spec lists no 409.
    undocumentedStatuses: [409],
  });
  assert.ok(sim.exchanges.length > 100, `recorded ${sim.exchanges.length} exchanges`);
  const violations = sim.exchanges.flatMap((x) => {
    // A request the simulator accepted must be one the spec accepts; refused ones were bad on purpose.
    const accepted = x.status === 200 || x.status === 201;
    return accepted ? validator.validate(x) : validator.validateResponse(x.method, x.path, x.status, x.responseBody);
  });
  assert.equal(violations.length, 0, formatViolations(violations));
});
