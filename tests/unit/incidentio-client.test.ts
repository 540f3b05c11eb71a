// IncidentIoClient against the incident.io simulator over HTTP: type and schema, pagination without a
// trailing empty page, external_id upsert, bulk update and its limit, update_attributes, archive, how
// 422s and 429s surface, that the API key stays out of messages, and that all traffic of this file
// matches incident.io's OpenAPI spec.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError } from 'ky';
import { toActivityFailure } from '../../activities/http/errors';
import { IncidentIoClient, INCIDENT_IO_API, MAX_BULK_UPDATE, type IncidentIoClientOptions } from '../../activities/incidentio/client';
import type { EntryValues } from '../../activities/incidentio/schemas';
import { IncidentIoSim, type CatalogType } from '../../sim/incidentio/server';
import { formatViolations, incidentIoViolations, skipReason, type HttpExchange } from '../helpers/openapi';
import { createTestType } from '../helpers/incidentio';

const SPEC = 'incident-io-openapi3.json';
const KEY = 'inc-key-7c1f0e9a2b';
const lit = (literal: string) => ({ value: { literal } });

let sim: IncidentIoSim;
let service: CatalogType;
/** Every error the client threw in this file, and the activity failure it becomes: none may hold a key. */
const seen: string[] = [];

/** A client whose requests are listed as `METHOD /path`. */
function client(options: Partial<IncidentIoClientOptions> = {}) {
  const requests: string[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    requests.push(`${req.method} ${new URL(req.url).pathname}`);
    return globalThis.fetch(input, init);
  };
  return { api: new IncidentIoClient({ apiUrl: sim.url, apiKey: KEY, integrationId: 'test', fetch, ...options }), requests };
}

