// A full sync of the demo source into the demo catalog (the engine's minimal second target) on a real
// Temporal server: everything written, a second run writes nothing, a change writes only itself,
// removed items are deleted, a dry run writes nothing, and the progress query answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { attachConflict, follow, startOrAttach } from '../../client/runSync';
import type { RunningWorkers } from '../../worker/run';
import { progressQuery, type SyncReport } from '../../workflows/definitions';
import { connectTemporal, demoSetup, eventually, startTestWorkers, type DemoSetup, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let setup: DemoSetup;
let workers: RunningWorkers;

before(async () => {
  temporal = await connectTemporal();
  setup = await demoSetup({ items: 45, pageSize: 10 });
  workers = await startTestWorkers(temporal, setup);
});

after(async () => {
  workers.shutdown();
  await workers.done;
  await setup.sim.stop();
  await temporal.close();
});

const sync = async (extra: { kinds?: string[]; dryRun?: boolean } = {}): Promise<SyncReport> => {
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, ...extra });
  return handle.result();
};

test('a first sync writes every item of every kind, in dependency order, and reports per kind', async () => {
  const report = await sync();
  assert.equal(report.status, 'completed');
  assert.deepEqual(report.kinds.map((k) => k.kind), ['team', 'service']);
  for (const kind of report.kinds) {
    assert.deepEqual(
      { status: kind.status, pages: kind.pages, fetched: kind.fetched, created: kind.created, updated: kind.updated, failed: kind.failed },
      { status: 'done', pages: 5, fetched: 45, created: 45, updated: 0, failed: 0 },
    );
  }
  assert.equal(setup.sim.catalog.size, 90);
});

test('a second sync writes nothing; changing 3 items writes exactly 3', async () => {
  const unchanged = await sync();
  assert.equal(unchanged.kinds.reduce((n, k) => n + k.created + k.updated + k.deleted, 0), 0);
  assert.equal(unchanged.kinds.reduce((n, k) => n + k.unchanged, 0), 90);

  const services = setup.sim.source.get('service')!;
  for (const item of services.slice(0, 3)) item.version += 1;
  const changed = await sync();
  assert.deepEqual(changed.kinds.map((k) => [k.kind, k.created, k.updated]), [['team', 0, 0], ['service', 0, 3]]);
  assert.equal(setup.sim.catalog.get(`service/${services[0]!.id}`)!.version, 2);
});

test('items removed from the source are deleted, exactly those; an item whose write fails keeps its entity', async () => {
  const services = setup.sim.source.get('service')!;
  const removed = services.splice(10, 5);
  const refused = services[0]!;
  refused.version += 1;
  setup.sim.rejectWrite = (item) => item.id === refused.id;
  try {
    const report = await sync();
    assert.equal(report.reconcile.status, 'done');
    assert.deepEqual(report.kinds.map((k) => [k.kind, k.deleted, k.failed]), [['team', 0, 0], ['service', 5, 1]]);
    assert.match(report.kinds[1]!.failures[0]!, new RegExp(`"${refused.id}": item ${refused.id} v3 is invalid`));
    for (const item of removed) assert.equal(setup.sim.catalog.has(`service/${item.id}`), false, `${item.id} deleted`);
    assert.equal(setup.sim.catalog.has(`service/${refused.id}`), true, 'the entity whose write failed is kept');
    assert.equal(setup.sim.catalog.size, 85);
  } finally {
    setup.sim.rejectWrite = undefined;
    services.splice(10, 0, ...removed);
  }
  const restored = await sync();
  assert.deepEqual(restored.kinds.map((k) => [k.kind, k.created, k.updated]), [['team', 0, 0], ['service', 5, 1]]);
});

test('a dry run fetches everything and writes nothing', async () => {
  setup.sim.source.get('team')![0]!.name = 'renamed';
  const report = await sync({ dryRun: true });
  assert.equal(report.dryRun, true);
  assert.equal(report.kinds.reduce((n, k) => n + k.fetched, 0), 90);
  assert.notEqual(setup.sim.catalog.get(`team/${setup.sim.source.get('team')![0]!.id}`)!.name, 'renamed');
});

test('a run limited to one kind touches only that kind', async () => {
  const report = await sync({ kinds: ['team'] });
  assert.deepEqual(report.kinds.map((k) => k.kind), ['team']);
  assert.equal(setup.sim.catalog.get(`team/${setup.sim.source.get('team')![0]!.id}`)!.name, 'renamed');
});

test('the progress query shows a running sync, and `follow` reports it', async () => {
  setup.sim.pageDelayMs = 150;
  try {
    const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
    const live = await eventually(async () => {
      const p = await handle.query(progressQuery);
      return p.kinds.some((k) => k.pages > 0) ? p : undefined;
    }, 20_000, 'progress');
    assert.equal(live.integration, setup.integration);
    const seen: SyncReport[] = [];
    const final = await follow(handle, (r) => seen.push(r));
    assert.equal(final.status, 'completed');
    assert.ok(seen.length >= 1, 'follow reported progress at least once');
  } finally {
    setup.sim.pageDelayMs = 0;
  }
});

test('an unknown kind fails at once with a message naming it and the kinds there are', async () => {
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, kinds: ['nope'] });
  const err = await handle.result().then(
    () => assert.fail('expected failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  const activityFailure = err.cause as (Error & { cause?: Error }) | undefined;
  const message = String(activityFailure?.cause?.message ?? activityFailure?.message);
  assert.match(message, /no kind "nope" \(kinds: team, service\)/);
});

test('a permanently failing kind holds the run at that kind, retrying, after the kinds before it completed', async () => {
  setup.sim.failKinds.add('service');
  try {
    const { handle } = await startOrAttach(temporal.client, { ...setup.config }, { integration: setup.integration });
    // The page activity retries with backoff; watch the report rather than wait for all attempts.
    const report = await eventually(async () => {
      const p = await handle.query(progressQuery);
      return p.kinds.find((k) => k.kind === 'team')?.status === 'done' && p.kinds.find((k) => k.kind === 'service')?.status === 'running' ? p : undefined;
    }, 20_000, 'team done, service running');
    assert.equal(report.kinds[1]!.pages, 0);
    await handle.terminate('test over');
  } finally {
    setup.sim.failKinds.clear();
  }
});

test('a second start attaches to the running sync, but a dry run or other kinds are told it would not be theirs', async () => {
  setup.sim.pageDelayMs = 150;
  try {
    const first = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
    await eventually(async () => (await first.handle.query(progressQuery)).kinds.length > 0, 20_000, 'planned');
    const same = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
    assert.equal(same.started, false);
    assert.equal(await attachConflict(same.handle, { integration: setup.integration }), undefined);
    const dry = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, dryRun: true });
    assert.equal(dry.started, false);
    assert.match((await attachConflict(dry.handle, { integration: setup.integration, dryRun: true }))!, /already running \(writing, kinds service,team/);
    assert.match((await attachConflict(dry.handle, { integration: setup.integration, kinds: ['team'] }))!, /already running/);
    await first.handle.result();
  } finally {
    setup.sim.pageDelayMs = 0;
  }
});
