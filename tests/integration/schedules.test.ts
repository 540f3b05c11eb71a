// Schedules on a real Temporal server: `schedules apply` is idempotent (created, unchanged, updated,
// deleted; an operator's pause survives), and single flight holds across every way a sync starts: a
// scheduled run that comes due while one runs is skipped, `run` attaches to a running scheduled sync,
// a triggered schedule run beside a manual sync reports "skipped", and a Web UI start delegates to
// the canonical `sync:<integration>` execution.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type WorkflowExecutionInfo } from '@temporalio/client';
import { applySchedules } from '../../client/schedules';
import { startOrAttach } from '../../client/runSync';
import { scheduleSchema, type Config, type IntegrationConfig } from '../../config/schema';
import type { RunningWorkers } from '../../worker/run';
import { progressQuery, scheduleId, syncWorkflowId, type SyncReport } from '../../workflows/definitions';
import type { syncIntegration } from '../../workflows/syncIntegration';
import { connectTemporal, demoSetup, eventually, startTestWorkers, uniqueId, type DemoSetup, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let setup: DemoSetup;
let workers: RunningWorkers;
/** Every schedule a test may have created, deleted in `after` whatever happened. */
const created = new Set<string>();

// 2 kinds x 20 items in pages of 10: four pages per sync, each delayed when a test wants a slow sync.
const ITEMS = 20;
const PAGES_PER_SYNC = 4;

before(async () => {
  temporal = await connectTemporal();
  // Kinds one after the other: the timings below (a sync of four slow pages, progress shown once the
  // first kind is done) are those of a sequential run.
  setup = await demoSetup({ items: ITEMS, pageSize: 10, overrides: { worker: { parallelKinds: 1 } } });
  workers = await startTestWorkers(temporal, setup);
});

after(async () => {
  for (const id of created) await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
  for await (const wf of temporal.client.workflow.list({ query: `PortSyncIntegration = '${setup.integration}' AND ExecutionStatus = 'Running'` })) {
    await temporal.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test over').catch(() => undefined);
  }
  workers.shutdown();
  await workers.done;
  await setup.sim.stop();
  await temporal.close();
});

const integration = (): IntegrationConfig => setup.config.integrations[0]!;

/** The test config with its integration's schedule replaced (false: no schedule; null: integration removed). */
function withSchedule(schedule: Record<string, unknown> | false | null): Config {
  if (schedule === null) return { ...setup.config, integrations: [] };
  const parsed = schedule === false ? false : scheduleSchema.parse(schedule);
  return { ...setup.config, integrations: [{ ...integration(), schedule: parsed }] };
}

async function apply(config: Config) {
  const results = await applySchedules(temporal.client, config);
  for (const r of results) if (r.change !== 'deleted') created.add(r.scheduleId);
  return results;
}

const pagesServed = () =>
  [...setup.sim.http.requests.entries()].filter(([route]) => route.startsWith('GET') && route.includes('items')).reduce((n, [, c]) => n + c, 0);

async function syncExecutions(): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const wf of temporal.client.workflow.list({ query: `WorkflowId = '${syncWorkflowId(setup.integration)}'` })) out.push(wf);
  return out;
}

