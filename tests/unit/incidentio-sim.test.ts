// The incident.io v3 Catalog simulator over real HTTP: auth, types and update_schema, entry create /
// list / pagination, external_id upsert and revival, update_attributes, archive, atomic bulk update
// and its limit, the per-type entry cap and the rate limit; all traffic of this file checked against
// incident.io's OpenAPI spec at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentIoSim, type CatalogType } from '../../sim/incidentio/server';
import { formatViolations, incidentIoViolations, skipReason, type HttpExchange } from '../helpers/openapi';
import { createTestType } from '../helpers/incidentio';

const SPEC = 'incident-io-openapi3.json';
const KEY = 'test-key';
const sims: IncidentIoSim[] = [];

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function start(options: ConstructorParameters<typeof IncidentIoSim>[0] = {}): Promise<IncidentIoSim> {
  const sim = new IncidentIoSim({ apiKey: KEY, ...options });
  sim.record = true;
  await sim.start();
  sims.push(sim);
  return sim;
}

async function call(sim: IncidentIoSim, method: string, path: string, body?: unknown, auth: string | false = KEY): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (auth !== false) headers.authorization = `Bearer ${auth}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const lit = (literal: string) => ({ value: { literal } });

let sim: IncidentIoSim;
let type: CatalogType;

before(async () => {
  sim = await start({ rateLimit: false });
  type = createTestType(sim);
});

after(() => Promise.all(sims.map((s) => s.stop())));

async function listAll(s: IncidentIoSim, typeId: string, pageSize = 250) {
  const all: Array<{ id: string; external_id?: string }> = [];
  let afterId: string | undefined;
  let pages = 0;
  for (;;) {
    const q = new URLSearchParams({ catalog_type_id: typeId, page_size: String(pageSize), ...(afterId ? { after: afterId } : {}) });
    const r = await call(s, 'GET', `/v3/catalog_entries?${q}`);
    assert.equal(r.status, 200);
    pages += 1;
    all.push(...r.body.catalog_entries);
    afterId = r.body.pagination_meta.after;
    if (!afterId) break;
  }
  return { all, pages };
}

describe('auth', () => {
  test('401 without a key, with a wrong key, and without the Bearer scheme', async () => {
    for (const auth of [false, 'wrong'] as const) {
      const r = await call(sim, 'GET', `/v3/catalog_types/${type.id}`, undefined, auth);
      assert.equal(r.status, 401);
      assert.equal(r.body.type, 'authentication_error');
      assert.equal(r.body.status, 401);
    }
    const raw = await fetch(`${sim.url}/v3/catalog_types/${type.id}`, { headers: { authorization: KEY } });
    assert.equal(raw.status, 401);
  });
});

describe('types', () => {
  test('show a type with its schema; update_schema replaces the schema and checks the version', async () => {
    const t = sim.createType({ name: 'Team', description: 'Teams', attributes: [{ id: 'slack', name: 'Slack', type: 'String' }, { id: 'old', name: 'Old', type: 'String' }] });
    const shown = await call(sim, 'GET', `/v3/catalog_types/${t.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.catalog_type.schema.attributes.map((a: { id: string }) => a.id), ['slack', 'old']);
    const e = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: t.id, name: 'core', external_id: 'core', attribute_values: { slack: lit('#core'), old: lit('x') } });
    assert.equal(e.status, 201);

    const stale = await call(sim, 'POST', `/v3/catalog_types/${t.id}/actions/update_schema`, { version: 0, attributes: [] });
    assert.equal(stale.status, 422);
    const upd = await call(sim, 'POST', `/v3/catalog_types/${t.id}/actions/update_schema`, {
      version: 1,
      attributes: [{ id: 'slack', name: 'Slack', type: 'String', array: false }, { id: 'members', name: 'Members', type: 'String', array: true }],
    });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.catalog_type.schema.version, 2);
    assert.deepEqual(upd.body.catalog_type.schema.attributes.map((a: { id: string }) => a.id), ['slack', 'members']);
    const after = await call(sim, 'GET', `/v3/catalog_entries/${e.body.catalog_entry.id}`);
    assert.deepEqual(Object.keys(after.body.catalog_entry.attribute_values), ['slack'], 'the removed attribute lost its values');
    assert.equal((await call(sim, 'GET', '/v3/catalog_types/nope')).status, 404);
  });
});

