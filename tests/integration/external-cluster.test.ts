// Against an existing cluster (TEMPORAL_ADDRESS) without port-sync's search attributes, the worker
// refuses to start and prints the exact commands that register them; after running those commands
// it starts. The cluster here is a bare dev server started without any custom attribute.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTemporalBinary } from '../../client/devServer';
import { freePort } from '../helpers/ports';
import { eventually } from '../helpers/temporal';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'port-sync-external-'));
let binary: string;
let server: ChildProcess;
let address: string;

before(async () => {
  binary = await ensureTemporalBinary();
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  server = spawn(binary, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'], { stdio: 'ignore' });
  await eventually(() => spawnSync(binary, ['operator', 'cluster', 'health', '--address', address]).status === 0, 60_000, 'bare dev server');
});

after(() => {
  server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

test('missing search attributes: the worker exits non-zero printing the commands; they work', async () => {
  const configFile = join(work, 'port-sync.yaml');
  const healthPort = await freePort();
  writeFileSync(
    configFile,
    [
      'worker:',
      `  healthPort: ${healthPort}`,
      `  metricsPort: ${await freePort()}`,
      'integrations:',
      '  - id: demo',
      '    type: demo',
      '    options: { apiUrl: "http://127.0.0.1:9" }',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: address, DEMO_API_KEY: 'demo-key-external' };
  const refused = spawnSync(process.execPath, [join(root, 'bin/port-sync.js'), '--config', configFile, 'worker'], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(refused.status, 1, refused.stderr);
  const commands = refused.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('temporal operator search-attribute create'));
  assert.deepEqual(
    commands.map((c) => /--name (\S+) --type (\S+)/.exec(c)!.slice(1).join('=')),
    ['PortSyncIntegration=Keyword', 'PortSyncKinds=KeywordList', 'PortSyncTrigger=Keyword'],
  );

  for (const command of commands) {
    const args = command.split(' ').slice(1).concat(['--address', address]);
    const ran = spawnSync(binary, args, { encoding: 'utf8' });
    assert.equal(ran.status, 0, ran.stderr);
  }

  const worker = spawn(process.execPath, [join(root, 'bin/port-sync.js'), '--config', configFile, 'worker'], { env, stdio: 'ignore' });
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200, 60_000, 'worker ready');
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
});

test('a secret variable the config names but the environment lacks stops worker and receiver at start, naming it', () => {
  const configFile = join(work, 'missing-secrets.yaml');
  writeFileSync(
    configFile,
    [
      'integrations:',
      '  - id: demo',
      '    type: demo',
      '    options: { apiUrl: "http://127.0.0.1:9", apiKeyEnv: DEMO_KEY_NOT_SET }',
      '    webhook: { secretEnv: DEMO_WEBHOOK_NOT_SET }',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: address };
  const worker = spawnSync(process.execPath, [join(root, 'bin/port-sync.js'), '--config', configFile, 'worker'], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(worker.status, 2, worker.stderr);
  assert.match(worker.stderr, /integrations\.0\.options\.apiKeyEnv: DEMO_KEY_NOT_SET is not set/);
  const receiver = spawnSync(process.execPath, [join(root, 'bin/port-sync.js'), '--config', configFile, 'webhooks'], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(receiver.status, 2, receiver.stderr);
  assert.match(receiver.stderr, /integrations\.0\.webhook\.secretEnv: DEMO_WEBHOOK_NOT_SET is not set/);
});

test("dev's demo on a shared cluster runs on a task queue of its own and leaves the deployment's schedules alone", async () => {
  // Runs after the test above registered the search attributes. The "deployment" has a schedule on the
  // default task queue for an integration the demo also has (incidentio).
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const deployed = await client.schedule.create({
    scheduleId: 'port-sync:incidentio',
    spec: { cronExpressions: ['0 */2 * * *'] },
    action: { type: 'startWorkflow', workflowType: 'syncIntegration', workflowId: 'scheduled-sync:incidentio', taskQueue: 'port-sync', args: [{ integration: 'incidentio', trigger: 'schedule' }] },
    memo: { managedBy: 'port-sync' },
  });
  const cwd = join(work, 'dev'); // no port-sync.yaml here: dev runs the demo
  mkdirSync(cwd);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: address };
  const dev = spawn(process.execPath, [join(root, 'bin/port-sync.js'), 'dev', '--webhooks-port', String(await freePort()), '--metrics-port', String(await freePort()), '--demo-items', '5'], {
    cwd, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  dev.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  dev.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => dev.once('exit', (code) => r(code)));
  try {
    await eventually(() => out.includes('the demo uses task queue port-sync-dev-'), 60_000, 'dev to choose its task queue');
    // The demo's incidentio schedule is the deployment's: dev refuses to take it over, and exits.
    assert.notEqual(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]), 'still running', out);
    assert.match(out, /schedule port-sync:incidentio starts its runs on task queue "port-sync", not this config's "port-sync-dev-/);
    const kept = await deployed.describe();
    assert.equal(kept.action.type === 'startWorkflow' && kept.action.taskQueue, 'port-sync');
    assert.deepEqual(kept.action.type === 'startWorkflow' && kept.action.args, [{ integration: 'incidentio', trigger: 'schedule' }]);
  } finally {
    dev.kill('SIGKILL');
    await deployed.delete().catch(() => undefined);
    await connection.close();
  }
});
