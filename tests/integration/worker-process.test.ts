// The real `port-sync worker` process against the real Temporal server: health and readiness probes,
// the Prometheus endpoint (Temporal runtime metrics and ours), a SIGKILL mid-activity that a new
// process recovers from without redoing finished pages (invariant 3), and a graceful SIGTERM. The demo
// source writes into the Port simulator, so the engine's whole path is what gets interrupted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import type { KindChunk } from '../../activities';
import type { WorkflowHandle } from '@temporalio/client';
import { startOrAttach } from '../../client/runSync';
import type { ConfigInput } from '../../config/schema';
import { progressQuery, type SyncReport } from '../../workflows/definitions';
import type { syncIntegration } from '../../workflows/syncIntegration';
import { freePort } from '../helpers/ports';
import { parseMetrics, spawnPortSync, writeConfigFile, type PortSyncProcess } from '../helpers/process';
import { connectTemporal, demoSetup, eventually, type DemoSetup, type TestTemporal } from '../helpers/temporal';

const KINDS = ['team', 'service'];
const ITEMS = 400;
const PAGE_SIZE = 10;
const PAGES_PER_KIND = ITEMS / PAGE_SIZE;
/** Slow pages so a sync lasts long enough to interrupt: 2 x 40 pages x >= 150 ms = 12 s and more. */
const PAGE_DELAY_MS = 150;
/** Shorter than what is left of the interrupted activity (>= 38 pages x 150 ms), so the grace time is what ends it. */
const GRACE_MS = 2_000;

let temporal: TestTemporal;
let setup: DemoSetup;
let configFile: string;
let healthUrl: string;
let metricsUrl: string;
const processes: PortSyncProcess[] = [];

before(async () => {
  temporal = await connectTemporal();
  setup = await demoSetup({ kinds: KINDS, items: ITEMS, pageSize: PAGE_SIZE, port: {} });
  const healthPort = await freePort();
  const metricsPort = await freePort();
  healthUrl = `http://127.0.0.1:${healthPort}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  configFile = writeConfigFile({
    ...(setup.config as ConfigInput),
    // One kind after the other: the kill test stops the worker in the second kind, after the first is done.
    worker: { taskQueue: setup.config.worker.taskQueue, healthPort, metricsPort, shutdownGraceTime: `${GRACE_MS / 1000}s`, parallelKinds: 1 },
  });
});

after(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited));
  await setup.sim.stop();
  await setup.port!.stop();
  await temporal.close();
});

function startWorker(): PortSyncProcess {
  // setup.env is process.env (TEMPORAL_ADDRESS of the test server) plus the demo API key and webhook secret.
  const worker = spawnPortSync(['--config', configFile, 'worker'], setup.env);
  processes.push(worker);
  return worker;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** Waits until the process says it is ready and /readyz agrees (the workflow bundle takes a few seconds). */
async function ready(worker: PortSyncProcess): Promise<void> {
  await worker.waitForLog((l) => l.msg === 'worker ready', 60_000, '"worker ready"');
  await eventually(async () => (await get(`${healthUrl}/readyz`)).status === 200, 10_000, '/readyz 200');
}

/**
 * The workflow's result, or a failure naming the cause when its workflow task keeps failing (e.g. a
 * nondeterminism error on replay in a new process), rather than a hang until the test timeout.
 */
async function resultOf(handle: WorkflowHandle<typeof syncIntegration>): Promise<SyncReport> {
  let done = false;
  const watch = async (): Promise<never> => {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (done) return new Promise<never>(() => undefined);
      const { raw } = await handle.describe();
      if ((raw.pendingWorkflowTask?.attempt ?? 1) > 1) {
        const { events } = await handle.fetchHistory();
        // A retried task after a timeout (a killed worker held it) is normal; one that failed is not.
        const last = [...(events ?? [])].reverse().find((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskCompletedEventAttributes);
        const failure = last?.workflowTaskFailedEventAttributes?.failure;
        if (failure) throw new Error(`workflow task failing (attempt ${raw.pendingWorkflowTask!.attempt}): ${failure.message}`);
      }
    }
  };
  try {
    return await Promise.race([handle.result(), watch()]);
  } finally {
    done = true;
  }
}

function stopWorker(worker: PortSyncProcess) {
  return worker.terminate();
}

/** Gives every source item a new version, so the next sync has to write all of them again. */
function changeEverySourceItem() {
  for (const items of setup.sim.source.values()) {
    items.forEach((item, i) => {
      item.version += 1 + (i % 3);
      item.name = `${item.name.replace(/ v\d+$/, '')} v${item.version}`;
    });
  }
}

/** Port holds what an undisturbed run would have written: exactly the source, nothing twice, nothing missing. */
function assertCatalogEqualsSource() {
  for (const [kind, items] of setup.sim.source) {
    const held = setup.port!.entities(kind).map((e) => ({ id: e.identifier, kind, name: e.title, version: e.properties.version }));
    assert.deepEqual(held.sort((a, b) => a.id.localeCompare(b.id)), [...items].sort((a, b) => a.id.localeCompare(b.id)), `Port's ${kind} entities`);
  }
}

