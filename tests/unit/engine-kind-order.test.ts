import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindDependencies, startOrder } from '../../activities/engine/kindOrder';
import type { BlueprintBody } from '../../activities/port/schemas';

const bp = (identifier: string, relations: Record<string, string> = {}): BlueprintBody => ({
  identifier,
  title: identifier,
  schema: { properties: {} },
  relations: Object.fromEntries(Object.entries(relations).map(([id, target]) => [id, { target, required: false, many: false }])),
});
const of = (map: Record<string, string[] | undefined>) => (kind: string) => map[kind];

test('a kind waits only for the earlier kinds its blueprints relate to', () => {
  const blueprints = [bp('app'), bp('env', { app: 'app' }), bp('store'), bp('value', { app: 'app', env: 'env', store: 'store' }), bp('group'), bp('user', { group: 'group' }), bp('node', { dependsOn: 'node' })];
  const kinds = ['application', 'environment', 'graph', 'secretStore', 'sharedValue', 'group', 'user'];
  const after = kindDependencies(kinds, of({ application: ['app'], environment: ['env'], graph: ['node'], secretStore: ['store'], sharedValue: ['value'], group: ['group'], user: ['user'] }), blueprints);
  assert.deepEqual(after, {
    application: [],
    environment: ['application'],
    graph: [], // a self-relation needs no other kind
    secretStore: [],
    sharedValue: ['application', 'environment', 'secretStore'],
    group: [],
    user: ['group'],
  });
});

test('without blueprint definitions, or with a blueprint computed per item, the order stays sequential', () => {
  const kinds = ['a', 'b', 'c'];
  assert.deepEqual(kindDependencies(kinds, of({ a: ['x'], b: ['y'], c: ['z'] }), undefined), { a: [], b: ['a'], c: ['a', 'b'] });
  const blueprints = [bp('x'), bp('z')];
  assert.deepEqual(kindDependencies(kinds, of({ a: ['x'], b: undefined, c: ['z'] }), blueprints), { a: [], b: ['a'], c: ['b'] });
});

test('without blueprint definitions, a kind that maps no relations waits only for the kinds that write its blueprints', () => {
  const kinds = ['a', 'b', 'c', 'd'];
  const blueprintsOf = of({ a: ['x'], b: ['y'], c: ['x'], d: ['z'] });
  const relates = (k: string) => k === 'd';
  // c writes x after a: the later item must still win, so c waits for a; d maps relations to unknown targets.
  assert.deepEqual(kindDependencies(kinds, blueprintsOf, undefined, {}, relates), { a: [], b: [], c: ['a'], d: ['a', 'b', 'c'] });
  // A blueprint computed per item may be any of them: it waits, and is waited for.
  assert.deepEqual(kindDependencies(kinds, of({ a: ['x'], b: undefined, c: ['y'], d: ['z'] }), undefined, {}, () => false), { a: [], b: ['a'], c: ['b'], d: ['b'] });
});

test("a kind that maps team waits for the kinds writing Port's _team blueprint", () => {
  const kinds = ['team', 'service', 'repo'];
  const blueprintsOf = of({ team: ['_team'], service: ['service'], repo: ['repo'] });
  const after = kindDependencies(kinds, blueprintsOf, undefined, {}, () => false, (k) => k === 'service');
  assert.deepEqual(after, { team: [], service: ['team'], repo: [] });
});

test('two kinds that write one blueprint keep their order even where the definitions are known', () => {
  const kinds = ['service', 'serviceExtra', 'team'];
  assert.deepEqual(kindDependencies(kinds, of({ service: ['service'], serviceExtra: ['service'], team: ['team'] }), [bp('service'), bp('team')]), {
    service: [],
    serviceExtra: ['service'],
    team: [],
  });
});

test("a kind also waits for the earlier kinds whose reads it takes over (the connector's readsAfter)", () => {
  const blueprints = [bp('app'), bp('env', { app: 'app' }), bp('node', { dependsOn: 'node' })];
  const kinds = ['application', 'environment', 'graph'];
  const blueprintsOf = of({ application: ['app'], environment: ['env'], graph: ['node'] });
  assert.deepEqual(kindDependencies(kinds, blueprintsOf, blueprints).graph, []);
  assert.deepEqual(kindDependencies(kinds, blueprintsOf, blueprints, { graph: ['environment'] }).graph, ['environment']);
});

test('the kinds most others wait for start first; otherwise the source order holds', () => {
  const after = { application: [], environment: ['application'], workload: ['environment'], graph: ['environment'], resource: ['workload', 'graph'], values: ['application'], group: [], user: ['group'] };
  const kinds = Object.keys(after);
  assert.deepEqual(startOrder(kinds, after), ['application', 'environment', 'workload', 'graph', 'group', 'resource', 'values', 'user']);
  assert.deepEqual(startOrder(['a', 'b', 'c'], { a: [], b: [], c: [] }), ['a', 'b', 'c']);
});
