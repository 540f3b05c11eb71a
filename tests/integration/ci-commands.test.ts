// The CI commands (docs/ci.md) as a pipeline runs them: the real `port-sync` process against the Port
// simulator, with only Port's credentials in the environment. Entity files are checked before any
// write, written only when they differ, and a refused entity does not stop the others; action runs get
// their status, links and log lines. Every request and answer is checked against port-apispec.yaml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';
import { runPortSync, type CliResult } from '../helpers/process';

const SPEC = 'port-apispec.yaml';
const dir = mkdtempSync(join(tmpdir(), 'port-sync-ci-'));
const sim = new PortSim();
let env: NodeJS.ProcessEnv;

const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};
/** Everything the commands printed, for the secrets check at the end. */
const printed: string[] = [];
const cli = async (args: string[], input?: string): Promise<CliResult> => {
  const result = await runPortSync(args, { cwd: dir, env, input });
  printed.push(result.stdout, result.stderr);
  return result;
};
const writes = () => (sim.http.requests.get('POST /v1/blueprints/:blueprint/entities') ?? 0) + sim.http.count('entities/bulk');

before(async () => {
  sim.record = true;
  await sim.start();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT_API_URL: sim.url, PORT_CLIENT_ID: sim.credentials.clientId, PORT_CLIENT_SECRET: sim.credentials.clientSecret };
  sim.putBlueprint({ identifier: 'system', title: 'System', schema: { properties: {} } });
  sim.putBlueprint({ identifier: 'library', title: 'Library', schema: { properties: { lang: { type: 'string' } } }, relations: { system: { target: 'system', required: false, many: false } } });
  sim.putBlueprint({
    identifier: 'microservice',
    title: 'Microservice',
    schema: { properties: { url: { type: 'string', format: 'url' }, tier: { type: 'string' }, replicas: { type: 'number' } } },
    relations: { system: { target: 'system', required: false, many: false } },
  });
});
after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the GitOps guide's entity.json is created, then left alone while it does not change", async () => {
  const path = file('entity.json', { identifier: 'notification-microservice', title: 'Notification Service', properties: { url: 'https://www.github.com/user/notification' } });
  const first = await cli(['entity', 'upsert', '--blueprint', 'microservice', path, '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), { entities: [{ source: path, blueprint: 'microservice', identifier: 'notification-microservice', result: 'created' }] });
  const stored = sim.entity('microservice', 'notification-microservice')!;
  assert.equal(stored.title, 'Notification Service');
  assert.deepEqual(stored.properties, { url: 'https://www.github.com/user/notification' });
  assert.match(String(stored.datasource), /port-sync\/ci\//, 'Port records the CI writer');

  const before = writes();
  const again = await cli(['entity', 'upsert', '--blueprint', 'microservice', path]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /unchanged\s+microservice\/notification-microservice/);
  assert.equal(writes(), before, 'an unchanged file is not written again');
});

test('a change is written and listed field by field; without --merge what the file leaves out is cleared, with --merge it stays', async () => {
  sim.putEntity('microservice', { identifier: 'billing', title: 'Billing', properties: { url: 'https://a.example', tier: 'gold' } });
  const path = file('billing.yaml', 'identifier: billing\ntitle: Billing\nproperties:\n  url: https://b.example\n');

  const merged = await cli(['entity', 'upsert', '-b', 'microservice', path, '--merge', '--json']);
  assert.equal(merged.code, 0, merged.stderr);
  assert.deepEqual(JSON.parse(merged.stdout).entities[0].changes, ['url: "https://a.example" -> "https://b.example"']);
  assert.deepEqual(sim.entity('microservice', 'billing')!.properties, { url: 'https://b.example', tier: 'gold' });

  const replaced = await cli(['entity', 'upsert', '-b', 'microservice', path, '--json']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.deepEqual(JSON.parse(replaced.stdout).entities[0].changes, ['tier: cleared']);
  assert.deepEqual(sim.entity('microservice', 'billing')!.properties, { url: 'https://b.example' });
});

test('replacing, a title or icon the file leaves out is cleared (and reported); merging, it stays', async () => {
  sim.putEntity('microservice', { identifier: 'meta', title: 'Meta', icon: 'Go', properties: { url: 'https://m.example' } });
  const path = file('meta.json', { identifier: 'meta', properties: { url: 'https://m.example' } });
  const merged = await cli(['entity', 'upsert', '-b', 'microservice', path, '--merge']);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /unchanged\s+microservice\/meta/);

  const replaced = await cli(['entity', 'upsert', '-b', 'microservice', path, '--json']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.deepEqual(JSON.parse(replaced.stdout).entities[0].changes, ['title: cleared', 'icon: cleared']);
  assert.equal(sim.entity('microservice', 'meta')!.title, undefined);
  const again = await cli(['entity', 'upsert', '-b', 'microservice', path]);
  assert.match(again.stdout, /unchanged\s+microservice\/meta/, 'and then it is unchanged, not rewritten every run');
});

test('a blueprint that does not exist is named as such; what `entity get` prints can be written back unchanged', async () => {
  const missing = await cli(['entity', 'upsert', '-b', 'nosuch', file('nosuch.json', { identifier: 'x' }), '--dry-run']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /failed\s+nosuch\/x\s+\S+\s+blueprint "nosuch" does not exist in Port/);

  const got = await cli(['entity', 'get', 'microservice', 'billing']);
  assert.equal(got.code, 0, got.stderr);
  const back = await cli(['entity', 'upsert', '-b', 'microservice', '-'], got.stdout);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /unchanged\s+microservice\/billing/);
});

test('--dry-run reads and compares, and writes nothing', async () => {
  sim.putEntity('microservice', { identifier: 'search', title: 'Search', properties: { replicas: 2 } });
  const path = file('search.json', [
    { identifier: 'search', title: 'Search', properties: { replicas: 3 } },
    { identifier: 'brand-new', blueprint: 'system', title: 'Brand new' },
  ]);
  const before = writes();
  const dry = await cli(['entity', 'upsert', '-b', 'microservice', path, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would be updated\s+microservice\/search\s+\S+\[0\]\s+replicas: 2 -> 3/);
  assert.match(dry.stdout, /would be created\s+system\/brand-new/);
  assert.equal(writes(), before);
  assert.equal(sim.entity('microservice', 'search')!.properties.replicas, 2);
  assert.equal(sim.entity('system', 'brand-new'), undefined);
});

test('bad files: every problem is named (file, entity, field), exit 2, and nothing is written', async () => {
  const good = file('good.json', { identifier: 'would-be-fine', properties: {} });
  const broken = file('broken.json', '{ "identifier": "x", ');
  const bad = file('bad.json', [
    { identifier: 'has space', properties: {} },
    { identifier: 'typo', propertes: { url: 'x' } },
    { identifier: 'rel', relations: { system: 7 } },
  ]);
  const noBlueprint = file('no-blueprint.json', { identifier: 'orphan' });
  const twice = file('twice.json', { identifier: 'would-be-fine', blueprint: 'microservice' });
  const before = { writes: writes(), exchanges: sim.exchanges.length };
  // good.json names no blueprint and --blueprint is missing too: no-blueprint.json shows the message once more.
  const result = await cli(['entity', 'upsert', good, broken, bad, noBlueprint, twice, join(dir, 'missing.json')]);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /^port-sync: invalid entity files, nothing written:/);
  assert.match(result.stderr, /broken\.json: /);
  assert.match(result.stderr, /bad\.json\[0\] \(entity "has space"\): identifier: must be letters, digits/);
  assert.match(result.stderr, /bad\.json\[1\] \(entity "typo"\): .*propertes/);
  assert.match(result.stderr, /bad\.json\[2\] \(entity "rel"\): relations\.system: /);
  assert.match(result.stderr, /no-blueprint\.json \(entity "orphan"\): no blueprint: give --blueprint or a "blueprint" field/);
  assert.match(result.stderr, /good\.json \(entity "would-be-fine"\): no blueprint/);
  assert.match(result.stderr, /missing\.json: no such file/);
  assert.equal(writes(), before.writes);
  assert.equal(sim.exchanges.length, before.exchanges, 'not even a token was fetched');

  const dup = await cli(['entity', 'upsert', '-b', 'microservice', good, twice]);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /twice\.json: entity "would-be-fine" of blueprint "microservice" is also in .*good\.json/);
});

