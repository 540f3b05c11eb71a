import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWrites, sameValue } from '../../activities/engine/diff';
import type { Entity } from '../../activities/engine/entity';

const entity = (identifier: string, properties: Record<string, unknown> = {}, relations: Entity['relations'] = {}, title = identifier): Entity => ({
  identifier,
  blueprint: 'service',
  title,
  properties,
  relations,
});

test('unchanged entities are not written; new ones are created without absent values', () => {
  const existing = new Map([['a', entity('a', { url: 'https://a', tags: ['x'] }, { team: 't1' })]]);
  const plan = planWrites(
    [entity('a', { url: 'https://a', tags: ['x'] }, { team: 't1' }), entity('b', { url: null, tags: ['y'] }, { team: null })],
    existing,
    true,
  );
  assert.equal(plan.unchanged, 1);
  assert.deepEqual(plan.updates, []);
  assert.deepEqual(plan.creates, [entity('b', { tags: ['y'] }, {})]);
});

test('a value the source no longer has is cleared on update (null, or [] for a list)', () => {
  const existing = new Map([['a', entity('a', { url: 'https://a', tags: ['x'], lang: 'go' }, { team: 't1', deps: ['b'] })]]);
  const plan = planWrites([entity('a', { url: null, tags: null, lang: 'rust' }, { team: null, deps: null })], existing, true);
  assert.deepEqual(plan.updates, [entity('a', { url: null, tags: [], lang: 'rust' }, { team: null, deps: [] })]);
});

test('a field cleared earlier reads back empty and is not written again', () => {
  const existing = new Map([['a', entity('a', { tags: [] }, { deps: [] })]]);
  assert.equal(planWrites([entity('a', { tags: null, url: null }, { deps: null })], existing, true).unchanged, 1);
});

test('without merge an update replaces the entity: absent values are left out', () => {
  const existing = new Map([['a', entity('a', { url: 'https://a', lang: 'go' })]]);
  const plan = planWrites([entity('a', { url: null, lang: 'rust' })], existing, false);
  assert.deepEqual(plan.updates, [entity('a', { lang: 'rust' })]);
});

test('title, team and icon changes are changes; fields the mapping does not declare are ignored', () => {
  const held = { ...entity('a', { url: 'u', mine: 'kept' }), team: ['t2', 't1'], icon: 'Go' };
  const existing = new Map([['a', held]]);
  assert.equal(planWrites([{ ...entity('a', { url: 'u' }), team: ['t1', 't2'], icon: 'Go' }], existing, true).unchanged, 1);
  assert.equal(planWrites([entity('a', { url: 'u' }, {}, 'renamed')], existing, true).updates.length, 1);
  assert.equal(planWrites([{ ...entity('a', { url: 'u' }), team: 't3' }], existing, true).updates.length, 1);
});

test('two items with one identifier: the later one is written once', () => {
  const plan = planWrites([entity('a', { v: 1 }), entity('a', { v: 2 })], new Map(), true);
  assert.deepEqual(plan.creates, [entity('a', { v: 2 })]);
});

test('values compare as JSON: key order does not matter, array order does', () => {
  assert.ok(sameValue({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }));
  assert.ok(!sameValue([1, 2], [2, 1]));
  assert.ok(!sameValue(1, '1'));
  assert.ok(!sameValue(false, null));
  assert.ok(sameValue(null, undefined));
});
