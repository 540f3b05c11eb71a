// PortTarget against the Port simulator: what this instance owns ($datasource from its User-Agent,
// `hum` never owning `humanitec`'s), adoptExisting, reads for diffing, and deletes that meet dependents.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entity, OwnedEntity } from '../../activities/engine/entity';
import { PortClient } from '../../activities/port/client';
import { PortTarget } from '../../activities/port/target';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'port-apispec.yaml';
const signal = new AbortController().signal;
const write = { merge: true, createMissingRelatedEntities: false, signal };

let sim: PortSim;
let hum: PortTarget;
let humanitec: PortTarget;
let humAdopting: PortTarget;

const client = (integrationId: string) => new PortClient({ apiUrl: sim.url, ...sim.credentials, integrationId, version: '1.0.0' });
const entity = (identifier: string, relations: Entity['relations'] = {}): Entity => ({ identifier, blueprint: 'service', properties: { lang: 'go' }, relations });

async function owned(target: PortTarget, blueprint = 'service'): Promise<OwnedEntity[]> {
  const all: OwnedEntity[] = [];
  for await (const page of target.listOwned(blueprint, signal)) all.push(...page);
  return all.sort((a, b) => a.identifier.localeCompare(b.identifier));
}

before(async () => {
  sim = new PortSim();
  sim.record = true;
  await sim.start();
  sim.putBlueprint({
    identifier: 'service',
    title: 'Service',
    schema: { properties: { lang: { type: 'string' } } },
    relations: { dependsOn: { target: 'service', required: false, many: true } },
  });
  hum = new PortTarget({ client: client('hum') });
  humanitec = new PortTarget({ client: client('humanitec') });
  humAdopting = new PortTarget({ client: client('hum'), adoptExisting: true });

  await hum.upsert('service', [entity('h-1'), entity('h-2', { dependsOn: ['h-1'] })], write);
  await humanitec.upsert('service', [entity('hn-1')], write);
  sim.putEntity('service', { identifier: 'seeded', properties: { lang: 'py' } }, { datasource: 'python-requests/2.31.0' });
  sim.putEntity('service', { identifier: 'by-hand' }); // no User-Agent recorded at all
  sim.putEntity('service', { identifier: 'ocean', properties: {} }, { datasource: 'port-ocean/github/0.3.1/gh-prod/exporter' });
  sim.putEntity('service', { identifier: 'k8s' }, { datasource: 'port-k8s-exporter/^0.3.4 (statekey/prod)' });
  sim.putEntity('service', { identifier: 'other-sync' }, { datasource: 'port-sync/gitops/1.0.0' });
});
after(() => sim.stop());

test('listOwned returns only what this instance wrote: not another integration id that it prefixes, nor hand-made entities', async () => {
  const mine = await owned(hum);
  assert.deepEqual(mine.map((e) => e.identifier), ['h-1', 'h-2']);
  assert.deepEqual(mine[1], { identifier: 'h-2', blueprint: 'service', updatedAt: sim.entity('service', 'h-2')!.updatedAt, relations: { dependsOn: ['h-1'] } });
  assert.deepEqual((await owned(humanitec)).map((e) => e.identifier), ['hn-1']);
});

test('listOwned asks Port only for identifier, updatedAt, team and relations, page by page', async () => {
  const seen = sim.exchanges.length;
  await owned(hum);
  const search = sim.exchanges.slice(seen).find((x) => x.path.endsWith('/entities/search'))!;
  assert.deepEqual((search.requestBody as { include: string[] }).include, ['$identifier', '$updatedAt', '$team', 'dependsOn']);
  const fields = new Set((search.responseBody as { entities: object[] }).entities.flatMap((e) => Object.keys(e)));
  assert.deepEqual([...fields].sort(), ['identifier', 'relations', 'team', 'updatedAt']);
});

test("an owned entity's team is among its relations for reconcile, so the _team entity it names is kept", async () => {
  sim.putBlueprint({ identifier: 'teamed', title: 'Teamed', schema: { properties: {} } });
  await hum.upsert('teamed', [{ identifier: 't-1', blueprint: 'teamed', team: 'payments', properties: {}, relations: {} }], write);
  assert.deepEqual((await owned(hum, 'teamed'))[0]!.relations, { $team: ['payments'] });
});

test('a relation added to a blueprint after a run listed it is read by the next run', async () => {
  sim.putBlueprint({ identifier: 'growing', title: 'Growing', schema: { properties: {} } });
  const target = new PortTarget({ client: client('hum') });
  await target.upsert('growing', [{ identifier: 'g-1', blueprint: 'growing', properties: {}, relations: {} }], write);
  target.beginRun(new Date().toISOString());
  assert.deepEqual((await owned(target, 'growing'))[0]!.relations, {});
  sim.putBlueprint({ identifier: 'growing', title: 'Growing', schema: { properties: {} }, relations: { owner: { target: 'growing', required: false, many: false } } });
  await target.upsert('growing', [{ identifier: 'g-2', blueprint: 'growing', properties: {}, relations: { owner: 'g-1' } }], write);
  assert.deepEqual((await owned(target, 'growing'))[1]!.relations, {}, 'within a run the blueprint is read once');
  await new Promise((r) => setTimeout(r, 5));
  target.beginRun(new Date().toISOString());
  assert.deepEqual((await owned(target, 'growing'))[1]!.relations, { owner: 'g-1' });
});