test('an entity Port refuses is reported with its message; the others are written; exit 1', async () => {
  const path = file('mixed.json', [
    { identifier: 'ok-one', properties: { replicas: 1 } },
    { identifier: 'wrong-type', properties: { replicas: 'three' } },
    { identifier: 'ok-two', relations: { system: 'missing-system' } },
  ]);
  const result = await cli(['entity', 'upsert', '-b', 'microservice', path, '--create-missing-related-entities', '--json']);
  assert.equal(result.code, 1);
  const outcomes = JSON.parse(result.stdout).entities as Array<{ identifier: string; result: string; error?: string }>;
  assert.deepEqual(outcomes.map((o) => [o.identifier, o.result]), [['ok-one', 'created'], ['wrong-type', 'failed'], ['ok-two', 'created']]);
  assert.match(outcomes[1]!.error!, /replicas/);
  assert.match(result.stderr, /^port-sync: 1 of 3 entities not written/);
  assert.ok(sim.entity('microservice', 'ok-one'));
  assert.ok(sim.entity('system', 'missing-system'), 'created as a missing related entity');
  assert.equal(sim.entity('microservice', 'wrong-type'), undefined);
});

test('--prune: what this writer wrote and no file names any more is deleted; other writers\' entities and relation targets of kept ones stay', async () => {
  const lib = (id: string, extra: Record<string, unknown> = {}) => ({ identifier: id, blueprint: 'library', properties: { lang: 'go' }, ...extra });
  const all = file('libs-all.json', [{ identifier: 'platform', blueprint: 'system' }, { identifier: 'core', blueprint: 'system' }, lib('lib-a', { relations: { system: 'platform' } }), lib('lib-b'), lib('lib-c'), lib('lib-d')]);
  assert.equal((await cli(['entity', 'upsert', all, '--as', 'repo-libs'])).code, 0);
  sim.putEntity('library', { identifier: 'by-hand', properties: { lang: 'go' } }, { datasource: 'Mozilla/5.0 (Port UI)' });
  const other = file('other.json', lib('lib-other'));
  assert.equal((await cli(['entity', 'upsert', other, '--as', 'repo-other'])).code, 0);

  // lib-d's file is gone; so is platform's, but lib-a still points at it.
  const now = file('libs-now.json', [{ identifier: 'core', blueprint: 'system' }, lib('lib-a', { relations: { system: 'platform' } }), lib('lib-b'), lib('lib-c')]);
  const before = sim.entities('library').length;
  const dry = await cli(['entity', 'upsert', now, '--as', 'repo-libs', '--prune', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would be deleted\s+library\/lib-d/);
  assert.equal(sim.entities('library').length, before, 'a dry run deletes nothing');

  const result = await cli(['entity', 'upsert', now, '--as', 'repo-libs', '--prune', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const { prune } = JSON.parse(result.stdout) as { prune: { deleted: Array<{ identifier: string }>; keptAsRelationTarget: number } };
  assert.deepEqual(prune.deleted.map((d) => d.identifier), ['lib-d']);
  assert.equal(prune.keptAsRelationTarget, 1);
  assert.equal(sim.entity('library', 'lib-d'), undefined);
  for (const kept of ['lib-a', 'lib-b', 'lib-c', 'by-hand', 'lib-other']) assert.ok(sim.entity('library', kept), `${kept} kept`);
  assert.ok(sim.entity('system', 'platform'), 'kept: lib-a, which stays, relates to it');
});

test('--prune keeps entities a Port integration also wrote, and what entities the files name point at, whoever wrote those', async () => {
  const lib = (id: string, extra: Record<string, unknown> = {}) => ({ identifier: id, blueprint: 'library', properties: { lang: 'ts' }, ...extra });
  const sys = (id: string) => ({ identifier: id, blueprint: 'system' });
  assert.equal((await cli(['entity', 'upsert', file('shared-all.json', [sys('sys-x'), sys('sys-y'), lib('shared'), lib('mine-1'), lib('mine-2')]), '--as', 'repo-shared'])).code, 0);
  // Ocean's GitHub integration writes `shared` too; someone makes ui-lib by hand, pointing at sys-x.
  sim.putEntity('library', { identifier: 'shared', properties: { lang: 'ts' } }, { datasource: 'port-ocean/github/0.1.0/my-gh/resync' });
  sim.putEntity('library', { identifier: 'ui-lib', properties: { lang: 'ts' }, relations: { system: 'sys-x' } }, { datasource: 'Mozilla/5.0 (Port UI)' });

  // The files now name ui-lib as it is (so it is not written) and neither shared nor sys-x.
  const now = file('shared-now.json', [sys('sys-y'), lib('mine-1'), lib('mine-2'), lib('ui-lib', { relations: { system: 'sys-x' } })]);
  const result = await cli(['entity', 'upsert', now, '--as', 'repo-shared', '--prune', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const { entities, prune } = JSON.parse(result.stdout) as { entities: Array<{ identifier: string; result: string }>; prune: { deleted: unknown[]; keptAsRelationTarget: number } };
  assert.equal(entities.find((e) => e.identifier === 'ui-lib')!.result, 'unchanged');
  assert.deepEqual(prune.deleted, []);
  assert.equal(prune.keptAsRelationTarget, 1);
  assert.ok(sim.entity('library', 'shared'), 'kept: an Ocean integration wrote it too');
  assert.ok(sim.entity('system', 'sys-x'), 'kept: ui-lib, which the files name, points at it');

  const merging = await cli(['entity', 'upsert', now, '--as', 'repo-shared', '--prune', '--merge']);
  assert.equal(merging.code, 2);
  assert.match(merging.stderr, /--prune cannot go with --merge/);
});

test('--prune refuses above the threshold, after a failed write, and without --as; nothing is deleted', async () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ identifier: `tool-${i}`, properties: { lang: 'go' } }));
  assert.equal((await cli(['entity', 'upsert', '-b', 'library', file('tools.json', many), '--as', 'repo-tools'])).code, 0);
  const before = sim.entities('library').length;

  const one = file('tools-one.json', many.slice(0, 1));
  const above = await cli(['entity', 'upsert', '-b', 'library', one, '--as', 'repo-tools', '--prune', '--deletion-threshold', '0.5']);
  assert.equal(above.code, 1);
  assert.match(above.stderr, /nothing pruned: 9 of 10 owned "library" entities \(90 %\) would be deleted, above the threshold of 50 %/);
  assert.equal(sim.entities('library').length, before);

  const failing = file('tools-bad.json', [...many.slice(0, 5), { identifier: 'tool-bad', properties: { lang: 42 } }]);
  const failed = await cli(['entity', 'upsert', '-b', 'library', failing, '--as', 'repo-tools', '--prune']);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /1 of 6 entities not written .*; nothing pruned/);
  assert.equal(sim.entities('library').length, before);

  const noWriter = await cli(['entity', 'upsert', '-b', 'library', one, '--prune']);
  assert.equal(noWriter.code, 2);
  assert.match(noWriter.stderr, /--prune needs --as <writer>/);
});

