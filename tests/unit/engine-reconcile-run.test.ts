// The delete phase over an in-memory target: which blueprints a run may reconcile, and that a lost or
// damaged digest (the run's only record of what it produced) means no deletes rather than a guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestBuilder } from '../../activities/engine/digest';
import type { OwnedEntity } from '../../activities/engine/entity';
import { blueprintsInScope, reconcileRun, type RunKind } from '../../activities/engine/reconcileRun';
import type { Target } from '../../activities/engine/target';
import { compileMapping } from '../../activities/mapping';

const resource = (kind: string, blueprint: string) => ({
  kind,
  selector: { query: 'true' },
  port: { entity: { mappings: { identifier: '.id', blueprint } } },
});
const mapping = compileMapping(
  { resources: [resource('team', '"team"'), resource('service', '"service"'), resource('legacy', '"service"'), resource('any', '.bp')] },
  { integration: 'test' },
);

function memoryTarget(owned: OwnedEntity[]): Target & { deleted: string[]; listed: string[] } {
  const deleted: string[] = [];
  const listed: string[] = [];
  return {
    api: 'memory',
    maxBatch: 10,
    deleted,
    listed,
    getMany: async () => new Map(),
    upsert: async () => ({ written: [], failed: [] }),
    async *listOwned(blueprint) {
      listed.push(blueprint);
      yield owned.filter((e) => e.blueprint === blueprint && !deleted.includes(`${blueprint}/${e.identifier}`));
    },
    async delete(blueprint, ids) {
      deleted.push(...ids.map((id) => `${blueprint}/${id}`));
      return { deleted: ids, failed: [] };
    },
  };
}

const OLD = '2026-01-01T00:00:00.000Z';
const owned = (blueprint: string, identifier: string): OwnedEntity => ({ blueprint, identifier, updatedAt: OLD, relations: {} });

function runKind(kind: string, blueprint: string, ids: string[]): RunKind {
  const digest = new DigestBuilder();
  for (const id of ids) digest.add(blueprint, id);
  return { kind, complete: true, digests: [digest.encode()], produced: digest.size };
}

const base = { integration: 'test', mapping, startedAt: '2026-11-22T00:00:00.000Z', dryRun: false, signal: new AbortController().signal };

test('stale owned entities of the run\'s blueprints are deleted, dependents first', async () => {
  const target = memoryTarget([owned('team', 't1'), owned('team', 't-old'), owned('service', 's1'), owned('service', 'l1'), owned('service', 's-old')]);
  const outcome = await reconcileRun({
    ...base,
    target,
    kinds: [runKind('team', 'team', ['t1']), runKind('service', 'service', ['s1']), runKind('legacy', 'service', ['l1'])],
  });
  assert.equal(outcome.status, 'done');
  assert.deepEqual(target.deleted, ['service/s-old', 'team/t-old']);
  assert.deepEqual(outcome.deletedByKind, { team: 1, service: 1 });
});

test('a kind that returned nothing, beside one that did in its blueprint, means no deletes, saying which kind', async () => {
  const target = memoryTarget([owned('team', 't1'), owned('team', 't-old'), ...Array.from({ length: 9 }, (_, i) => owned('service', `s${i}`)), owned('service', 'l1')]);
  const outcome = await reconcileRun({
    ...base,
    target,
    kinds: [runKind('team', 'team', ['t1']), runKind('service', 'service', Array.from({ length: 9 }, (_, i) => `s${i}`)), runKind('legacy', 'service', [])],
  });
  assert.equal(outcome.status, 'refused');
  assert.match(outcome.reason!, /kind\(s\) "legacy" returned nothing/);
  assert.deepEqual(target.deleted, []);
});

test('a dry run reports the deletes and makes none', async () => {
  const target = memoryTarget([owned('team', 't1'), owned('team', 't-old')]);
  const outcome = await reconcileRun({ ...base, dryRun: true, target, kinds: [runKind('team', 'team', ['t1'])] });
  assert.equal(outcome.status, 'dry-run');
  assert.deepEqual(outcome.deleted, { team: 1 });
  assert.deepEqual(target.deleted, []);
});

test('a lost or damaged digest deletes nothing and says so', async () => {
  const target = memoryTarget([owned('team', 't1'), owned('team', 't-old')]);
  const lost = { ...runKind('team', 'team', ['t1', 't2']), digests: [] };
  const outcome = await reconcileRun({ ...base, target, kinds: [lost] });
  assert.equal(outcome.status, 'refused');
  assert.match(outcome.reason!, /record of entities produced is incomplete for kind\(s\) "team"/);
  const damaged = { ...runKind('team', 'team', ['t1']), digests: ['not*base64!'] };
  assert.equal((await reconcileRun({ ...base, target, kinds: [damaged] })).status, 'refused');
  assert.deepEqual(target.deleted, []);
});

test('an incomplete kind deletes nothing in any blueprint', async () => {
  const target = memoryTarget([owned('team', 't-old'), owned('service', 's-old'), owned('team', 't1')]);
  const outcome = await reconcileRun({
    ...base,
    target,
    kinds: [runKind('team', 'team', ['t1']), { ...runKind('service', 'service', []), complete: false, incomplete: '2 item(s) have no identifier' }],
  });
  assert.equal(outcome.status, 'refused');
  assert.match(outcome.reason!, /kind "service" is incomplete \(2 item\(s\) have no identifier\)/);
  assert.deepEqual(target.deleted, []);
});

