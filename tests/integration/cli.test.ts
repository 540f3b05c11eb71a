// The real `port-sync` command (bin/port-sync.js in a child process): help on every command, exit codes
// that mean something (0 ok, 1 failed, 2 usage or configuration) with a one-line reason on stderr,
// `config check`, and `run --wait --json` / `schedules apply --json` against the test's Temporal server,
// with machine-readable stdout and no progress output in a pipe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunningWorkers } from '../../worker/run';
import { scheduleId, syncWorkflowId, type SyncReport } from '../../workflows/definitions';
import { connectTemporal, demoSetup, startTestWorkers, type DemoSetup, type TestTemporal } from '../helpers/temporal';
import { BAD_CONFIG_YAML } from '../helpers/configs';
import { runPortSync, type CliOptions, type CliResult } from '../helpers/process';

const dir = mkdtempSync(join(tmpdir(), 'port-sync-cli-'));

/** Only what a shell would always have, and the test server: no credentials, no config. */
const BARE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
const temporalEnv = (): NodeJS.ProcessEnv => ({
  ...BARE_ENV,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  ...(process.env.TEMPORAL_NAMESPACE ? { TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE } : {}),
});

/** Runs `node bin/port-sync.js ...args` in the test's folder with a bare environment unless told otherwise. */
const cli = (args: string[], opts: CliOptions = {}): Promise<CliResult> => runPortSync(args, { cwd: dir, env: BARE_ENV, ...opts });

/** A failure explained on exactly one line of stderr. */
function assertOneLineReason(result: CliResult, pattern: RegExp) {
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^port-sync: /);
  assert.match(lines[0]!, pattern);
}

/** Terminal progress redraws its line with a carriage return and an erase-line escape (ESC [2K). */
function assertNoProgress(output: string) {
  assert.ok(!output.includes('\r') && !output.includes('\u001b'), `no progress output in a pipe:\n${JSON.stringify(output)}`);
}


const GOOD_CONFIG = `
integrations:
  - id: humanitec
    type: humanitec
    schedule: { cron: "0 2 * * 1" }
    options: { orgId: acme }
  - id: demo
    type: demo
    options: { apiUrl: "http://127.0.0.1:4010" }
  - id: incidentio
    type: incidentio
    options: { catalogTypeId: "01ABC" }
  - id: github
    type: github
    schedule: false
    options: { appId: "123" }
`;

test('--help works on every command: exit 0 and its usage on stdout', async () => {
  const commands = [['dev'], ['worker'], ['webhooks'], ['sim'], ['schedules', 'apply'], ['run'], ['status'], ['config', 'check'], ['entity', 'upsert'], ['entity', 'get'], ['action-run', 'update'], ['action-run', 'log'], []];
  const results = await Promise.all(commands.map((c) => cli([...c, '--help'])));
  results.forEach((r, i) => {
    const command = commands[i]!;
    assert.equal(r.code, 0, `${command.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: port-sync ${command.join(' ')}`.trimEnd()), `${command.join(' ')} --help:\n${r.stdout}`);
    assert.match(r.stdout, /-h, --help/);
  });
  assert.match(results.at(-1)!.stdout, /Commands:[\s\S]*schedules[\s\S]*entity[\s\S]*action-run[\s\S]*config/);
  assert.match(results[4]!.stdout, /--json/);
  assert.match(results[5]!.stdout, /<integration>[\s\S]*--wait/);
});

test('an unknown command or option is a usage error: exit 2', async () => {
  const [command, option] = await Promise.all([cli(['frobnicate']), cli(['run', 'x', '--no-such-option'])]);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command 'frobnicate'/);
  assert.equal(command.stdout, '');
  assert.equal(option.code, 2);
  assert.match(option.stderr, /unknown option '--no-such-option'/);
});