test('entity get prints the entity as JSON, and exits 1 when there is none', async () => {
  const found = await cli(['entity', 'get', 'microservice', 'notification-microservice']);
  assert.equal(found.code, 0, found.stderr);
  assert.equal(JSON.parse(found.stdout).title, 'Notification Service');
  const missing = await cli(['entity', 'get', 'microservice', 'nope']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'port-sync: not found: blueprint "microservice" has no entity "nope"');
});

test('reads standard input for "-"', async () => {
  const result = await cli(['entity', 'upsert', '-b', 'system', '-'], JSON.stringify({ identifier: 'from-stdin', title: 'From stdin' }));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(sim.entity('system', 'from-stdin')!.title, 'From stdin');
});

test('without credentials: exit 2 naming the variables, before any request', async () => {
  const before = sim.exchanges.length;
  const result = await runPortSync(['entity', 'get', 'microservice', 'x'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT_API_URL: sim.url } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /PORT_CLIENT_ID is not set/);
  assert.match(result.stderr, /PORT_CLIENT_SECRET is not set/);
  assert.equal(sim.exchanges.length, before);
});

test('action-run update and log report a run: status, label, links, summary, log lines, the end', async () => {
  const run = sim.actionRuns.start('deploy_service');
  const update = await cli(['action-run', 'update', run.id, '--label', 'deploying', '--link', 'https://ci.example/jobs/1', '--link', 'https://ci.example/jobs/1/logs', '--external-run-id', 'job-1']);
  assert.equal(update.code, 0, update.stderr);
  assert.equal(update.stdout.trim(), `run ${run.id}: IN_PROGRESS (deploying)`);
  const log = await cli(['action-run', 'log', run.id, 'image built']);
  assert.equal(log.code, 0, log.stderr);
  const end = await cli(['action-run', 'log', run.id, 'deployed to staging', '--status', 'success', '--label', 'done']);
  assert.equal(end.code, 0, end.stderr);
  const summary = await cli(['action-run', 'update', run.id, '--summary', 'v1.4.2 is live']);
  assert.equal(summary.code, 0, summary.stderr);

  const stored = sim.actionRuns.get(run.id);
  assert.equal(stored.status, 'SUCCESS');
  assert.equal(stored.statusLabel, 'done');
  assert.deepEqual(stored.link, ['https://ci.example/jobs/1', 'https://ci.example/jobs/1/logs']);
  assert.equal(stored.externalRunId, 'job-1');
  assert.equal(stored.summary, 'v1.4.2 is live');
  assert.ok(stored.endedAt);
  assert.deepEqual(sim.actionRuns.logsOf(run.id).map((l) => l.message), ['image built', 'deployed to staging']);
});