/** Fails when any two executions' [start, close] intervals overlap (a running one is open-ended). */
function assertNoOverlap(executions: WorkflowExecutionInfo[]) {
  const intervals = executions
    .map((e) => ({ runId: e.runId, start: e.startTime.getTime(), end: e.closeTime?.getTime() ?? Infinity }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++) {
    const [prev, next] = [intervals[i - 1]!, intervals[i]!];
    assert.ok(prev.end <= next.start, `sync runs ${prev.runId} and ${next.runId} overlapped: ${JSON.stringify(intervals)}`);
  }
}

async function waitUntilIdle() {
  await eventually(async () => (await syncExecutions()).every((e) => e.status.name !== 'RUNNING') || undefined, 60_000, 'no sync running');
}

/** Waits until `sync:<id>` runs and has fetched at least one page. */
async function waitForRunningSync(): Promise<SyncReport> {
  return eventually(async () => {
    const p = await temporal.client.workflow.getHandle<typeof syncIntegration>(syncWorkflowId(setup.integration)).query(progressQuery);
    return p.kinds.some((k) => k.pages > 0) && !p.finishedAt ? p : undefined;
  }, 30_000, 'a running sync with progress');
}

test('schedules apply: created, then unchanged, then updated on a changed cron, then deleted with the integration', async () => {
  const id = scheduleId(setup.integration);
  const weekly = withSchedule({ cron: '0 2 * * 1' });

  assert.deepEqual(await apply(weekly), [{ integration: setup.integration, scheduleId: id, change: 'created', cron: '0 2 * * 1' }]);
  const handle = temporal.client.schedule.getHandle(id);
  const first = await handle.describe();
  assert.equal(first.policies.overlap, ScheduleOverlapPolicy.SKIP);
  assert.equal(first.policies.catchupWindow, 60 * 60 * 1000);
  assert.equal(first.policies.pauseOnFailure, false);
  assert.equal(first.state.paused, false);
  assert.equal(first.action.type, 'startWorkflow');
  assert.equal(first.action.workflowType, 'syncIntegration');
  assert.equal(first.action.workflowId, `scheduled-sync:${setup.integration}`);
  assert.equal(first.action.taskQueue, setup.config.worker.taskQueue);
  assert.deepEqual(first.action.args, [{ integration: setup.integration, trigger: 'schedule' }]);
  const monday = first.info.nextActionTimes[0]!;
  assert.equal(monday.getUTCDay(), 1);
  assert.equal(monday.getUTCHours(), 2);

  // A second apply changes nothing: not even an update with the same values.
  assert.deepEqual(await apply(weekly), [{ integration: setup.integration, scheduleId: id, change: 'unchanged', cron: '0 2 * * 1' }]);
  const second = await handle.describe();
  assert.deepEqual(second.spec, first.spec);
  assert.deepEqual(second.policies, first.policies);
  assert.deepEqual(second.state, first.state);
  assert.deepEqual(second.info.lastUpdatedAt, first.info.lastUpdatedAt);

  // A changed cron updates the schedule in place.
  const daily = withSchedule({ cron: '30 4 * * *' });
  assert.deepEqual(await apply(daily), [{ integration: setup.integration, scheduleId: id, change: 'updated', cron: '30 4 * * *' }]);
  const third = await handle.describe();
  assert.notDeepEqual(third.spec, first.spec);
  assert.equal(third.info.nextActionTimes[0]!.getUTCHours(), 4);
  assert.equal(third.info.nextActionTimes[0]!.getUTCMinutes(), 30);
  assert.ok(third.info.lastUpdatedAt, 'the update was recorded');
  assert.equal((await apply(daily))[0]!.change, 'unchanged');

  // The integration is removed from the config: its schedule goes (schedule listing is eventually consistent).
  const removed = await eventually(async () => {
    const results = await apply(withSchedule(null));
    return results.length > 0 ? results : undefined;
  }, 20_000, 'the removed integration\'s schedule to be listed and deleted');
  assert.deepEqual(removed, [{ integration: setup.integration, scheduleId: id, change: 'deleted' }]);
  await assert.rejects(handle.describe(), ScheduleNotFoundError);
  created.delete(id);
});

test('schedules apply: `schedule: false` deletes the schedule; schedules of another deployment are left alone', async () => {
  const id = scheduleId(setup.integration);
  // Another deployment (its own task queue) shares the namespace; its schedule is not this config's to delete.
  await temporal.client.schedule.getHandle(id).delete().catch(() => undefined); // whatever an earlier test left
  const other = await demoSetup({ items: 1 });
  try {
    const otherConfig: Config = { ...other.config, integrations: [{ ...other.config.integrations[0]!, schedule: scheduleSchema.parse({ cron: '0 2 * * 1' }) }] };
    assert.equal((await apply(otherConfig))[0]!.change, 'created');

    assert.equal((await apply(withSchedule({ cron: '0 2 * * 1' })))[0]!.change, 'created');
    const results = await eventually(async () => {
      const r = await apply(withSchedule(false));
      return r.length > 0 ? r : undefined;
    }, 20_000, 'the schedule to be listed and deleted');
    assert.deepEqual(results, [{ integration: setup.integration, scheduleId: id, change: 'deleted' }]);
    await assert.rejects(temporal.client.schedule.getHandle(id).describe(), ScheduleNotFoundError);
    created.delete(id);

    const survivor = await temporal.client.schedule.getHandle(scheduleId(other.integration)).describe();
    assert.equal(survivor.action.taskQueue, other.config.worker.taskQueue);
  } finally {
    await temporal.client.schedule.getHandle(scheduleId(other.integration)).delete().catch(() => undefined);
    created.delete(scheduleId(other.integration));
    await other.sim.stop();
  }
});

test("schedules apply never takes over another deployment's schedule of the same integration id: it fails, naming both task queues", async () => {
  const id = scheduleId(setup.integration);
  await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
  const other = await demoSetup({ items: 1 });
  try {
    // The other deployment has an integration of the same id, on its own task queue.
    const theirs: Config = { ...other.config, integrations: [{ ...other.config.integrations[0]!, id: setup.integration, schedule: scheduleSchema.parse({ cron: '0 2 * * 1' }) }] };
    assert.equal((await apply(theirs))[0]!.change, 'created');
    await assert.rejects(apply(withSchedule({ cron: '0 3 * * 1' })), new RegExp(`task queue "${other.config.worker.taskQueue}", not this config's "${setup.config.worker.taskQueue}"`));
    const kept = await temporal.client.schedule.getHandle(id).describe();
    assert.equal(kept.action.taskQueue, other.config.worker.taskQueue, 'the other deployment keeps its schedule');
  } finally {
    await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
    created.delete(id);
    await other.sim.stop();
  }
});

test('a pause made by an operator survives re-applying an unchanged config; pausing in config pauses', async () => {
  const id = scheduleId(setup.integration);
  const config = withSchedule({ cron: '0 2 * * 1' });
  await apply(config);
  const handle = temporal.client.schedule.getHandle(id);
  await handle.pause('paused by an operator in the Web UI');
  assert.equal((await apply(config))[0]!.change, 'unchanged');
  const described = await handle.describe();
  assert.equal(described.state.paused, true);
  assert.equal(described.state.note, 'paused by an operator in the Web UI');

  await handle.unpause();
  assert.equal((await apply(withSchedule({ cron: '0 2 * * 1', paused: true })))[0]!.change, 'updated');
  assert.equal((await handle.describe()).state.paused, true);
  assert.equal((await apply(withSchedule({ cron: '0 2 * * 1', paused: false })))[0]!.change, 'updated');
  assert.equal((await handle.describe()).state.paused, false);

  await handle.delete();
  created.delete(id);
});

test('a scheduled run that comes due while one runs is skipped; `run` and a forced trigger join the running sync', async () => {
  const id = scheduleId(setup.integration);
  await waitUntilIdle();
  const before = (await syncExecutions()).length;
  const pagesBefore = pagesServed();
  setup.sim.pageDelayMs = 1_500; // four pages: a sync takes about 6 s, the schedule is due every 2 s
  try {
    await apply(withSchedule({ cron: '@every 2s' }));
    const handle = temporal.client.schedule.getHandle(id);

    await waitForRunningSync();
    // `port-sync run` while the scheduled sync runs: attaches instead of starting a second one.
    const manual = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, trigger: 'cli' });
    assert.equal(manual.started, false);
    assert.equal(manual.handle.workflowId, syncWorkflowId(setup.integration));

    // Even a trigger that bypasses the schedule's overlap policy does not start a second sync.
    // The forced action is the first one taken after the trigger: any later scheduled action is skipped
    // while the sync runs, so picking by time stays right even when a loaded machine slows everything.
    const triggeredAt = Date.now();
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    const forced = await eventually(async () => {
      const d = await handle.describe();
      return d.info.recentActions
        .filter((a) => a.takenAt.getTime() >= triggeredAt)
        .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime())[0]?.action;
    }, 20_000, 'the forced schedule run');
    const forcedReport = await temporal.client.workflow.getHandle<typeof syncIntegration>(forced.workflow.workflowId, forced.workflow.firstExecutionRunId).result();
    assert.equal(forcedReport.status, 'skipped');
    assert.ok(forcedReport.reason?.includes(syncWorkflowId(setup.integration)), forcedReport.reason);

    const skipped = await eventually(async () => {
      const d = await handle.describe();
      return d.info.numActionsSkippedOverlap >= 1 ? d : undefined;
    }, 30_000, 'a scheduled run skipped for overlap');
    assert.ok(skipped.info.numActionsSkippedOverlap >= 1);
    assert.equal(skipped.policies.overlap, ScheduleOverlapPolicy.SKIP);
  } finally {
    await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
    created.delete(id);
    setup.sim.pageDelayMs = 0;
  }
  await waitUntilIdle();

  const executions = await syncExecutions();
  assert.ok(executions.length > before, 'the schedule ran the sync');
  assertNoOverlap(executions);
  // Every page the source served was fetched by a `sync:<id>` run: no sync ran under another id.
  const syncsSince = executions.length - before;
  assert.equal(pagesServed() - pagesBefore, syncsSince * PAGES_PER_SYNC);
});