test('the worker process logs JSON, answers /healthz and /readyz, and exports Temporal and port-sync metrics', async (t) => {
  const worker = startWorker();
  await ready(worker);
  const healthz = await get(`${healthUrl}/healthz`);
  assert.equal(healthz.status, 200);
  const readyz = await get(`${healthUrl}/readyz`);
  assert.equal(readyz.status, 200);
  const taskQueue = setup.config.worker.taskQueue;
  assert.deepEqual(JSON.parse(readyz.body), { status: 'ready', taskQueues: [taskQueue, `${taskQueue}.demo`] });

  const startedAt = Math.floor(Date.now() / 1000);
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
  const report = await resultOf(handle);
  assert.equal(report.status, 'completed');
  assertCatalogEqualsSource();

  // Our instruments are created without a unit suffix or `_total` (checked against the exporter's output).
  const samples = await eventually(async () => {
    const text = (await get(metricsUrl)).body;
    const parsed = parseMetrics(text);
    return parsed.some((s) => s.name === 'port_sync_last_success_timestamp_seconds' && s.labels.integration === setup.integration) ? parsed : undefined;
  }, 10_000, 'last-success metric');
  const runtime = samples.filter((s) => s.name.startsWith('temporal_'));
  assert.ok(runtime.length > 0, 'Temporal runtime metrics are exported');
  const executions = runtime.find(
    (s) => s.name === 'temporal_activity_execution_latency_count' && s.labels.activity_type === 'syncKindChunk' && s.labels.task_queue === `${taskQueue}.demo`,
  );
  assert.ok(executions && executions.value >= KINDS.length, 'activity executions of the demo task queue are counted');

  const entities = samples.filter((s) => s.name === 'port_sync_entities' && s.labels.integration === setup.integration);
  assert.deepEqual(
    entities.filter((s) => s.labels.outcome === 'written').map((s) => [s.labels.kind, s.value]).sort(),
    KINDS.map((kind) => [kind, ITEMS]).sort(),
  );
  // Every response is counted per API: one demo GET per page, and Port's requests as its simulator saw them.
  const requests = samples.filter((s) => s.name === 'port_sync_http_requests' && s.labels.api === 'demo');
  assert.deepEqual(requests.map((s) => s.labels.status), ['200']);
  assert.equal(requests[0]!.value, KINDS.length * PAGES_PER_KIND);
  const portRequests = samples.filter((s) => s.name === 'port_sync_http_requests' && s.labels.api === 'port').reduce((n, s) => n + s.value, 0);
  assert.equal(portRequests, [...setup.port!.http.requests.values()].reduce((n, c) => n + c, 0));
  assert.equal(portRequests, Object.values(report.requests).reduce((n, c) => n + c, 0) - requests[0]!.value, 'the report counts the same');
  const lastSuccess = samples.find((s) => s.name === 'port_sync_last_success_timestamp_seconds' && s.labels.integration === setup.integration)!;
  assert.ok(lastSuccess.value >= startedAt && lastSuccess.value <= Date.now() / 1000 + 1, `last success ${lastSuccess.value} is the time of this sync`);

  await t.test('our metrics carry only their own labels, not those of whichever activity created the instrument', () => {
    // Recorded on the process meter: no activity's tags leak into port_sync_* metrics.
    const { activityType, taskQueue: queue } = lastSuccess.labels;
    assert.ok(activityType === undefined || activityType === 'recordSyncOutcome', `activityType="${activityType}"`);
    assert.ok(queue === undefined || queue === taskQueue, `taskQueue="${queue}"`);
  });

  const { code } = await stopWorker(worker);
  assert.equal(code, 0);
  const notJson = worker.logs.filter((l) => l.notJson);
  assert.deepEqual(notJson, [], 'every stdout line is a JSON log line');
  assert.ok(worker.logs.every((l) => typeof l.level === 'number' && typeof l.time === 'number' && typeof l.msg === 'string'));
  assert.ok(worker.logs.some((l) => l.msg === 'worker started' && l.name === 'port-sync-worker'));
});

