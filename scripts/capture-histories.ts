// `npm run capture-histories`: runs every workflow type through its main paths on a fresh dev server
// and saves the histories as replay fixtures (tests/replay/histories). CI replays them against the
// current workflow code, so a change that would break running workflows fails the build.
// Re-capture only when a change is meant to be incompatible and old runs are drained (docs/workflows.md).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { applySchedules } from '../client/schedules';
import { startOrAttach } from '../client/runSync';
import { startReceiver } from '../client/webhooks/receiver';
import { signDemoDelivery } from '../sim/demo/emitter';
import { startScratchServer } from '../tests/helpers/scratchServer';
import { scheduleId, syncWorkflowId, eventsStatusQuery, objectWorkflowId } from '../workflows/definitions';

const out = resolve(import.meta.dirname, '../tests/replay/histories');
const server = await startScratchServer({ name: 'capture', dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
process.env.TEMPORAL_ADDRESS = server.address;
const { connectTemporal, demoSetup, eventually, startTestWorkers, testLogger } = await import('../tests/helpers/temporal');
const temporal = await connectTemporal();
const setup = await demoSetup({ items: 120, pageSize: 5, port: {}, schedule: { cron: '0 0 1 1 *' }, overrides: { worker: { pagesPerActivity: 2 } } });
const workers = await startTestWorkers(temporal, setup);
const { client } = temporal;
const saved: string[] = [];

async function save(name: string, workflowId: string, runId?: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  // Workflow code may depend on its id (syncIntegration does), so the fixture keeps it.
  writeFileSync(join(out, `${name}.json`), JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1));
  saved.push(name);
}

try {
  // Histories of runs from before a patch (`*-before-*`) stay: they are what old runs replay.
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(out)) if (!file.includes('-before-')) rmSync(join(out, file));

  // A full sync that continues as new (small history limit above) and completes.
  const first = await startOrAttach(client, setup.config, { integration: setup.integration });
  await first.handle.result();
  const firstRun = (await first.handle.describe()).runId;
  await save('syncIntegration-continued-completed', syncWorkflowId(setup.integration), firstRun);
  let chainStart: string | undefined;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${syncWorkflowId(setup.integration)}'` })) chainStart = w.runId;
  if (chainStart && chainStart !== firstRun) await save('syncIntegration-first-run-continued-as-new', syncWorkflowId(setup.integration), chainStart);

  // A dry run of one kind, and a run that fails on an unknown kind.
  const dry = await startOrAttach(client, setup.config, { integration: setup.integration, kinds: ['team'], dryRun: true });
  await dry.handle.result();
  await save('syncIntegration-dry-run-one-kind', syncWorkflowId(setup.integration), (await dry.handle.describe()).runId);
  const bad = await startOrAttach(client, setup.config, { integration: setup.integration, kinds: ['nope'] });
  await bad.handle.result().catch(() => undefined);
  await save('syncIntegration-unknown-kind-failed', syncWorkflowId(setup.integration), (await bad.handle.describe()).runId);

  // A Web UI start (any id, no trigger) delegating to the canonical run.
  const ui = await client.workflow.start('syncIntegration', { workflowId: 'ui-start-capture', taskQueue: setup.config.worker.taskQueue, args: [{ integration: setup.integration, kinds: ['team'] }] });
  await ui.result();
  await save('syncIntegration-ui-delegate', 'ui-start-capture');

  // A scheduled start while a sync runs: the delegate reports "skipped".
  await applySchedules(client, setup.config);
  setup.sim.pageDelayMs = 300;
  const running = await startOrAttach(client, setup.config, { integration: setup.integration, kinds: ['team'] });
  await client.schedule.getHandle(scheduleId(setup.integration)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const skipped = await eventually(async () => {
    for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH 'scheduled-sync:${setup.integration}' AND ExecutionStatus = 'Completed'` })) return w;
    return undefined;
  }, 30_000, 'the skipped scheduled run');
  await save('syncIntegration-scheduled-skipped', skipped.workflowId, skipped.runId);
  await running.handle.result();
  setup.sim.pageDelayMs = 0;
  await client.schedule.getHandle(scheduleId(setup.integration)).delete();

  // Webhook events for one object: applied in order, a duplicate dropped, continued as new, then idle end.
  const shortIdle = { ...setup.config, events: { idleTimeout: '3s' } };
  const receiver = await startReceiver({ config: shortIdle, client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
  const item = setup.sim.source.get('service')![0]!;
  const post = async (version: number, delivery = `d-${version}`) => {
    const body = JSON.stringify({ type: 'item.updated', item: { ...item, version } });
    const headers = { ...signDemoDelivery(body, setup.webhookSecret), 'x-demo-delivery': delivery };
    const res = await fetch(`${receiver.url}/webhooks/${setup.integration}`, { method: 'POST', headers, body });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  };
  for (let v = 2; v <= 30; v++) await post(v);
  await post(30, 'd-30');
  const eventsId = objectWorkflowId(setup.integration, `service/${item.id}`);
  await eventually(async () => (await client.workflow.getHandle(eventsId).query(eventsStatusQuery)).applied >= 29, 60_000, 'events applied');
  await client.workflow.getHandle(eventsId).result();
  const runs = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${eventsId}'` })) runs.push(w);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, w] of runs.entries()) await save(`objectEvents-run${i + 1}-${w.status.name.toLowerCase()}`, eventsId, w.runId);
  await receiver.close();
  console.log(`saved ${saved.length} histories to ${out}:\n  ${saved.join('\n  ')}`);
} finally {
  workers.shutdown();
  await workers.done.catch(() => undefined);
  await setup.sim.stop();
  await setup.port?.stop();
  await temporal.close();
  await server.dispose();
}