test('a schedule triggered while a manual sync runs starts a run that reports "skipped", naming the running sync', async () => {
  const id = scheduleId(setup.integration);
  await waitUntilIdle();
  const pagesBefore = pagesServed();
  setup.sim.pageDelayMs = 1_500;
  try {
    await apply(withSchedule({ cron: '0 2 * * 1' }));
    const manual = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, trigger: 'cli' });
    assert.equal(manual.started, true);
    assert.equal(manual.handle.workflowId, syncWorkflowId(setup.integration));
    await waitForRunningSync();

    const handle = temporal.client.schedule.getHandle(id);
    await handle.trigger();
    const action = await eventually(async () => (await handle.describe()).info.recentActions.at(-1)?.action, 20_000, 'the triggered run');
    assert.match(action.workflow.workflowId, new RegExp(`^scheduled-sync:${setup.integration}`));
    const report = await temporal.client.workflow.getHandle<typeof syncIntegration>(action.workflow.workflowId, action.workflow.firstExecutionRunId).result();
    assert.equal(report.status, 'skipped');
    assert.equal(report.trigger, 'schedule');
    assert.equal(report.integration, setup.integration);
    assert.match(report.reason ?? '', new RegExp(`already running as workflow ${syncWorkflowId(setup.integration)}`));
    assert.deepEqual(report.kinds, []);

    // The manual sync was not disturbed.
    const manualReport = await manual.handle.result();
    assert.equal(manualReport.status, 'completed');
    assert.equal(manualReport.trigger, 'cli');
  } finally {
    await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
    created.delete(id);
    setup.sim.pageDelayMs = 0;
  }
  assertNoOverlap(await syncExecutions());
  // Only the manual sync fetched anything.
  assert.equal(pagesServed() - pagesBefore, PAGES_PER_SYNC);
});