test('a worker killed with SIGKILL mid-activity: a new worker process finishes the sync from the last heartbeat', async (t) => {
  changeEverySourceItem();
  setup.sim.pageDelayMs = PAGE_DELAY_MS;
  // A bare cursor chain (pages one after the other), which the bound on pages fetched twice below assumes.
  setup.sim.reportsTotal = false;
  const first = startWorker();
  await ready(first);

  const requestsBefore = setup.sim.http.count('items');
  const served = () => setup.sim.http.count('items') - requestsBefore;
  const { handle, started } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
  assert.equal(started, true);
  // Kill well into the second kind: the first is done (recorded by the workflow), the second is mid-way
  // (known only to the activity's heartbeats). 30 of 40 pages is well beyond the staleness bound below,
  // so a retry that restarted the kind, or resumed from a stale heartbeat, would be caught.
  const KILL_AT_PAGE = 30;
  const live = await eventually(async () => {
    const p = await handle.query(progressQuery);
    return p.kinds[0]?.status === 'done' && p.kinds[1]?.status === 'running' && served() >= PAGES_PER_KIND + KILL_AT_PAGE ? p : undefined;
  }, 60_000, `first kind done and ${KILL_AT_PAGE} pages of the second fetched`);
  assert.equal(live.kinds[0]!.pages, PAGES_PER_KIND);
  assert.equal(live.finishedAt, undefined);

  first.child.kill('SIGKILL');
  assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' });
  const killedAt = Date.now();
  const servedBeforeKill = served(); // counted on arrival, so this includes the page in flight
  // A heartbeat already on the wire when the process died may still land; then the server's view is final.
  await new Promise((r) => setTimeout(r, 500));
  const description = await handle.describe();
  const pending = description.raw.pendingActivities ?? [];
  assert.equal(pending.length, 1, 'the killed activity is pending on the server');
  assert.equal(pending[0]!.activityType?.name, 'syncKindChunk');
  const payload = pending[0]!.heartbeatDetails?.payloads?.[0];
  assert.ok(payload, 'the server holds a heartbeat of the killed activity');
  const heartbeat = defaultPayloadConverter.fromPayload<KindChunk>(payload);
  assert.ok(heartbeat.pages > 0 && heartbeat.cursor, `heartbeat ${JSON.stringify(heartbeat)} is mid-kind`);

  const second = startWorker();
  await ready(second);
  const report = await resultOf(handle);
  t.diagnostic(`resumed and finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (the server waits for the heartbeat timeout)`);

  assert.equal(report.status, 'completed');
  for (const kind of report.kinds) {
    assert.equal(kind.status, 'done');
    assert.equal(kind.pages, PAGES_PER_KIND, `${kind.kind}: pages`);
    assert.equal(kind.fetched, ITEMS, `${kind.kind}: fetched`);
    assert.equal(kind.created + kind.updated + kind.unchanged, ITEMS, `${kind.kind}: written + unchanged`);
    assert.equal(kind.failed, 0);
  }
  assertCatalogEqualsSource();

  // The retry resumed exactly at the heartbeat's cursor: it fetched only the second kind's pages after it
  // (the first kind was not fetched again at all).
  const secondKindBeforeKill = servedBeforeKill - PAGES_PER_KIND;
  assert.equal(served() - servedBeforeKill, PAGES_PER_KIND - heartbeat.pages, 'pages fetched after the kill');
  // Pages fetched twice are those after the last heartbeat the server got. Heartbeats reach it at most
  // maxHeartbeatThrottleInterval (2 s, worker/run.ts) apart, and a page takes at least PAGE_DELAY_MS, so
  // at most ceil(2000 / PAGE_DELAY_MS) pages can be missing, plus the page in flight and one heartbeat
  // still in transit: 16 here. Without that throttle cap the server keeps only the first heartbeat for
  // 0.8 x heartbeatTimeout, and ~30 pages would be fetched again.
  const redone = secondKindBeforeKill - heartbeat.pages;
  const bound = Math.ceil(2000 / PAGE_DELAY_MS) + 2;
  t.diagnostic(`${servedBeforeKill + PAGES_PER_KIND - heartbeat.pages} page requests for ${2 * PAGES_PER_KIND} pages; ${redone} fetched twice (bound ${bound})`);
  assert.ok(redone >= 0 && redone <= bound, `${redone} pages fetched twice, expected at most ${bound}`);

  setup.sim.pageDelayMs = 0;
  setup.sim.reportsTotal = true;
  assert.equal((await stopWorker(second)).code, 0);
});