test('action-run: a bad status or nothing to set is exit 2 before any request; an unknown run is exit 1 with Port\'s message', async () => {
  const before = sim.exchanges.length;
  const badStatus = await cli(['action-run', 'update', 'r_1', '--status', 'DONE']);
  assert.equal(badStatus.code, 2);
  assert.match(badStatus.stderr, /--status takes SUCCESS or FAILURE, not "DONE"/);
  const nothing = await cli(['action-run', 'update', 'r_1']);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to update/);
  const empty = await cli(['action-run', 'log', 'r_1', '  ']);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /the log message is empty/);
  assert.equal(sim.exchanges.length, before);

  for (const args of [['log', 'r_unknown', 'hello'], ['update', 'r_unknown', '--status', 'FAILURE']]) {
    const unknown = await cli(['action-run', ...args]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /answered 404: Action run with id "r_unknown" was not found/);
  }
});

test('no command printed the client secret or a token', () => {
  const tokens = sim.exchanges.flatMap((x) => (x.path === '/v1/auth/access_token' && x.status === 200 ? [String((x.responseBody as { accessToken: string }).accessToken)] : []));
  assert.ok(tokens.length > 0 && printed.length > 0);
  for (const out of printed) {
    assert.ok(!out.includes(sim.credentials.clientSecret), 'the client secret was printed');
    for (const token of tokens) assert.ok(!out.includes(token), 'an access token was printed');
  }
});

test('every request and answer above matches port-apispec.yaml', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
  });
  // Refused requests too: the CLI checks its input, so what it sends is valid even when Port says no.
  const violations = validator.validateAll(sim.exchanges);
  assert.equal(violations.length, 0, formatViolations(violations));
  assert.ok(sim.exchanges.some((x) => x.path.startsWith('/v1/actions/runs/')), 'action-run traffic was checked too');
});