test('a run started from the Web UI (any id, no trigger) delegates to sync:<integration> and returns its report', async () => {
  await waitUntilIdle();
  const before = new Set((await syncExecutions()).map((e) => e.runId));
  const workflowId = uniqueId('started-in-the-web-ui');
  const handle = await temporal.client.workflow.start('syncIntegration', {
    workflowId,
    taskQueue: setup.config.worker.taskQueue,
    args: [{ integration: setup.integration }],
  });
  const report = (await handle.result()) as SyncReport;
  assert.equal(report.status, 'completed');
  assert.equal(report.trigger, 'ui');
  assert.equal(report.integration, setup.integration);
  assert.deepEqual(report.kinds.map((k) => [k.kind, k.status, k.fetched]), [['team', 'done', ITEMS], ['service', 'done', ITEMS]]);

  // The work ran as the canonical execution, a child of the Web UI's run, and the report is the child's.
  const child = await eventually(async () => (await syncExecutions()).find((e) => !before.has(e.runId) && e.status.name === 'COMPLETED'), 10_000, 'the canonical run');
  assert.equal(child.parentExecution?.workflowId, workflowId);
  const childReport = await temporal.client.workflow.getHandle<typeof syncIntegration>(child.workflowId, child.runId).result();
  assert.deepEqual(report, childReport);
});