describe('entries', () => {
  test('create, show, update (update_attributes), archive; values by attribute id', async () => {
    const c = await call(sim, 'POST', '/v3/catalog_entries', {
      catalog_type_id: type.id, name: 'payments', external_id: 'payments', aliases: ['pay'], rank: 2,
      attribute_values: { tier: lit('1'), owners: { array_value: [{ literal: 'a' }, { literal: 'b' }] }, url: lit('https://x') },
    });
    assert.equal(c.status, 201);
    const entry = c.body.catalog_entry;
    assert.equal(entry.attribute_values.tier.value.literal, '1');
    assert.deepEqual(entry.attribute_values.owners.array_value.map((v: { literal: string }) => v.literal), ['a', 'b']);

    const bad = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'x', attribute_values: { tier: lit('high') } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.type, 'validation_error');
    assert.equal((await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'x', attribute_values: { nope: lit('1') } })).status, 422);
    assert.equal((await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'x', attribute_values: { owners: lit('1') } })).status, 422);

    const u = await call(sim, 'PUT', `/v3/catalog_entries/${entry.id}`, { name: 'Payments', attribute_values: { tier: lit('2') }, update_attributes: ['tier', 'url'] });
    assert.equal(u.status, 200);
    assert.equal(u.body.catalog_entry.name, 'Payments');
    assert.equal(u.body.catalog_entry.attribute_values.tier.value.literal, '2');
    assert.equal(u.body.catalog_entry.attribute_values.url, undefined, 'listed but absent: cleared');
    assert.ok(u.body.catalog_entry.attribute_values.owners, 'not listed: kept');

    assert.equal((await call(sim, 'DELETE', `/v3/catalog_entries/${entry.id}`)).status, 204);
    const stored = sim.entries(type.id).find((e) => e.id === entry.id)!;
    assert.ok(stored.archived_at);
    const shown = await call(sim, 'GET', `/v3/catalog_entries/${entry.id}`);
    assert.ok(shown.body.catalog_entry.archived_at);
    const listed = await call(sim, 'GET', `/v3/catalog_entries?catalog_type_id=${type.id}&page_size=250&identifier=payments`);
    assert.equal(listed.body.catalog_entries.length, 0, 'archived entries are not listed');
  });

  test('external_id upsert: same external id updates; an archived entry is revived with its id', async () => {
    const first = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'search', external_id: 'search', attribute_values: { tier: lit('3') } });
    const again = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'Search v2', external_id: 'search', attribute_values: { tier: lit('1') } });
    assert.equal(again.status, 201);
    assert.equal(again.body.catalog_entry.id, first.body.catalog_entry.id);
    assert.equal(again.body.catalog_entry.name, 'Search v2');
    assert.equal(sim.entries(type.id).filter((e) => e.external_id === 'search').length, 1);

    await call(sim, 'DELETE', `/v3/catalog_entries/${first.body.catalog_entry.id}`);
    const revived = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'search', external_id: 'search', attribute_values: {} });
    assert.equal(revived.status, 201);
    assert.equal(revived.body.catalog_entry.id, first.body.catalog_entry.id);
    assert.equal(revived.body.catalog_entry.archived_at, undefined);

    const manual = sim.putEntryDirect(type.id, { name: 'by hand' });
    assert.equal(manual.external_id, undefined);
    const c = await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: type.id, name: 'by hand', attribute_values: {} });
    assert.notEqual(c.body.catalog_entry.id, manual.id, 'no external id: a new entry (a duplicate by name)');
  });

  test('pagination: > 250 entries across pages, none missed or repeated; page_size is checked', async () => {
    const t = sim.createType({ name: 'Big', description: 'big', attributes: [{ id: 'n', name: 'N', type: 'Number' }] });
    for (let i = 0; i < 260; i++) sim.putEntryDirect(t.id, { name: `e${i}`, external_id: `e${i}`, values: { n: String(i) } });
    for (let i = 0; i < 300; i++) await call(sim, 'POST', '/v3/catalog_entries', { catalog_type_id: t.id, name: `h${i}`, external_id: `h${i}`, attribute_values: { n: lit(String(i)) } });
    const { all, pages } = await listAll(sim, t.id);
    assert.equal(pages, 3);
    assert.equal(all.length, 560);
    assert.equal(new Set(all.map((e) => e.id)).size, 560);
    const small = await listAll(sim, t.id, 100);
    assert.equal(small.all.length, 560);
    assert.equal((await call(sim, 'GET', `/v3/catalog_entries?catalog_type_id=${t.id}&page_size=251`)).status, 422);
    assert.equal((await call(sim, 'GET', `/v3/catalog_entries?catalog_type_id=${t.id}`)).status, 422);
  });
});

