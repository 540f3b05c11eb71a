// Invariant 9: a run with known secret values leaves none of them in logs, errors or workflow history.
// Everything runs as an operator runs it: the `port-sync worker` and `port-sync webhooks` processes and
// the `port-sync run --wait` / `status` commands, configured by a file with the secrets in their
// environment. A full sync, a signed webhook delivery, a forged one and a sync that fails on HTTP 401
// produce logs, errors and histories; then every history and description of every workflow of both
// integrations (what the Web UI shows), every log line and every CLI output is searched for the
// secret values, raw and with payloads decoded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { ConfigInput } from '../../config/schema';
import { signDemoDelivery } from '../../sim/demo/emitter';
import { objectWorkflowId, syncWorkflowId } from '../../workflows/definitions';
import { freePort } from '../helpers/ports';
import { freePortPair, spawnPortSync, writeConfigFile, type PortSyncProcess } from '../helpers/process';
import { connectTemporal, demoSetup, eventually, uniqueId, type DemoSetup, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let setup: DemoSetup;
let configFile: string;
let env: NodeJS.ProcessEnv;
let secrets: Record<string, string>;
/** The second integration: same demo API, but its key variable holds a wrong key, so the API answers 401. */
let rejected: string;
let healthUrl: string;
let receiverUrl: string;
const processes: PortSyncProcess[] = [];

const hex = () => randomBytes(12).toString('hex');

before(async () => {
  temporal = await connectTemporal();
  setup = await demoSetup({ kinds: ['team', 'service'], items: 25, pageSize: 10 });
  rejected = uniqueId('demo-401');
  secrets = {
    // demoSetup made these: the API key the demo API accepts and the webhook signing secret.
    DEMO_API_KEY: setup.apiKey,
    DEMO_WEBHOOK_SECRET: setup.webhookSecret,
    DEMO_WRONG_KEY: `wrong-key-${hex()}`,
    PORT_CLIENT_ID: `port-client-id-${hex()}`,
    PORT_CLIENT_SECRET: `port-client-secret-${hex()}`,
  };
  const integration = setup.config.integrations[0]!;
  assert.equal(integration.type, 'demo');
  const wrongKeyEnv = `DEMO_WRONG_KEY_${hex().toUpperCase()}`;
  env = { ...setup.env, [wrongKeyEnv]: secrets.DEMO_WRONG_KEY, PORT_CLIENT_ID: secrets.PORT_CLIENT_ID, PORT_CLIENT_SECRET: secrets.PORT_CLIENT_SECRET };

  const healthPort = await freePort();
  healthUrl = `http://127.0.0.1:${healthPort}`;
  const receiverPort = await freePort();
  receiverUrl = `http://127.0.0.1:${receiverPort}`;
  configFile = writeConfigFile({
    ...(setup.config as ConfigInput),
    // `port-sync webhooks` serves its metrics on metricsPort + 1.
    worker: { taskQueue: setup.config.worker.taskQueue, healthPort, metricsPort: await freePortPair(), shutdownGraceTime: '2s' },
    webhooks: { host: '127.0.0.1', port: receiverPort },
    events: { idleTimeout: '2s' },
    integrations: [
      integration,
      { id: rejected, type: 'demo', options: { ...integration.options, kinds: ['team'], apiKeyEnv: wrongKeyEnv } },
    ],
  });
});

after(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited));
  await setup.sim.stop();
  await temporal.close();
});

function portSync(...args: string[]): PortSyncProcess {
  const p = spawnPortSync(['--config', configFile, ...args], env);
  processes.push(p);
  return p;
}

/** Every string in `value`, with byte arrays (payload data) and base64-looking strings also decoded. */
function strings(value: unknown, out: string[] = [], seen = new Set<object>()): string[] {
  if (typeof value === 'string') {
    out.push(value);
    if (value.length >= 8 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) out.push(Buffer.from(value, 'base64').toString('utf8'));
  } else if (value instanceof Uint8Array) {
    out.push(Buffer.from(value).toString('utf8'));
  } else if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const [key, v] of Object.entries(value)) {
      out.push(key);
      strings(v, out, seen);
    }
  }
  return out;
}

/** The text to search: raw, plus every decoded string inside it. */
function searchable(raw: string): string {
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // plain text
  }
  return [raw, ...strings(parsed)].join('\n');
}

function leaks(text: string): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

test('the search finds a secret hidden in a base64 payload or a byte array (so a clean result means something)', () => {
  const payload = Buffer.from(JSON.stringify({ key: secrets.DEMO_API_KEY })).toString('base64');
  assert.deepEqual(leaks(searchable(JSON.stringify({ payloads: [{ data: payload }] }))), ['DEMO_API_KEY']);
  assert.deepEqual(leaks(strings({ data: new TextEncoder().encode(`Bearer ${secrets.PORT_CLIENT_SECRET}`) }).join('\n')), ['PORT_CLIENT_SECRET']);
});

