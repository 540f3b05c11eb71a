// `port-sync dev` as a newcomer runs it: no credentials, no config. It starts its own Temporal dev
// server with the Web UI, the demo simulators (demo API, Port, incident.io), worker, receiver and
// schedules; the demo and incident.io syncs and webhook events run; Ctrl-C stops everything with exit 0;
// a restart on the same data folder keeps the history.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { demoServices, DEMO_SERVICES } from '../../sim/incidentio/demo';
import { freePort } from '../helpers/ports';
import { eventually } from '../helpers/temporal';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'port-sync-dev-'));
const dataDir = join(work, 'data');
const children: ChildProcess[] = [];
// Not a credential: dev's incident.io simulator takes this key instead of a random one, so the test can read its entries.
const incidentKey = 'dev-test-incidentio-key';

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The environment of a machine with nothing configured: no credentials, no Temporal address. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'PORT_SYNC_CACHE_DIR', 'XDG_CACHE_HOME']) if (process.env[name]) env[name] = process.env[name];
  return env;
}

function startDev(ports: { port: number; ui: number; webhooks: number; metrics: number }) {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/port-sync.js'), 'dev', '--data-dir', dataDir, '--port', String(ports.port), '--ui-port', String(ports.ui),
      '--webhooks-port', String(ports.webhooks), '--metrics-port', String(ports.metrics), '--demo-items', '30'],
    { cwd: work, env: { ...bareEnv(), DEMO_INCIDENT_IO_API_KEY: incidentKey }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

test('port-sync dev runs the demo end to end, stops on Ctrl-C and keeps history across restarts', async () => {
  const ports = { port: await freePort(), ui: await freePort(), webhooks: await freePort(), metrics: await freePort() };
  const first = startDev(ports);
  await eventually(() => first.stderr().includes('Ctrl-C stops everything'), 120_000, 'dev to come up');
  const out = first.stderr();
  assert.match(out, new RegExp(`Web UI: http://127\\.0\\.0\\.1:${ports.ui}`));
  assert.match(out, /data in .*temporal\.sqlite/);
  assert.match(out, /no credentials configured: running the demo organisation/);
  assert.match(out, /schedule port-sync:demo (created|unchanged)/);
  assert.match(out, /schedule port-sync:incidentio (created|unchanged) \(0 \*\/2 \* \* \*\)/);
  const sim = /incident\.io simulator at (\S+) \(catalog type "Service" (\S+):/.exec(out);
  assert.ok(sim, out);
  const [, incidentUrl, typeId] = sim;

  const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
  assert.equal(ui.status, 200, 'the Web UI answers');
  const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
  assert.match(metrics, /temporal_/);

  const connection = await Connection.connect({ address: `127.0.0.1:${ports.port}` });
  const client = new Client({ connection });
  try {
    const report = await client.workflow.getHandle('sync:demo').result();
    assert.equal(report.status, 'completed');
    assert.equal(report.kinds.reduce((n: number, k: { created: number; updated: number }) => n + k.created + k.updated, 0), 60);
    // Port -> incident.io: the seeded services (and the demo's own, when its sync wrote them first)
    // become entries of the simulator's "Service" type, with the guide's attributes.
    const incident = await client.workflow.getHandle('sync:incidentio').result();
    assert.equal(incident.status, 'completed', JSON.stringify(incident));
    const written = incident.kinds.reduce((n: number, k: { created: number; updated: number }) => n + k.created + k.updated, 0);
    assert.ok(written >= DEMO_SERVICES, `incident.io entries written: ${written}`);
    assert.equal(incident.kinds.reduce((n: number, k: { failed: number }) => n + k.failed, 0), 0);
    const listed = await fetch(`${incidentUrl}/v3/catalog_entries?catalog_type_id=${typeId}&page_size=250`, { headers: { authorization: `Bearer ${incidentKey}` } });
    assert.equal(listed.status, 200);
    const { catalog_entries: entries } = (await listed.json()) as { catalog_entries: Array<{ external_id?: string; name: string; attribute_values: Record<string, { value?: { literal?: string } }> }> };
    const types = (await (await fetch(`${incidentUrl}/v3/catalog_types/${typeId}`, { headers: { authorization: `Bearer ${incidentKey}` } })).json()) as { catalog_type: { schema: { attributes: Array<{ id: string; name: string }> } } };
    const attr = Object.fromEntries(types.catalog_type.schema.attributes.map((a) => [a.name, a.id]));
    assert.ok(entries.length >= DEMO_SERVICES, `${entries.length} entries`);
    for (const s of demoServices()) {
      const entry = entries.find((e) => e.external_id === s.identifier);
      assert.ok(entry, `an entry for ${s.identifier}`);
      assert.equal(entry.name, s.title);
      for (const [name, value] of Object.entries(s.properties)) assert.equal(entry.attribute_values[attr[name]!]?.value?.literal, value, `${s.identifier}.${name}`);
    }
    // The demo emitter sends a signed webhook every 3 s; each lands in its object's workflow.
    await eventually(async () => {
      for await (const w of client.workflow.list({ query: "WorkflowType = 'objectEvents'" })) return w;
      return undefined;
    }, 30_000, 'a webhook event workflow');
    const accepted = await fetch(`http://127.0.0.1:${ports.webhooks}/readyz`);
    assert.equal(accepted.status, 200);
    // Another terminal sees the demo through the config file dev wrote, with the address it printed.
    const hint = /from another terminal: TEMPORAL_ADDRESS=(\S+) npx port-sync --config (\S+) status/.exec(first.stderr());
    assert.ok(hint, first.stderr());
    const status = spawnSync(process.execPath, [join(root, 'bin/port-sync.js'), '--config', hint[2]!, 'status', '--json'], {
      cwd: work,
      env: { ...bareEnv(), TEMPORAL_ADDRESS: hint[1] },
      encoding: 'utf8',
    });
    assert.equal(status.status, 0, status.stderr);
    const [demo] = JSON.parse(status.stdout) as { integration: string; schedule: { exists: boolean }; sync: { status: string } }[];
    assert.equal(demo!.integration, 'demo');
    assert.equal(demo!.schedule.exists, true);
    assert.equal(demo!.sync.status, 'COMPLETED');
  } finally {
    await connection.close();
  }

  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0, `dev exits 0 on Ctrl-C; stderr:\n${first.stderr()}`);
  assert.match(first.stderr(), /stopped/);
  assert.ok(existsSync(join(dataDir, 'temporal.sqlite')));

  const second = startDev(ports);
  await eventually(() => second.stderr().includes('Ctrl-C stops everything'), 120_000, 'dev to come up again');
  assert.match(second.stderr(), /schedule port-sync:demo unchanged/);
  assert.match(second.stderr(), /schedule port-sync:incidentio unchanged/);
  const again = await Connection.connect({ address: `127.0.0.1:${ports.port}` });
  try {
    const runs: string[] = [];
    const client2 = new Client({ connection: again });
    await eventually(async () => {
      runs.length = 0;
      for await (const w of client2.workflow.list({ query: "WorkflowId = 'sync:demo'" })) runs.push(w.status.name);
      return runs.includes('COMPLETED') && runs.length >= 2;
    }, 30_000, 'the first run still in history beside the new one');
  } finally {
    await again.close();
  }
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0);
});
