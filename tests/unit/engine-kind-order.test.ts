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