test('config check: a bad file exits 2 naming the file and the path of each mistake', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, BAD_CONFIG_YAML);
  const r = await cli(['config', 'check', '--config', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(file), `names the file:\n${r.stderr}`);
  for (const path of ['integrations.0.type', 'integrations.1.schedule.cron', 'integrations.1.options.apiKeyEnv', 'integrations.2.options.orgId']) {
    assert.match(r.stderr, new RegExp(`^  - ${path.replace(/\./g, '\\.')}: `, 'm'), `names ${path}:\n${r.stderr}`);
  }
  assert.ok(!r.stderr.includes('sk-123 456'), 'does not repeat the inlined secret');

  // The same file refuses every command before anything runs (no Temporal is contacted).
  const run = await cli(['run', 'demo', '--config', file]);
  assert.equal(run.code, 2);
  assert.ok(run.stderr.includes(file));

  // PORT_SYNC_CONFIG names the file too.
  const byEnv = await cli(['config', 'check'], { env: { ...BARE_ENV, PORT_SYNC_CONFIG: file } });
  assert.equal(byEnv.code, 2);
  assert.ok(byEnv.stderr.includes(file));
});

test('config check --json on a good file prints its integrations as JSON; a missing file exits 2', async () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, GOOD_CONFIG);
  const r = await cli(['config', 'check', '--json', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    source: file,
    integrations: [
      { id: 'humanitec', type: 'humanitec', schedule: '0 2 * * 1', connector: true },
      { id: 'demo', type: 'demo', schedule: null, connector: true },
      { id: 'incidentio', type: 'incidentio', schedule: '0 */2 * * *', connector: true }, // the guide's schedule when none is given
      { id: 'github', type: 'github', schedule: null, connector: false },
    ],
  });

  const human = await cli(['config', 'check', '--config', file]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /valid/);

  const missing = await cli(['config', 'check', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml[\s\S]*cannot read file/);
});

test('run and worker with no integration configured exit non-zero with a one-line reason', async () => {
  const empty = mkdtempSync(join(dir, 'empty-')); // no ./port-sync.yaml here
  const [run, worker, partial] = await Promise.all([
    cli(['run', 'humanitec'], { cwd: empty }),
    cli(['worker'], { cwd: empty }),
    cli(['run', 'humanitec'], { cwd: empty, env: { ...BARE_ENV, PORT_CLIENT_ID: 'x', PORT_CLIENT_SECRET: 'y', HUMANITEC_API_KEY: 'k' } }),
  ]);
  for (const r of [run, worker]) {
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assertOneLineReason(r, /no integration configured/);
  }
  // A partly set group of variables names what is missing.
  assert.equal(partial.code, 2);
  assert.match(partial.stderr, /HUMANITEC_ORG_ID/);
  assert.ok(!partial.stderr.includes('PORT_CLIENT_SECRET=y'));
});

test('run <unknown integration> exits 2 naming the configured ones', async () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, GOOD_CONFIG);
  const [unknown, noConnector] = await Promise.all([cli(['run', 'nope', '--config', file]), cli(['run', 'github', '--config', file])]);
  assert.equal(unknown.code, 2);
  assertOneLineReason(unknown, /unknown integration "nope" \(configured: humanitec, demo, incidentio, github\)/);
  assert.equal(noConnector.code, 2);
  assertOneLineReason(noConnector, /connector is not part of this version/);
});