test('a run with known secret values leaves none of them in logs, errors or workflow history', async (t) => {
  const worker = portSync('worker');
  const receiver = portSync('webhooks');
  await worker.waitForLog((l) => l.msg === 'worker ready', 60_000, 'worker ready');
  await receiver.waitForLog((l) => l.msg === 'webhook receiver listening', 60_000, 'receiver listening');
  await eventually(async () => (await fetch(`${healthUrl}/readyz`)).ok, 10_000, 'worker ready');
  await eventually(async () => (await fetch(`${receiverUrl}/readyz`)).ok, 10_000, 'receiver ready');

  // 1. A full sync through the CLI: the API key reaches the demo API and is accepted there.
  const run = portSync('run', setup.integration, '--wait', '--json');
  assert.equal((await run.exited).code, 0, run.stderr());
  const { report } = JSON.parse(run.stdout()) as { report: { status: string } };
  assert.equal(report.status, 'completed');
  assert.equal(setup.sim.catalog.size, 50, 'the accepted key wrote the whole catalog');

  // 2. A signed webhook delivery is verified with the secret and applied; a forged one is refused.
  const item = { ...setup.sim.source.get('team')![1]!, version: 7, name: 'team 1 (v7)' };
  const body = JSON.stringify({ type: 'item.updated', item });
  const accepted = await fetch(`${receiverUrl}/webhooks/${setup.integration}`, { method: 'POST', headers: signDemoDelivery(body, setup.webhookSecret), body });
  assert.equal(accepted.status, 202);
  const forged = await fetch(`${receiverUrl}/webhooks/${setup.integration}`, { method: 'POST', headers: signDemoDelivery(body, `not-${setup.webhookSecret}`), body });
  assert.equal(forged.status, 401);
  await eventually(() => setup.sim.catalog.get(`team/${item.id}`)?.version === 7, 30_000, 'the webhook event applied');
  const events = temporal.client.workflow.getHandle(objectWorkflowId(setup.integration, `team/${item.id}`));
  await events.result(); // ends after idleTimeout (2 s)

  // 3. A sync whose key the API refuses: the activity fails with HTTP 401 and `run --wait` fails.
  //    (401 is retried today; once 4xx fail at once (invariant 7) the CLI ends by itself, and the
  //    test still holds. Until then it is ended once the failure is recorded.)
  const failing = portSync('run', rejected, '--wait');
  const rejectedSync = temporal.client.workflow.getHandle(syncWorkflowId(rejected));
  const ended = await Promise.race([
    failing.exited.then(() => 'exited' as const),
    eventually(async () => {
      const pending = (await rejectedSync.describe()).raw.pendingActivities?.[0];
      return (pending?.attempt ?? 0) >= 2 && /401/.test(pending?.lastFailure?.message ?? '') ? ('failing' as const) : undefined;
    }, 30_000, 'the 401 failure recorded on the pending activity'),
  ]);
  const status = portSync('status', '--json');
  assert.equal((await status.exited).code, 0, status.stderr());
  if (ended === 'failing') await rejectedSync.terminate('secrets test: the sync with the wrong key has failed enough');
  assert.equal((await failing.exited).code, 1);
  assert.ok(failing.stderr().startsWith('port-sync: '), failing.stderr());
  t.diagnostic(`failing run --wait said: ${failing.stderr().trim()}`);

  assert.equal((await worker.terminate()).code, 0);
  assert.equal((await receiver.terminate()).code, 0);

  // Every execution of both integrations, found the way the Web UI filters them.
  const expected = [syncWorkflowId(setup.integration), events.workflowId, syncWorkflowId(rejected)];
  const executions = await eventually(async () => {
    const found: Array<{ workflowId: string; runId: string }> = [];
    for (const id of [setup.integration, rejected]) {
      for await (const e of temporal.client.workflow.list({ query: `PortSyncIntegration = '${id}'` })) found.push({ workflowId: e.workflowId, runId: e.runId });
    }
    return expected.every((id) => found.some((e) => e.workflowId === id)) ? found : undefined;
  }, 15_000, 'executions listed by integration');

  const haystacks: Array<{ where: string; text: string }> = [];
  for (const { workflowId, runId } of executions) {
    const handle = temporal.client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    haystacks.push({ where: `history of ${workflowId} ${runId}`, text: searchable(historyToJSON(history)) });
    const { raw, ...described }: WorkflowExecutionDescription = await handle.describe();
    haystacks.push({ where: `description of ${workflowId} ${runId}`, text: [...strings(raw), ...strings(described)].join('\n') });
  }
  for (const [name, p] of Object.entries({ worker, receiver, run, failing, status })) {
    haystacks.push({ where: `${name} stdout`, text: searchable(p.stdout()) });
    haystacks.push({ where: `${name} stderr`, text: p.stderr() });
  }

  // Not vacuous: the places searched hold the errors and the events this test produced.
  const all = haystacks.map((h) => h.text).join('\n');
  assert.match(all, /answered 401: missing or invalid API key/, 'the 401 error is in a history or a log');
  assert.ok(worker.logs.some((l) => /401/.test(JSON.stringify(l))), 'the worker logged the failing activity');
  assert.ok(receiver.logs.some((l) => l.msg === 'webhook rejected: bad signature'), 'the receiver logged the forged delivery');
  assert.ok(haystacks.some((h) => h.where.startsWith(`history of ${events.workflowId}`) && h.text.includes(item.name)), 'the event reached its workflow');

  const found = haystacks.flatMap((h) => leaks(h.text).map((name) => `${name} in ${h.where}`));
  assert.deepEqual(found, []);
  t.diagnostic(`searched ${haystacks.length} histories, descriptions and outputs of ${executions.length} executions for ${Object.keys(secrets).length} secrets`);
});
