// The Humanitec connector against the Humanitec simulator over HTTP: every kind walked to the end and
// mapped without failures, relations pointing at entities the run produces, pipelines paged past the
// script's first 50, a failing env failing its page (never an empty list), scoped fetches staying in
// their scope, and every request valid against Humanitec's OpenAPI spec.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTPError } from 'ky';
import type { Connector, SourceScope } from '../../activities/connector';
import { createHumanitecConnector, HUMANITEC_KINDS } from '../../activities/humanitec/connector';
import { nextPageToken } from '../../activities/humanitec/client';
import { loadMappingFile, type CompiledMapping } from '../../activities/mapping';
import { configSchema } from '../../config/schema';
import { generateOrg } from '../../sim/humanitec/generator';
import { HumanitecSim } from '../../sim/humanitec/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'humanitec-openapi.json';
const signal = new AbortController().signal;
let sim: HumanitecSim;
let connector: Connector;
let mapping: CompiledMapping;

before(async () => {
  // 40 apps × 3 pipelines: 120, past the script's single page of 50 and one page of 100.
  sim = new HumanitecSim({ model: generateOrg({ seed: 7, orgId: 'acme', apps: 40, envsPerApp: 3, workloadsPerEnv: 2, resourcesPerWorkload: 1, pipelinesPerApp: 3 }) });
  sim.record = true;
  await sim.start();
  const config = configSchema.parse({ integrations: [{ id: 'humanitec', type: 'humanitec', options: { orgId: 'acme', apiUrl: sim.url, readConcurrency: 4 } }] });
  connector = createHumanitecConnector(config.integrations[0] as never, { HUMANITEC_API_KEY: sim.token });
  mapping = loadMappingFile(connector.defaultMapping, { integration: 'humanitec' });
});

after(() => sim.stop());

async function walk(kind: string, scope?: SourceScope) {
  const items: unknown[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await connector.fetchPage(kind, cursor, signal, scope);
    items.push(...page.items);
    cursor = page.next;
    pages += 1;
    assert.ok(pages < 1000, 'the walk ends');
  } while (cursor);
  return { items, pages };
}

test('nextPageToken reads rel="next" among other links', () => {
  assert.equal(nextPageToken(null), undefined);
  assert.equal(nextPageToken('<https://api.humanitec.io/orgs/a/pipelines?page=abc&per_page=100>; rel="next"'), 'abc');
  assert.equal(nextPageToken('<https://x/p?page=1>; rel="prev", <https://x/p?page=t%2F2>; rel="next"'), 't/2');
  assert.equal(nextPageToken('<https://x/p?page=1>; rel="prev"'), undefined);
  assert.throws(() => nextPageToken('<https://x/p>; rel="next"'), /page token/);
});