test('SIGTERM shuts the worker down gracefully within the grace time, and the sync it interrupted still completes', async (t) => {
  changeEverySourceItem();
  setup.sim.pageDelayMs = PAGE_DELAY_MS;
  const worker = startWorker();
  await ready(worker);
  const requestsBefore = setup.sim.http.count('items');
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
  await eventually(() => setup.sim.http.count('items') - requestsBefore >= 2, 30_000, 'a page activity running');

  // A slow page in flight keeps the drain open long enough to observe it (the activity returns at the
  // page's end): slow the pages down, and signal once a slow one has been asked for.
  setup.sim.pageDelayMs = GRACE_MS * 0.75;
  const asked = setup.sim.http.count('items');
  await eventually(() => setup.sim.http.count('items') > asked, 10_000, 'a slow page in flight');
  const signalledAt = Date.now();
  worker.child.kill('SIGTERM');
  // While it drains, the process is alive but no longer ready: a load balancer or rollout must not count on it.
  const draining = await eventually(async () => (await get(`${healthUrl}/readyz`)).status === 503, GRACE_MS, '/readyz 503 while draining');
  assert.ok(draining);
  const exit = await worker.exited;
  const tookMs = Date.now() - signalledAt;
  setup.sim.pageDelayMs = PAGE_DELAY_MS;
  t.diagnostic(`exited ${exit.code} ${tookMs} ms after SIGTERM (grace ${GRACE_MS} ms)`);
  assert.deepEqual(exit, { code: 0, signal: null });
  // The running page activity returns its progress at the next page boundary instead of using up the
  // grace time; closing connections takes a moment more.
  assert.ok(tookMs <= GRACE_MS + 2_500, `exit took ${tookMs} ms`);
  assert.ok(worker.logs.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM'), 'logs the signal');
  assert.ok(worker.logs.some((l) => /shutting down/.test(l.msg ?? '')), 'logs that it is shutting down');
  assert.deepEqual(worker.logs.filter((l) => l.notJson), []);
  assert.equal(worker.stderr(), '');

  const restartedAt = Date.now();
  const next = startWorker();
  await ready(next);
  const report = await resultOf(handle);
  t.diagnostic(`completed ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the new worker started`);
  assert.equal(report.status, 'completed');
  assertCatalogEqualsSource();
  // Nothing lost and no attempt burnt: the interrupted activity completed with its cursor at a page
  // boundary, and the rest ran as new chunks on the next worker.
  const events = (await handle.fetchHistory()).events ?? [];
  assert.equal(events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes).length, 0);
  assert.ok(events.every((e) => !e.activityTaskStartedEventAttributes || e.activityTaskStartedEventAttributes.attempt === 1));
  setup.sim.pageDelayMs = 0;
  assert.equal((await stopWorker(next)).code, 0);
});
