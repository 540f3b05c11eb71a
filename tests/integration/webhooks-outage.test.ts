// Invariant 5 across a Temporal outage: while Temporal is down the receiver answers 503 (so a retrying
// sender comes back) and starts nothing; once Temporal is back on the same data, the redelivered event
// is accepted and applied, exactly once. This file runs a Temporal dev server of its own, because it
// stops and restarts it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTemporalBinary, startDevServer, type DevServer } from '../../client/devServer';
import { startReceiver, type Receiver } from '../../client/webhooks/receiver';
import { signDemoDelivery } from '../../sim/demo/emitter';
import type { RunningWorkers } from '../../worker/run';
import { eventsStatusQuery, objectWorkflowId, type ObjectEventsStatus } from '../../workflows/definitions';
import { freePort } from '../helpers/ports';
import { connectTemporal, demoSetup, eventually, startTestWorkers, testLogger, uniqueId, type DemoSetup, type TestTemporal } from '../helpers/temporal';

let binary: string;
let dataDir: string;
let port: number;
let server: DevServer | undefined;
let temporal: TestTemporal;
let setup: DemoSetup;
let workers: RunningWorkers;
let receiver: Receiver;
let route: string;

const startServer = () => startDevServer({ binary, dataDir, port, uiPort: 0 });

before(async () => {
  binary = await ensureTemporalBinary();
  dataDir = mkdtempSync(join(tmpdir(), 'port-sync-outage-'));
  port = await freePort();
  server = await startServer();
  temporal = await connectTemporal(server.address);
  const { client } = temporal;
  setup = await demoSetup({ items: 0 });
  workers = await startTestWorkers(temporal, setup);
  receiver = await startReceiver({ config: setup.config, client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
  route = `${receiver.url}/webhooks/${setup.integration}`;
});

after(async () => {
  // Each step is bounded: a step that hangs (say, on a server that did not come back) must not keep
  // the rest, above all stopping the server and removing its data, from running.
  const step = async (what: string, fn: () => Promise<unknown> | undefined) => {
    try {
      await Promise.race([fn(), sleep(20_000).then(() => Promise.reject(new Error('timed out')))]);
    } catch (err) {
      testLogger.warn({ err: String(err) }, `outage test cleanup: ${what} failed`);
    }
  };
  await step('receiver', () => receiver?.close());
  await step('workers', () => {
    workers?.shutdown();
    return workers?.done;
  });
  await step('connections', () => temporal?.close());
  await step('simulator', () => setup?.sim.stop());
  await step('server', () => server?.stop());
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const KIND = 'service';
const itemBody = (id: string, version: number) => JSON.stringify({ type: 'item.updated', item: { id, kind: KIND, name: `${id} v${version}`, version } });

async function post(body: string, headers: Record<string, string>) {
  // The receiver gives Temporal 5 s; a hang longer than this is a failure, not a slow answer.
  const res = await fetch(route, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

test('Temporal stopped -> 503 and nothing applied; back on the same data -> the redelivered event is applied once', { timeout: 240_000 }, async () => {
  const id = uniqueId('outage');
  const key = `${KIND}/${id}`;
  const handle = temporal.client.workflow.getHandle(objectWorkflowId(setup.integration, key));
  const status = (): Promise<ObjectEventsStatus> => handle.query(eventsStatusQuery);

  // 1. Temporal up: v1 is accepted and applied.
  const v1 = itemBody(id, 1);
  const first = await post(v1, signDemoDelivery(v1, setup.webhookSecret));
  assert.equal(first.status, 202, first.text);
  await eventually(async () => (await status()).applied === 1, 30_000, 'v1 applied');
  assert.equal(setup.sim.catalog.get(key)?.version, 1);
  const { runId } = await handle.describe();

  // 2. Temporal down: v2 is refused with 503 and a Retry-After, never with a 2xx; readiness fails too.
  await server!.stop();
  server = undefined;
  const v2 = itemBody(id, 2);
  const v2Headers = signDemoDelivery(v2, setup.webhookSecret);
  const refused = await post(v2, v2Headers);
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.retryAfter, '5');
  assert.match(refused.text, /retry later/);
  const ready = await fetch(`${receiver.url}/readyz`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(ready.status, 503);
  await ready.body?.cancel();
  await sleep(500);
  assert.deepEqual(setup.sim.writes.get(key), [1], 'nothing applied while Temporal is down');

  // 3. Temporal back on the same port and data (history kept): the sender redelivers the same
  //    delivery, as GitLab and Port do, until it gets a 2xx. Until the client has reconnected it may
  //    still get 503; any other answer is wrong.
  server = await startServer();
  const answers: number[] = [];
  await eventually(async () => {
    const res = await post(v2, v2Headers);
    answers.push(res.status);
    return res.status === 202;
  }, 90_000, 'the redelivery accepted');
  assert.deepEqual([...new Set(answers.slice(0, -1))].filter((s) => s !== 503), [], `answers after restart: ${answers.join(', ')}`);
  assert.equal(answers.at(-1), 202);

  // 4. It is applied, after v1, once; the workflow of before the outage carried on (same run).
  const final = await eventually(async () => {
    const s = await status();
    return s.applied === 2 && s.pending === 0 ? s : undefined;
  }, 90_000, 'v2 applied');
  assert.equal(final.lastDeliveryId, v2Headers['x-demo-delivery']);
  assert.deepEqual(setup.sim.writes.get(key), [1, 2]);
  assert.equal(setup.sim.catalog.get(key)?.version, 2);
  assert.equal((await handle.describe()).runId, runId, 'the same workflow run holds v1 and v2');

  // 5. A further redelivery of the same delivery (the sender never saw our 202, say) is a duplicate.
  const again = await post(v2, v2Headers);
  assert.equal(again.status, 202, again.text);
  const deduped = await eventually(async () => {
    const s = await status();
    return s.duplicates === 1 ? s : undefined;
  }, 30_000, 'the second redelivery counted as a duplicate');
  assert.equal(deduped.applied, 2);
  assert.deepEqual(setup.sim.writes.get(key), [1, 2]);
  assert.equal(workers.isRunning(), true, 'the workers rode out the outage');
});