test('every kind, walked to the end, maps without failures; every relation points at a produced entity', async () => {
  const produced = new Map<string, Set<string>>();
  const relations: Array<{ from: string; target: string; id: string }> = [];
  const blueprintOf = new Map<string, Map<string, { target: string }>>();
  for (const bp of connector.blueprints) blueprintOf.set(bp.identifier, new Map(Object.entries(bp.relations ?? {})));
  const counts: Record<string, number> = {};
  const sentBefore = sim.exchanges.length;
  for (const kind of HUMANITEC_KINDS) {
    const { items, pages } = await walk(kind);
    const mapped = mapping.map(kind, items);
    assert.deepEqual(mapped.failures, [], kind);
    assert.equal(mapped.unidentified, 0, kind);
    counts[kind] = mapped.entities.length;
    if (kind === 'pipeline') assert.equal(pages, 2);
    for (const e of mapped.entities) {
      const ids = produced.get(e.blueprint) ?? new Set();
      produced.set(e.blueprint, ids);
      // Graph nodes are global: one shared by apps on different pages comes again (an unchanged upsert).
      if (kind !== 'resourceGraph') assert.ok(!ids.has(e.identifier), `${e.blueprint} ${e.identifier} produced once`);
      ids.add(e.identifier);
      for (const [name, value] of Object.entries(e.relations)) {
        const target = blueprintOf.get(e.blueprint)!.get(name)!.target;
        for (const id of value === null ? [] : Array.isArray(value) ? value : [value]) relations.push({ from: `${e.blueprint} ${e.identifier}.${name}`, target, id: id as string });
      }
    }
  }
  const apps = sim.model.apps;
  assert.equal(counts.application, 40);
  assert.equal(counts.pipeline, 120);
  assert.equal(counts.environment, apps.reduce((n, a) => n + a.envs.length, 0));
  assert.ok(counts.workload! > 0 && counts.resource! > counts.workload! && counts.resourceGraph! > 0 && counts.user! > 0 && counts.group! > 0);
  // The script wrote each app value again per env; only overrides are per env here.
  for (const v of [...produced.get('humanitecSharedValue')!]) assert.ok(v.split('/').length === 2 || v.split('/').length === 3);
  const missing = relations.filter((r) => !produced.get(r.target)?.has(r.id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} relations point at entities nobody produces`);
  // Reads a later kind needs again are handed over (handOver.ts): each app's env list, each env's active
  // resources and each deployed env's graph are read once in the whole walk, not once per kind.
  const sent = sim.exchanges.slice(sentBefore).filter((x) => x.method === 'GET');
  const envCount = apps.reduce((n, a) => n + a.envs.length, 0);
  const deployed = apps.reduce((n, a) => n + a.envs.filter((e) => e.last_deploy).length, 0);
  assert.equal(sent.filter((x) => /^\/orgs\/acme\/apps\/[^/]+\/envs$/.test(x.path)).length, apps.length, 'env lists');
  assert.equal(sent.filter((x) => /\/envs\/[^/]+\/resources$/.test(x.path)).length, envCount, 'active resources');
  assert.equal(sent.filter((x) => /\/resources\/graphs\/[^/]+$/.test(x.path)).length, deployed, 'graphs');
});

test('a failing env fails its page: the error, never an empty list', async () => {
  const app = sim.model.apps.find((a) => a.envs.some((e) => e.last_deploy))!;
  const env = app.envs.find((e) => e.last_deploy)!;
  sim.failEnv(app.id, env.id, 403);
  try {
    for (const kind of ['workload', 'resource', 'resourceGraph', 'sharedValue']) {
      await assert.rejects(walk(kind), (err: unknown) => err instanceof HTTPError && err.response.status === 403, kind);
      await assert.rejects(walk(kind, { app: app.id, env: env.id }), (err: unknown) => err instanceof HTTPError && err.response.status === 403, `${kind} scoped`);
    }
  } finally {
    sim.healEnv(app.id, env.id);
  }
});

test('a scoped fetch stays inside its app or env', async () => {
  const app = sim.model.apps[3]!;
  const env = app.envs.find((e) => e.last_deploy)!;
  const envScope = { app: app.id, env: env.id };
  const appScope = { app: app.id };
  for (const kind of connector.planScope!(appScope).kinds) {
    const { items } = await walk(kind, appScope);
    for (const e of mapping.map(kind, items).entities) {
      if (kind === 'resourceGraph') continue; // global guresids: upserted, never deleted by the scope
      assert.ok(e.identifier === app.id || e.identifier.startsWith(`${app.id}/`), `${kind}: ${e.identifier}`);
    }
  }
  const { prefix, kinds } = { prefix: connector.planScope!(envScope).identifierPrefix!, kinds: connector.planScope!(envScope).kinds };
  const { items: workloads } = await walk('workload', envScope);
  assert.ok(workloads.length > 0);
  for (const kind of ['workload', 'resource', 'sharedValue']) {
    const { items } = await walk(kind, envScope);
    for (const e of mapping.map(kind, items).entities) assert.ok(e.identifier.startsWith(prefix), `${kind}: ${e.identifier}`);
  }
  const { items: envs } = await walk('environment', envScope);
  assert.deepEqual(mapping.map('environment', envs).entities.map((e) => e.identifier), [`${app.id}/${env.id}`]);
  await assert.rejects(connector.fetchPage('user', undefined, signal, envScope), /not part of a run scoped/);
  assert.ok(!kinds.includes('secretStore'));
});

test('every request the connector sent is valid against the Humanitec spec', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, { undocumentedStatuses: [429] });
  const requests = sim.exchanges.filter((x) => x.status !== 403);
  assert.ok(requests.length > 100);
  const violations = requests.flatMap((x) => validator.validate(x));
  assert.equal(violations.length, 0, formatViolations(violations.slice(0, 10)));
  // Pipelines are always asked 100 at a time.
  for (const x of sim.exchanges.filter((e) => e.path.endsWith('/pipelines'))) assert.equal(x.query.per_page, '100');
});

test('an app deleted during the run (still in the cached list) has no items: its 404 is checked, not guessed', async () => {
  await connector.fetchPage('environment', undefined, signal); // the app list is cached now
  const victim = sim.model.apps[0]!;
  const envCount = sim.model.apps.reduce((n, a) => n + a.envs.length, 0) - victim.envs.length;
  assert.ok(sim.deleteApp(victim.id));
  const { items } = await walk('environment');
  assert.equal(items.length, envCount);
  assert.ok(!(items as Array<{ app_id: string }>).some((e) => e.app_id === victim.id));
});

test("a run never takes another run's app list: an env created in between is walked", async () => {
  const walkIn = async (kind: string, run: string) => {
    const items: Array<{ app_id: string; env_id: string }> = [];
    let cursor: string | undefined;
    do {
      const page = await connector.fetchPage(kind, cursor, signal, undefined, run);
      items.push(...(page.items as typeof items));
      cursor = page.next;
    } while (cursor);
    return items;
  };
  await walkIn('workload', 'sync:humanitec@run-1'); // the app list is cached for run 1 now
  const app = sim.model.apps.at(-1)!;
  app.envs.push({ ...structuredClone(app.envs[0]!), id: 'newenv', name: 'newenv' });
  // A webhook refresh would now write newenv's workloads; the next run must produce them, or delete them.
  const next = await walkIn('workload', 'sync:humanitec@run-2');
  assert.ok(next.some((w) => w.app_id === app.id && w.env_id === 'newenv'), 'run 2 walks newenv');
});
