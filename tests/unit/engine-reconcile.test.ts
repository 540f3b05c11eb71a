import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDeletes, type ReconcileInput } from '../../activities/engine/reconcile';
import type { OwnedEntity } from '../../activities/engine/entity';

const START = '2026-11-22T10:00:00.000Z';
const BEFORE = '2026-11-21T10:00:00.000Z';
const owned = (blueprint: string, identifier: string, relations: OwnedEntity['relations'] = {}, updatedAt = BEFORE): OwnedEntity => ({
  blueprint,
  identifier,
  relations,
  updatedAt,
});
const producedOf = (...keys: string[]) => ({ has: (bp: string, id: string) => keys.includes(`${bp}/${id}`) });
const input = (over: Partial<ReconcileInput>): ReconcileInput => ({
  owned: [],
  produced: producedOf(),
  runStartedAt: START,
  threshold: 0.9,
  blueprintOrder: ['team', 'service'],
  ...over,
});

test('owned entities the run did not produce are deleted, relation sources before their targets', () => {
  const plan = planDeletes(
    input({
      owned: [owned('team', 't1'), owned('team', 'gone-team'), owned('service', 's1'), owned('service', 'gone-svc')],
      produced: producedOf('team/t1', 'service/s1'),
    }),
  );
  assert.deepEqual(plan.deletes.map((e) => `${e.blueprint}/${e.identifier}`), ['service/gone-svc', 'team/gone-team']);
  assert.equal(plan.refused, undefined);
});

test('an entity written after the run started is never deleted', () => {
  const plan = planDeletes(
    input({ owned: [owned('service', 's1'), owned('service', 'fresh', {}, '2026-11-22T10:00:05.000Z'), owned('service', 'old')], produced: producedOf('service/s1') }),
  );
  assert.deepEqual(plan.deletes.map((e) => e.identifier), ['old']);
  assert.equal(plan.keptWrittenDuringRun, 1);
});

test('a source that returned nothing for a blueprint deletes nothing, even when other blueprints look healthy', () => {
  const plan = planDeletes(
    input({ owned: [owned('team', 't1'), owned('team', 'gone'), owned('service', 'a'), owned('service', 'b')], produced: producedOf('team/t1'), threshold: 1 }),
  );
  assert.deepEqual(plan.deletes, []);
  assert.match(plan.refused!, /the source returned none of the 2 owned "service" entities/);
});

test('a kind that returned nothing deletes nothing in a blueprint it shares with a kind that did', () => {
  // GitHub repos and GitLab projects both write "service"; GitLab answers 200 with nothing (a token lost
  // its scope). Its 2 of 11 services are under the threshold, but nobody knows they are stale.
  const services = [...Array.from({ length: 9 }, (_, i) => owned('service', `gh-${i}`)), owned('service', 'gl-1'), owned('service', 'gl-2')];
  const produced = producedOf(...Array.from({ length: 9 }, (_, i) => `service/gh-${i}`));
  const plan = planDeletes(input({ owned: services, produced, emptyKinds: new Map([['service', ['gitlabProject']]]) }));
  assert.deepEqual(plan.deletes, []);
  assert.match(plan.refused!, /kind\(s\) "gitlabProject" returned nothing, so which of the 2 owned "service" entities/);
  // Both kinds returned items: the two are stale.
  assert.equal(planDeletes(input({ owned: services, produced })).deletes.length, 2);
});

test('above the threshold nothing is deleted, with the numbers', () => {
  const all = Array.from({ length: 10 }, (_, i) => owned('service', `s${i}`));
  const plan = planDeletes(input({ owned: all, produced: producedOf('service/s0'), threshold: 0.5 }));
  assert.deepEqual(plan.deletes, []);
  assert.match(plan.refused!, /9 of 10 owned "service" entities \(90 %\) would be deleted, above the threshold of 50 %/);
  assert.equal(planDeletes(input({ owned: all, produced: producedOf('service/s0'), threshold: 0.9 })).deletes.length, 9);
});

test('relation targets of kept entities are kept, transitively', () => {
  const plan = planDeletes(
    input({
      owned: [
        owned('service', 'kept', { team: 'team-a' }),
        owned('team', 'team-a', { parent: 'team-root' }),
        owned('team', 'team-root'),
        owned('team', 'team-b'),
        owned('team', 'team-c'),
      ],
      produced: producedOf('service/kept', 'team/team-c'),
    }),
  );
  assert.deepEqual(plan.deletes.map((e) => e.identifier), ['team-b']);
  assert.equal(plan.keptAsRelationTarget, 2);
});

test('the threshold is judged per blueprint', () => {
  const teams = Array.from({ length: 10 }, (_, i) => owned('team', `t${i}`));
  const services = Array.from({ length: 90 }, (_, i) => owned('service', `s${i}`));
  const produced = { has: (bp: string, id: string) => bp === 'service' || id === 't0' };
  const plan = planDeletes(input({ owned: [...teams, ...services], produced, threshold: 0.5 }));
  assert.deepEqual(plan.deletes, []);
  assert.match(plan.refused!, /9 of 10 owned "team" entities/);
});

test('a scoped run deletes only inside its identifier prefix', () => {
  const plan = planDeletes(
    input({
      owned: [owned('env', 'app1/dev'), owned('env', 'app1/gone'), owned('env', 'app2/gone')],
      produced: producedOf('env/app1/dev'),
      identifierPrefix: 'app1/',
    }),
  );
  assert.deepEqual(plan.deletes.map((e) => e.identifier), ['app1/gone']);
  assert.equal(plan.ownedInScope, 2);
});

test('what an entity kept but not owned points at is kept too (alsoKept), as for kept owned ones', () => {
  const plan = planDeletes(
    input({
      owned: [owned('team', 'gone-team'), owned('team', 'via-team'), owned('service', 'svc', { team: 'via-team' }), owned('service', 'gone-svc')],
      produced: producedOf('service/svc', 'service/by-hand'),
      alsoKept: [owned('service', 'by-hand', { owner: 'gone-team' })],
    }),
  );
  assert.deepEqual(plan.deletes.map((e) => `${e.blueprint}/${e.identifier}`), ['service/gone-svc']);
  assert.equal(plan.keptAsRelationTarget, 2, 'via-team (svc points at it) and gone-team (by-hand does)');
  const without = planDeletes(input({ owned: [owned('team', 'gone-team'), owned('team', 't'), owned('service', 'svc', { team: 't' })], produced: producedOf('service/svc', 'team/t') }));
  assert.deepEqual(without.deletes.map((e) => e.identifier), ['gone-team'], 'without alsoKept it would go');
});