test('adoptExisting also owns entities no integration wrote, never another integration\'s', async () => {
  assert.deepEqual((await owned(humAdopting)).map((e) => e.identifier), ['by-hand', 'h-1', 'h-2', 'seeded']);
});

test('an adopted entity this instance then writes stays owned without adoptExisting', async () => {
  await humAdopting.upsert('service', [entity('seeded')], write);
  assert.deepEqual((await owned(hum)).map((e) => e.identifier), ['h-1', 'h-2', 'seeded']);
});

test('listOwned pages through more than one search page', async () => {
  sim.putBlueprint({ identifier: 'many', title: 'Many', schema: { properties: {} } });
  const ids = Array.from({ length: 1005 }, (_, i) => `m-${String(i).padStart(4, '0')}`);
  const result = await hum.upsert('many', ids.map((id) => ({ identifier: id, blueprint: 'many', properties: {}, relations: {} })), write);
  assert.equal(result.written.length, 1005);
  const seen = sim.exchanges.length;
  const mine = await owned(hum, 'many');
  assert.equal(mine.length, 1005);
  assert.equal(sim.exchanges.slice(seen).filter((x) => x.path.endsWith('/entities/search')).length, 2);
});

test('getMany returns the current state of the identifiers Port has', async () => {
  const found = await hum.getMany('service', ['h-1', 'h-2', 'missing'], signal);
  assert.deepEqual([...found.keys()].sort(), ['h-1', 'h-2']);
  assert.deepEqual(found.get('h-2'), { identifier: 'h-2', blueprint: 'service', properties: { lang: 'go' }, relations: { dependsOn: ['h-1'] }, team: [] });
});

test('count is every entity of the blueprint, whoever wrote it, in one request; an unknown blueprint is a 404', async () => {
  sim.putBlueprint({ identifier: 'counted', title: 'Counted', schema: { properties: {} } });
  await hum.upsert('counted', ['c-1', 'c-2'].map((id) => ({ identifier: id, blueprint: 'counted', properties: {}, relations: {} })), write);
  sim.putEntity('counted', { identifier: 'by-hand' });
  const seen = sim.exchanges.length;
  assert.equal(await humanitec.count('counted', signal), 3);
  assert.deepEqual(sim.exchanges.slice(seen).map((x) => `${x.method} ${x.path}`), ['GET /v1/blueprints/counted/entities-count']);
  await assert.rejects(hum.count('no-such-blueprint', signal), /404/);
});

test('getMany for a diff asks Port only for the fields the mapping sets, as Ocean does: a relation it does not set stays out', async () => {
  sim.putEntity('service', { identifier: 'wide', title: 'Wide', properties: { lang: 'go' }, relations: { dependsOn: ['h-1'] } });
  const seen = sim.exchanges.length;
  const found = await hum.getMany('service', ['wide'], signal, { properties: ['lang'], relations: [] });
  const search = sim.exchanges.slice(seen).find((x) => x.path.endsWith('/entities/search'))!;
  assert.deepEqual((search.requestBody as { include: string[] }).include, ['$identifier', '$title', '$icon', '$team', 'lang']);
  assert.deepEqual(found.get('wide'), { identifier: 'wide', blueprint: 'service', title: 'Wide', properties: { lang: 'go' }, relations: {}, team: [] });
});

test('delete without dependents: a refused bulk request falls back to one by one and reports the refused', async () => {
  // Port refuses to delete an entity another one relates to through a required relation.
  // (A required relation must be set on every entity: the roots name themselves.)
  sim.putBlueprint({ identifier: 'part', title: 'Part', schema: { properties: {} }, relations: { of: { target: 'part', required: true, many: false } } });
  const part = (identifier: string, of = identifier): Entity => ({ identifier, blueprint: 'part', properties: {}, relations: { of } });
  const written = await hum.upsert('part', [part('d-1'), part('d-2', 'd-1'), part('d-3'), part('d-4')], write);
  assert.deepEqual(written.failed, []);
  const result = await hum.delete('part', ['d-1', 'd-3', 'gone-already'], { deleteDependents: false, signal });
  assert.deepEqual(result.deleted.sort(), ['d-3', 'gone-already']);
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0]!.identifier, 'd-1');
  assert.match(result.failed[0]!.message, /^422: .*dependent/);
  assert.ok(sim.entity('part', 'd-1'));
  assert.equal(sim.entity('part', 'd-3'), undefined);

  // Both ends in one call: the dependent goes first, then what it depended on.
  const both = await hum.delete('part', ['d-1', 'd-2', 'd-4'], { deleteDependents: false, signal });
  assert.deepEqual(both.deleted.sort(), ['d-1', 'd-2', 'd-4']);
  assert.deepEqual(both.failed, []);
});

test('an entity related to through an optional relation is deleted; the one relating to it stays and loses the link', async () => {
  await hum.upsert('service', [entity('o-1'), entity('o-2', { dependsOn: ['o-1', 'h-1'] })], write);
  const result = await hum.delete('service', ['o-1'], { deleteDependents: false, signal });
  assert.deepEqual(result, { deleted: ['o-1'], failed: [] });
  assert.deepEqual(sim.entity('service', 'o-2')!.relations, { dependsOn: ['h-1'] });
});

test('every request and response above matches port-apispec.yaml', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
  });
  const violations = sim.exchanges.flatMap((x) =>
    x.status < 300 ? validator.validate(x) : validator.validateResponse(x.method, x.path, x.status, x.responseBody),
  );
  assert.equal(violations.length, 0, formatViolations(violations));
});