test('a blueprint another kind also writes is reconciled only when that kind ran too', () => {
  assert.deepEqual(blueprintsInScope(mapping, ['team', 'service']), {
    blueprints: ['team'],
    excluded: ['blueprint "service" is also written by kind(s) "legacy", not part of this run'],
  });
  assert.deepEqual(blueprintsInScope(mapping, ['team', 'service', 'legacy']).blueprints, ['team', 'service']);
  assert.deepEqual(blueprintsInScope(mapping, ['any']), { blueprints: [], excluded: ['kind "any" computes its blueprint per item'] });
});

// Counting: a target that can say how many entities a blueprint holds (Port's entities-count) spares
// the listing when that is exactly what the run produced, and only then.
function countingTarget(held: OwnedEntity[]) {
  return Object.assign(memoryTarget(held), { count: async (blueprint: string) => held.filter((e) => e.blueprint === blueprint).length });
}
const clean = (kind: RunKind): RunKind => ({ ...kind, failed: 0 });

test('blueprints that hold just what the run produced are counted, not listed, and nothing is deleted', async () => {
  const target = countingTarget([owned('team', 't1'), owned('team', 't2'), owned('service', 's1')]);
  const kinds = [clean(runKind('team', 'team', ['t1', 't2'])), clean(runKind('service', 'service', ['s1'])), clean(runKind('legacy', 'service', ['s1']))];
  const outcome = await reconcileRun({ ...base, target, kinds });
  assert.equal(outcome.status, 'done');
  assert.equal(outcome.settledByCount, true);
  assert.deepEqual(target.listed, []);
  assert.deepEqual(target.deleted, []);
});

test('one blueprint holding more than the run produced means listing them all, and its stale entity goes', async () => {
  const target = countingTarget([owned('team', 't1'), owned('team', 't-old'), owned('service', 's1')]);
  const kinds = [clean(runKind('team', 'team', ['t1'])), clean(runKind('service', 'service', ['s1'])), clean(runKind('legacy', 'service', []))];
  const outcome = await reconcileRun({ ...base, target, kinds });
  assert.equal(outcome.settledByCount, undefined);
  assert.deepEqual(target.listed.sort(), ['service', 'team']);
  assert.deepEqual(target.deleted, ['team/t-old']);
});

test('a stale entity of a listed blueprint that a counted one points to is kept', async () => {
  // "service" alone would settle by its count; its entity still points to the stale team t-old.
  const s1 = { ...owned('service', 's1'), relations: { team: 't-old' } };
  const target = countingTarget([owned('team', 't1'), owned('team', 't-old'), s1]);
  const kinds = [clean(runKind('team', 'team', ['t1'])), clean(runKind('service', 'service', ['s1'])), clean(runKind('legacy', 'service', []))];
  const outcome = await reconcileRun({ ...base, target, kinds });
  assert.equal(outcome.keptAsRelationTarget, 1);
  assert.deepEqual(target.deleted, []);
});

test('a count that matches only because an item failed still lists: the stale entity is found', async () => {
  // t-new failed to write (absent from the target), t-old is stale: the count (2) equals the produced (2).
  const target = countingTarget([owned('team', 't1'), owned('team', 't-old')]);
  const team = { ...runKind('team', 'team', ['t1', 't-new']), failed: 1 };
  await reconcileRun({ ...base, target, kinds: [team] });
  assert.deepEqual(target.listed, ['team']);
  assert.deepEqual(target.deleted, ['team/t-old']);
  // The same numbers from a run recorded before failures were carried (failed unknown): listed too.
  const older = countingTarget([owned('team', 't1'), owned('team', 't-old')]);
  await reconcileRun({ ...base, target: older, kinds: [runKind('team', 'team', ['t1', 't-new'])] });
  assert.deepEqual(older.deleted, ['team/t-old']);
});

test('dry runs, scoped runs and kinds writing several blueprints list instead of counting', async () => {
  const held = [owned('team', 't1'), owned('team', 'x-old')];
  const dry = countingTarget(held);
  await reconcileRun({ ...base, dryRun: true, target: dry, kinds: [clean(runKind('team', 'team', ['t1', 't-new']))] });
  assert.deepEqual(dry.listed, ['team']);
  const scoped = countingTarget(held);
  await reconcileRun({ ...base, identifierPrefix: 't', target: scoped, kinds: [clean(runKind('team', 'team', ['t1', 'x-old']))] });
  assert.deepEqual(scoped.listed, ['team']);
  const both = compileMapping(
    { resources: [resource('team', '"team"'), { ...resource('team', '"group"') }] },
    { integration: 'test' },
  );
  const several = countingTarget(held);
  await reconcileRun({ ...base, mapping: both, target: several, kinds: [clean(runKind('team', 'team', ['t1', 'x-old']))] });
  assert.deepEqual(several.listed.sort(), ['group', 'team']);
});