test('run with Temporal unreachable exits 1 with a one-line reason', async () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, GOOD_CONFIG);
  const r = await cli(['run', 'demo', '--config', file], { env: { ...BARE_ENV, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assertOneLineReason(r, /cannot reach Temporal at 127\.0\.0\.1:1/);
});

// Against the test's Temporal server, with a worker of the same config in this process.
let temporal: TestTemporal | undefined;
let setup: DemoSetup | undefined;
let workers: RunningWorkers | undefined;
let configFile = '';

before(async () => {
  temporal = await connectTemporal();
  setup = await demoSetup({ items: 25, pageSize: 10 });
  workers = await startTestWorkers(temporal, setup);
  const integration = setup.config.integrations[0]!;
  if (integration.type !== 'demo') throw new Error('demo integration expected');
  configFile = join(dir, 'demo.yaml');
  writeFileSync(
    configFile,
    stringify({
      worker: { taskQueue: setup.config.worker.taskQueue },
      integrations: [
        {
          id: setup.integration,
          type: 'demo',
          schedule: { cron: '0 2 * * 1' },
          options: { apiUrl: setup.sim.url, kinds: integration.options.kinds, pageSize: integration.options.pageSize, apiKeyEnv: integration.options.apiKeyEnv },
        },
      ],
    }),
  );
});

after(async () => {
  if (temporal && setup) await temporal.client.schedule.getHandle(scheduleId(setup.integration)).delete().catch(() => undefined);
  workers?.shutdown();
  await workers?.done;
  await setup?.sim.stop();
  await temporal?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('run <id> --wait --json follows the sync and prints its report as JSON, nothing else on stdout', async () => {
  const r = await cli(['run', setup!.integration, '--wait', '--json', '--config', configFile], { env: temporalEnv() });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { workflowId: string; started: boolean; report: SyncReport };
  assert.equal(out.workflowId, syncWorkflowId(setup!.integration));
  assert.equal(out.started, true);
  assert.equal(out.report.status, 'completed');
  assert.equal(out.report.trigger, 'cli');
  assert.deepEqual(out.report.kinds.map((k) => [k.kind, k.status, k.fetched, k.created]), [['team', 'done', 25, 25], ['service', 'done', 25, 25]]);
  assert.equal(setup!.sim.catalog.size, 50);
  // In a pipe there is no progress: no carriage returns or escape codes anywhere, nothing on stderr.
  assertNoProgress(r.stdout + r.stderr);
  assert.equal(r.stderr, '');

  // Without --json a person reads a table; still no progress line in a pipe.
  const human = await cli(['run', setup!.integration, '--wait', '--config', configFile], { env: temporalEnv() });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^${setup!.integration}: completed`));
  assert.match(human.stdout, /KIND\s+STATUS\s+PAGES/);
  assertNoProgress(human.stdout + human.stderr);
});

test('run <id> --dry-run waits and prints the plan; nothing is written', async () => {
  const item = setup!.sim.source.get('service')![0]!;
  item.name = `${item.name} (renamed)`;
  item.version += 1;
  const before = setup!.sim.catalog.size;
  const r = await cli(['run', setup!.integration, '--dry-run', '--config', configFile], { env: temporalEnv() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[dry run: nothing written\]/);
  assert.match(r.stdout, new RegExp(`^plan: update service "${item.id}": title: ".*" -> ".* \\(renamed\\)"`, 'm'));
  assert.equal(setup!.sim.catalog.size, before);
  assert.notEqual(setup!.sim.catalog.get(`service/${item.id}`)?.name, item.name, 'the demo catalog still holds the old name');
});

test('run <id> --json without --wait prints the workflow id; a second run attaches to the running sync', async () => {
  // Slow pages hold the sync open (six pages: ~24 s) while the second command starts; reset afterwards.
  setup!.sim.pageDelayMs = 4_000;
  try {
    const first = await cli(['run', setup!.integration, '--json', '--config', configFile], { env: temporalEnv() });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { workflowId: syncWorkflowId(setup!.integration), started: true });
    const second = await cli(['run', setup!.integration, '--json', '--config', configFile], { env: temporalEnv() });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { workflowId: syncWorkflowId(setup!.integration), started: false });
    setup!.sim.pageDelayMs = 0;
    const report = await temporal!.client.workflow.getHandle(syncWorkflowId(setup!.integration)).result();
    assert.equal((report as SyncReport).status, 'completed');
  } finally {
    setup!.sim.pageDelayMs = 0;
  }
});

test('schedules apply --json: created, then unchanged; status --json shows the schedule and the last sync', async () => {
  const id = scheduleId(setup!.integration);
  const first = await cli(['schedules', 'apply', '--json', '--config', configFile], { env: temporalEnv() });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), [{ integration: setup!.integration, scheduleId: id, change: 'created', cron: '0 2 * * 1' }]);
  const second = await cli(['schedules', 'apply', '--json', '--config', configFile], { env: temporalEnv() });
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout), [{ integration: setup!.integration, scheduleId: id, change: 'unchanged', cron: '0 2 * * 1' }]);

  const status = await cli(['status', setup!.integration, '--json', '--config', configFile], { env: temporalEnv() });
  assert.equal(status.code, 0, status.stderr);
  const [s] = JSON.parse(status.stdout) as [{ integration: string; schedule: { exists: boolean; cron: string; paused: boolean }; sync: { status: string } }];
  assert.equal(s.integration, setup!.integration);
  assert.deepEqual({ exists: s.schedule.exists, cron: s.schedule.cron, paused: s.schedule.paused }, { exists: true, cron: '0 2 * * 1', paused: false });
  assert.equal(s.sync.status, 'COMPLETED');

  await temporal!.client.schedule.getHandle(id).delete();
});