describe('bulk update', () => {
  test('atomic: one invalid entry changes nothing; a valid batch applies all; at most 100 entries', async () => {
    const t = sim.createType({ name: 'Bulk', description: 'bulk', attributes: [{ id: 'tier', name: 'Tier', type: 'Number' }] });
    const made = Array.from({ length: 101 }, (_, i) => sim.putEntryDirect(t.id, { name: `b${i}`, external_id: `b${i}`, rank: 5, values: { tier: '1' } }));
    const before = JSON.stringify(sim.entries(t.id));
    const items = made.slice(0, 10).map((e) => ({ entry_id: e.id, name: `${e.name}!`, attribute_values: { tier: lit('2') } }));
    const broken = [...items, { entry_id: made[10]!.id, attribute_values: { tier: lit('not a number') } }];
    const r = await call(sim, 'POST', '/v3/catalog_entries/actions/bulk_update', { catalog_type_id: t.id, entries: broken });
    assert.equal(r.status, 422);
    assert.equal(JSON.stringify(sim.entries(t.id)), before, 'nothing changed');
    const unknown = await call(sim, 'POST', '/v3/catalog_entries/actions/bulk_update', { catalog_type_id: t.id, entries: [...items, { entry_id: 'nope', attribute_values: {} }] });
    assert.equal(unknown.status, 422);
    assert.equal(JSON.stringify(sim.entries(t.id)), before);

    const tooMany = made.map((e) => ({ entry_id: e.id, attribute_values: { tier: lit('3') } }));
    const big = await call(sim, 'POST', '/v3/catalog_entries/actions/bulk_update', { catalog_type_id: t.id, entries: tooMany });
    assert.equal(big.status, 422);
    assert.equal(JSON.stringify(sim.entries(t.id)), before);

    const good = await call(sim, 'POST', '/v3/catalog_entries/actions/bulk_update', { catalog_type_id: t.id, entries: tooMany.slice(0, 100) });
    assert.equal(good.status, 204);
    const now = sim.entries(t.id);
    assert.ok(now.slice(0, 100).every((e) => (e.attribute_values.tier as { value: string }).value === '3'));
    assert.equal(now[0]!.name, 'b0', 'omitted name kept');
    assert.equal(now[0]!.rank, 0, 'omitted rank reset');
    assert.equal((now[100]!.attribute_values.tier as { value: string }).value, '1');
  });
});

describe('limits', () => {
  test('rate limit: 429 with Retry-After once the scaled bucket is empty', async () => {
    const s = await start({ rateLimit: { perMinute: 5, windowSeconds: 60 } });
    const t = s.createType({ name: 'Rl', description: 'rl' });
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(s, 'GET', `/v3/catalog_types/${t.id}`);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const retry = Number(last!.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 12, `Retry-After ${retry}`);
    assert.equal(last!.body.type, 'too_many_requests');
    assert.equal(last!.headers.get('x-ratelimit-limit'), '5;window=60');
  });

  test('injected faults: 429 storms and latency', async () => {
    const s = await start({ rateLimit: false });
    const t = s.createType({ name: 'F', description: 'f' });
    s.faults.throttleRatio = 1;
    s.faults.throttleRetryAfterSeconds = 3;
    const r = await call(s, 'GET', `/v3/catalog_types/${t.id}`);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '3');
    s.faults.throttleRatio = 0;
    s.http.faults.latencyMs = 30;
    const t0 = Date.now();
    assert.equal((await call(s, 'GET', `/v3/catalog_types/${t.id}`)).status, 200);
    assert.ok(Date.now() - t0 >= 25);
  });
});

test('every exchange matches the incident.io OpenAPI spec', { skip: skipReason(SPEC) }, () => {
  const exchanges: HttpExchange[] = sims.flatMap((s) => s.exchanges);
  assert.ok(exchanges.length > 300);
  const violations = incidentIoViolations(exchanges, [401, 404, 422, 429, 500, 503]);
  assert.equal(violations.length, 0, formatViolations(violations));
});

test('50,000 entries per type: the next create is 422; an upsert of an existing entry still works', async () => {
    const s = new IncidentIoSim({ apiKey: KEY, rateLimit: false });
    await s.start();
    const t = s.createType({ name: 'Cap', description: 'cap' });
    for (let i = 0; i < 50_000; i++) s.putEntryDirect(t.id, { name: `c${i}`, external_id: `c${i}` });
    const over = await call(s, 'POST', '/v3/catalog_entries', { catalog_type_id: t.id, name: 'one more', external_id: 'more', attribute_values: {} });
    assert.equal(over.status, 422);
    assert.equal(over.body.errors[0].code, 'too_many_entries');
    assert.match(over.body.errors[0].message, /50000 entries per type/);
    const upsert = await call(s, 'POST', '/v3/catalog_entries', { catalog_type_id: t.id, name: 'renamed', external_id: 'c7', attribute_values: {} });
    assert.equal(upsert.status, 201);
    await s.stop();
  });

