// One page through the engine over an in-memory target: only what changed is written, and when an
// attempt fails halfway through its writes, the retry still reports every entity the run changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestBuilder, ProducedSet } from '../../activities/engine/digest';
import { planDeletes } from '../../activities/engine/reconcile';
import type { Entity } from '../../activities/engine/entity';
import { readPage, syncPage, writePage, type PageInput, type WrittenLog } from '../../activities/engine/syncPage';
import type { Target } from '../../activities/engine/target';
import { compileMapping } from '../../activities/mapping';

const mapping = compileMapping(
  {
    resources: [
      {
        kind: 'service',
        selector: { query: 'true' },
        port: { entity: { mappings: { identifier: '.id', title: '.name', blueprint: '"service"' } } },
      },
    ],
  },
  { integration: 'test' },
);

/** Port-like storage; `failAfterCalls` makes later upsert calls throw, as a spent retry budget would. */
function memoryTarget(stored: Entity[] = []) {
  const entities = new Map(stored.map((e) => [e.identifier, e]));
  const target = {
    api: 'memory',
    maxBatch: 2,
    failAfterCalls: Infinity,
    upsertCalls: 0,
    entities,
    getMany: async (_bp: string, ids: string[]) => new Map(ids.flatMap((id) => (entities.has(id) ? [[id, entities.get(id)!] as const] : []))),
    async upsert(_bp: string, batch: Entity[]) {
      if (target.upsertCalls++ >= target.failAfterCalls) throw new Error('429 budget spent');
      for (const e of batch) entities.set(e.identifier, e);
      return { written: batch.map((e) => e.identifier), failed: [] };
    },
    async *listOwned() {},
    delete: async () => ({ deleted: [], failed: [] }),
  } satisfies Target & Record<string, unknown>;
  return target;
}

const service = (id: string, name: string): Entity => ({ identifier: id, blueprint: 'service', title: name, properties: {}, relations: {} });

function page(target: Target, items: unknown[], extra: Partial<PageInput> = {}) {
  return syncPage({
    integration: 'test',
    kind: 'service',
    items,
    mapping,
    target,
    dryRun: false,
    digest: new DigestBuilder(),
    signal: new AbortController().signal,
    concurrency: 1,
    ...extra,
  });
}

test('only new and changed entities are written; unchanged ones are counted as such', async () => {
  const target = memoryTarget([service('a', 'A'), service('b', 'B')]);
  const outcome = await page(target, [
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B2' },
    { id: 'c', name: 'C' },
  ]);
  assert.deepEqual([outcome.created, outcome.updated, outcome.unchanged], [1, 1, 1]);
  assert.equal(target.entities.get('b')!.title, 'B2');
});

test('a page retried after a failure halfway through its writes counts each entity it changed once', async () => {
  const before = Array.from({ length: 6 }, (_, i) => service(`s${i}`, `old ${i}`));
  const items = [...before.map((e, i) => ({ id: e.identifier, name: `new ${i}` })), { id: 'fresh', name: 'Fresh' }];
  const target = memoryTarget(before);
  target.failAfterCalls = 2; // 2 of 4 batches of 2 land, then the attempt fails

  const log: WrittenLog = {};
  const onWritten = (bp: string, id: string, as: 'created' | 'updated') => ((log[bp] ??= {})[id] = as);
  await assert.rejects(page(target, items, { onWritten }), /429 budget spent/);
  assert.equal(Object.keys(log.service ?? {}).length, 4, 'the failed attempt logged the 4 entities it wrote');

  target.failAfterCalls = Infinity;
  const retry = await page(target, items, { writtenBefore: log });
  assert.deepEqual(
    { created: retry.created, updated: retry.updated, unchanged: retry.unchanged },
    { created: 1, updated: 6, unchanged: 0 },
    'the 4 written before the failure read back unchanged, yet count as written',
  );
  // Creates go first: the failed attempt wrote "fresh" and three updates.
  assert.deepEqual(retry.carried.map(([, id]) => id).sort(), ['fresh', 's0', 's1', 's2']);
  assert.equal(target.upsertCalls, 3 + 2, 'the retry wrote only the 3 entities still different, in 2 calls');
});

test('an entity written by the failed attempt and changed again since is counted once, as this write', async () => {
  const target = memoryTarget([service('a', 'A')]);
  const retry = await page(target, [{ id: 'a', name: 'A3' }], { writtenBefore: { service: { a: 'updated' } } });
  assert.deepEqual([retry.created, retry.updated, retry.unchanged], [0, 1, 0]);
  assert.deepEqual(retry.carried, [['service', 'a']]);
});

test('a page read while the page before it was written reads the entities that page wrote again: the later item wins', async () => {
  const target = memoryTarget([service('x', 'Old')]);
  const base = { integration: 'test', kind: 'service', mapping, target, dryRun: false, digest: new DigestBuilder(), signal: new AbortController().signal, concurrency: 1 };
  // Page 2 is read first (x = "Old", which is also what page 2 wants), then page 1 writes x = "New".
  const second = await readPage({ ...base, items: [{ id: 'x', name: 'Old' }] });
  const first = await writePage({ ...base, items: [{ id: 'x', name: 'New' }] }, await readPage({ ...base, items: [{ id: 'x', name: 'New' }] }));
  assert.equal(first.updated, 1);
  // Told that x was written since its read, page 2 sees "New" and writes its own value back over it.
  const outcome = await writePage({ ...base, items: [{ id: 'x', name: 'Old' }], writtenSinceRead: (bp, id) => bp === 'service' && id === 'x' }, second);
  assert.equal(outcome.updated, 1);
  assert.equal(target.entities.get('x')!.title, 'Old');
  // Without that, its stale read would call x unchanged and leave page 1's value: the wrong order.
  const stale = await readPage({ ...base, items: [{ id: 'x', name: 'Old' }] });
  await writePage({ ...base, items: [{ id: 'x', name: 'Mid' }] }, await readPage({ ...base, items: [{ id: 'x', name: 'Mid' }] }));
  assert.equal((await writePage({ ...base, items: [{ id: 'x', name: 'Old' }] }, stale)).unchanged, 1, 'the stale read hides the change');
  assert.equal(target.entities.get('x')!.title, 'Mid');
});

test('an item whose selector fails keeps its entity through reconcile; without an identifier its kind deletes nothing', async () => {
  const selective = compileMapping(
    { resources: [{ kind: 'service', selector: { query: '.labels | contains(["prod"])' }, port: { entity: { mappings: { identifier: '.id', blueprint: '"service"' } } } }] },
    { integration: 'test' },
  );
  const digest = new DigestBuilder();
  const items = [{ id: 'a', labels: ['prod'] }, { id: 'b', labels: null }, { id: 'c', labels: ['prod'] }];
  const outcome = await page(memoryTarget(), items, { mapping: selective, digest });
  assert.equal(outcome.failed, 1);
  assert.equal(outcome.incomplete, undefined);
  const old = '2020-01-01T00:00:00Z';
  const owned = ['a', 'b', 'c'].map((identifier) => ({ identifier, blueprint: 'service', updatedAt: old, relations: {} }));
  const plan = planDeletes({ owned, produced: new ProducedSet([digest.encode()]), runStartedAt: new Date().toISOString(), threshold: 0.9, blueprintOrder: ['service'] });
  assert.deepEqual(plan.deletes, [], 'b may still be selected: it is kept');

  const unknown = await page(memoryTarget(), [{ labels: null }], { mapping: selective });
  assert.match(unknown.incomplete ?? '', /have no identifier/);
});