/** The rejection of `promise` and the activity failure it ends an attempt with. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; failure: ApplicationFailure }> {
  const err = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  const converted = await toActivityFailure(err, INCIDENT_IO_API);
  assert.ok(converted instanceof ApplicationFailure, String(converted));
  for (const e of [err, converted]) if (e instanceof Error) seen.push(e.message, String(e.stack));
  return { err, failure: converted };
}

before(async () => {
  sim = new IncidentIoSim({ apiKey: KEY, rateLimit: false });
  sim.record = true;
  await sim.start();
  service = createTestType(sim);
});

after(() => sim.stop());

test('getType: the type with its schema version and attributes; the User-Agent names the integration', async () => {
  const agents: Array<string | null> = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    agents.push(new Request(input, init).headers.get('user-agent'));
    return globalThis.fetch(input, init);
  };
  const t = await client({ fetch }).api.getType(service.id);
  assert.match(String(agents[0]), /^port-sync\/test\/\d+\.\d+\.\d+/);
  assert.equal(t.id, service.id);
  assert.equal(t.schema.version, 1);
  assert.deepEqual(t.schema.attributes.map((a) => [a.id, a.type, a.array]), [['tier', 'Number', false], ['owners', 'String', true], ['url', 'String', false]]);
});

describe('listEntries', () => {
  test('600 entries: 3 pages of the default 250, no request for an empty 4th; an exact multiple stops too', async () => {
    const t = sim.createType({ name: 'Many', description: '', attributes: [{ id: 'n', name: 'N', type: 'Number' }] });
    for (let i = 0; i < 600; i++) sim.putEntryDirect(t.id, { name: `e${i}`, external_id: `e${i}`, values: { n: String(i) } });
    const { api, requests } = client();
    const pages: number[] = [];
    const ids = new Set<string>();
    for await (const page of api.listEntries(t.id)) {
      pages.push(page.length);
      for (const e of page) ids.add(e.id);
    }
    assert.deepEqual(pages, [250, 250, 100]);
    assert.equal(ids.size, 600);
    assert.deepEqual(requests, Array(3).fill('GET /v3/catalog_entries'));

    const small = client({ pageSize: 100 });
    let count = 0;
    for await (const page of small.api.listEntries(t.id)) count += page.length;
    assert.equal(count, 600);
    assert.equal(small.requests.length, 6);
    assert.throws(() => client({ pageSize: 251 }), RangeError);
  });

  test('listEntriesPage: next only while more follow; archived entries are not listed', async () => {
    const t = sim.createType({ name: 'Few', description: '' });
    sim.putEntryDirect(t.id, { name: 'a' });
    sim.putEntryDirect(t.id, { name: 'gone', archived: true });
    const page = await client({ pageSize: 1 }).api.listEntriesPage(t.id, undefined);
    assert.deepEqual(page.entries.map((e) => e.name), ['a']);
    assert.equal(page.next, undefined);
  });
});

describe('entries', () => {
  test('createEntry: the same external_id again updates the same entry', async () => {
    const { api } = client();
    const values: EntryValues = { tier: lit('1'), owners: { array_value: [{ literal: 'a' }, { literal: 'b' }] } };
    const first = await api.createEntry({ catalog_type_id: service.id, name: 'payments', external_id: 'payments', aliases: ['pay'], attribute_values: values });
    assert.equal(first.external_id, 'payments');
    assert.deepEqual(first.attribute_values.owners?.array_value?.map((v) => v.literal), ['a', 'b']);
    const again = await api.createEntry({ catalog_type_id: service.id, name: 'Payments', external_id: 'payments', attribute_values: { tier: lit('2') } });
    assert.equal(again.id, first.id);
    assert.equal(again.name, 'Payments');
    assert.equal(again.attribute_values.tier?.value?.literal, '2');
    assert.equal(sim.entries(service.id).filter((e) => e.external_id === 'payments').length, 1);
  });

  test('updateEntry: update_attributes touches only the listed values (listed but absent: cleared)', async () => {
    const { api } = client();
    const e = await api.createEntry({ catalog_type_id: service.id, name: 'search', external_id: 'search', attribute_values: { tier: lit('3'), url: lit('https://s'), owners: { array_value: [{ literal: 'x' }] } } });
    const u = await api.updateEntry(e.id, { name: 'Search', attribute_values: { tier: lit('1') } }, ['tier', 'url']);
    assert.equal(u.name, 'Search');
    assert.equal(u.attribute_values.tier?.value?.literal, '1');
    assert.equal(u.attribute_values.url, undefined);
    assert.ok(u.attribute_values.owners, 'not listed: kept');
  });

  test('deleteEntry archives; a second delete is false', async () => {
    const { api } = client();
    const e = await api.createEntry({ catalog_type_id: service.id, name: 'old', external_id: 'old', attribute_values: {} });
    assert.equal(await api.deleteEntry(e.id), true);
    assert.ok(sim.entries(service.id).find((x) => x.id === e.id)?.archived_at);
    assert.equal(await api.deleteEntry(e.id), false);
  });
});

describe('bulkUpdate', () => {
  let bulk: CatalogType;
  let ids: string[];
  before(() => {
    bulk = sim.createType({ name: 'Bulk', description: '', attributes: [{ id: 'tier', name: 'Tier', type: 'Number' }] });
    ids = Array.from({ length: 101 }, (_, i) => sim.putEntryDirect(bulk.id, { name: `b${i}`, external_id: `b${i}`, values: { tier: '1' } }).id);
  });

  test(`${MAX_BULK_UPDATE} entries in one request; ${MAX_BULK_UPDATE + 1} throw before sending`, async () => {
    const { api, requests } = client();
    const items = ids.map((entry_id) => ({ entry_id, attribute_values: { tier: lit('2') } }));
    await api.bulkUpdate(bulk.id, items.slice(0, MAX_BULK_UPDATE), ['tier']);
    assert.deepEqual(requests, ['POST /v3/catalog_entries/actions/bulk_update']);
    assert.equal(sim.entries(bulk.id).filter((e) => JSON.stringify(e.attribute_values.tier) === '{"value":"2"}').length, MAX_BULK_UPDATE);

    const { failure: f } = await failure(api.bulkUpdate(bulk.id, items, ['tier']));
    assert.equal(f.nonRetryable, true);
    assert.match(f.message, /at most 100 entries, got 101/);
    assert.equal(requests.length, 1, 'nothing sent');
  });

  test('a 422 (unknown attribute) surfaces with incident.io\'s message, not retried, nothing changed', async () => {
    const { api, requests } = client();
    const before = JSON.stringify(sim.entries(bulk.id));
    const { err, failure: f } = await failure(api.bulkUpdate(bulk.id, [{ entry_id: ids[0]!, attribute_values: { tier: lit('3') } }, { entry_id: ids[1]!, attribute_values: { nope: lit('1') } }], ['tier']));
    assert.ok(err instanceof HTTPError && err.response.status === 422);
    assert.equal(requests.length, 1);
    assert.equal(f.nonRetryable, true);
    assert.equal(f.type, 'HttpStatus422');
    assert.match(f.message, /^incidentio API: POST \/v3\/catalog_entries\/actions\/bulk_update answered 422: /);
    assert.ok(f.message.includes('Attribute nope is not in the schema of Bulk'), f.message);
    assert.equal(JSON.stringify(sim.entries(bulk.id)), before);
  });
});

test('updateSchema: replaces the schema and bumps the version; a stale version fails with incident.io\'s message', async () => {
  const t = sim.createType({ name: 'Team', description: '', attributes: [{ id: 'slack', name: 'Slack', type: 'String' }] });
  const { api, requests } = client();
  const { failure: f } = await failure(api.updateSchema(t.id, 0, []));
  assert.equal(f.nonRetryable, true);
  assert.ok(f.message.includes('Schema version 0 is stale: the current version is 1'), f.message);
  assert.equal(requests.length, 1);
  const updated = await api.updateSchema(t.id, 1, [{ id: 'slack', name: 'Slack', type: 'String', array: false }, { id: 'members', name: 'Members', type: 'String', array: true }]);
  assert.equal(updated.schema.version, 2);
  assert.deepEqual(updated.schema.attributes.map((a) => a.id), ['slack', 'members']);
});

test('the API key never appears in an error message (a wrong key included)', async () => {
  const wrong = 'inc-wrong-key-55d2e1';
  const { failure: f } = await failure(client({ apiKey: wrong }).api.getType(service.id));
  assert.equal(f.type, 'HttpStatus401');
  assert.match(f.message, /Invalid or missing API key/);
  await failure(client().api.getType('no-such-type'));
  assert.ok(seen.length >= 10);
  for (const text of seen) {
    assert.ok(!text.includes(KEY) && !text.includes(wrong), text);
  }
});

// Last before the spec check: the 429 pauses this key's limiter, and requests after it would wait.
test('a 429 with Retry-After is retried no sooner than asked, and succeeds', async () => {
  sim.faults.throttleRatio = 1;
  sim.faults.throttleRetryAfterSeconds = 1;
  const statuses: number[] = [];
  const { api } = client({
    fetch: async (input, init) => {
      const res = await globalThis.fetch(input, init);
      statuses.push(res.status);
      if (res.status === 429) sim.faults.throttleRatio = 0; // one 429, then answers
      return res;
    },
  });
  try {
    const t0 = Date.now();
    const t = await api.getType(service.id);
    assert.equal(t.id, service.id);
    assert.deepEqual(statuses, [429, 200]);
    assert.ok(Date.now() - t0 >= 950, `retried after ${Date.now() - t0} ms`);
  } finally {
    sim.faults.throttleRatio = 0;
  }
});

test('every exchange matches the incident.io OpenAPI spec', { skip: skipReason(SPEC) }, () => {
  const exchanges: HttpExchange[] = sim.exchanges;
  assert.ok(exchanges.length > 15);
  const violations = incidentIoViolations(exchanges);
  assert.equal(violations.length, 0, formatViolations(violations));
});
