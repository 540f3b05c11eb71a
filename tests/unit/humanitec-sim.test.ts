// The Humanitec simulator over real HTTP: auth, every endpoint the connector reads answered from the
// generated model, Link pagination, query validation, never-deployed envs, users of every type, the
// test mutations (failEnv, deleteApp, deploy) and fault knobs; all traffic of this file checked
// against Humanitec's OpenAPI spec at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HumanitecSim } from '../../sim/humanitec/server';
import { generateOrg } from '../../sim/humanitec/generator';
import { envValues, storeType, type EnvModel, type OrgModel } from '../../sim/humanitec/model';
import { formatViolations, OpenApiValidator, skipReason, specPath, type HttpExchange } from '../helpers/openapi';

const SPEC = 'humanitec-openapi.json';
const TOKEN = 'test-token';
const sims: HumanitecSim[] = [];

interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

async function start(model: OrgModel): Promise<HumanitecSim> {
  const sim = new HumanitecSim({ model, token: TOKEN });
  sim.record = true;
  await sim.start();
  sims.push(sim);
  return sim;
}

async function call(sim: HumanitecSim, path: string, auth: string | false = TOKEN): Promise<Answer> {
  const url = path.startsWith('http') ? path : `${sim.url}/orgs/${sim.orgId}${path}`;
  const res = await fetch(url, { headers: auth === false ? {} : { authorization: `Bearer ${auth}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers };
}

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const deployedEnvs = (m: OrgModel) => m.apps.flatMap((app) => app.envs.filter((e) => e.last_deploy).map((env) => ({ app, env })));
const neverDeployed = (m: OrgModel) => m.apps.flatMap((app) => app.envs.filter((e) => !e.last_deploy).map((env) => ({ app, env })));

let model: OrgModel;
let sim: HumanitecSim;

before(async () => {
  model = generateOrg({ seed: 42, apps: 4, envsPerApp: 3, workloadsPerEnv: 3, resourcesPerWorkload: 2, sharedPerApp: 2, users: 12, groups: 4 });
  sim = await start(model);
});

after(() => Promise.all(sims.map((s) => s.stop())));

describe('auth and org', () => {
  test('401 without a token and with a wrong one, in Humanitec\'s error shape', async () => {
    for (const auth of [false, 'wrong-token'] as const) {
      const r = await call(sim, '/apps', auth);
      assert.equal(r.status, 401);
      const body = r.body as { error: string; message: string };
      assert.equal(typeof body.error, 'string');
      assert.equal(typeof body.message, 'string');
    }
    const raw = await fetch(`${sim.url}/orgs/${sim.orgId}/apps`, { headers: { authorization: TOKEN } });
    assert.equal(raw.status, 401, 'the Bearer scheme is required');
  });

  test('404 for an unknown org, app, env and graph', async () => {
    const app = model.apps[0]!;
    const { env } = deployedEnvs(model)[0]!;
    const other = await fetch(`${sim.url}/orgs/other-org/apps`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: string }).error, 'API-404');
    assert.equal((await call(sim, '/apps/no-such-app/envs')).status, 404);
    assert.equal((await call(sim, `/apps/${app.id}/envs/no-such-env/resources`)).status, 404);
    assert.equal((await call(sim, `/apps/${app.id}/envs/no-such-env/values`)).status, 404);
    const appOfEnv = deployedEnvs(model)[0]!.app;
    assert.equal((await call(sim, `/apps/${appOfEnv.id}/envs/${env.id}/resources/graphs/00000000-0000-0000-0000-000000000000`)).status, 404);
  });
});

describe('every endpoint answers the model', () => {
  test('apps and envs', async () => {
    const apps = (await call(sim, '/apps')).body as Array<Record<string, unknown>>;
    assert.deepEqual(apps.map((a) => a.id), model.apps.map((a) => a.id));
    for (const [i, app] of model.apps.entries()) {
      assert.equal(apps[i]!.org_id, model.orgId);
      assert.deepEqual(apps[i]!.envs, app.envs.map((e) => ({ id: e.id, name: e.name, type: e.type })));
      const envs = (await call(sim, `/apps/${app.id}/envs`)).body as Array<Record<string, unknown>>;
      assert.deepEqual(envs.map((e) => e.id), app.envs.map((e) => e.id));
      for (const [j, env] of app.envs.entries()) assert.deepEqual(envs[j]!.last_deploy, env.last_deploy && json(env.last_deploy));
    }
  });

  test('active resources and graphs: k8s-cluster/k8s-namespace only in resources; depends_on within the graph', async () => {
    for (const { app, env } of deployedEnvs(model)) {
      const resources = (await call(sim, `/apps/${app.id}/envs/${env.id}/resources`)).body as Array<{ res_id: string; type: string; gu_res_id: string }>;
      assert.deepEqual(resources, json(env.resources));
      assert.ok(resources.some((r) => r.type === 'k8s-cluster') && resources.some((r) => r.type === 'k8s-namespace'));
      assert.ok(resources.some((r) => r.type === 'workload' && /^modules\.[a-z0-9-]+$/.test(r.res_id)));
      assert.ok(resources.some((r) => /^modules\.[a-z0-9-]+\.externals\.[a-z0-9-]+$/.test(r.res_id)));
      assert.ok(resources.some((r) => r.res_id.startsWith('shared.')));
      const graphId = env.last_deploy!.dependency_graph_id!;
      const graph = (await call(sim, `/apps/${app.id}/envs/${env.id}/resources/graphs/${graphId}`)).body as { id: string; nodes: Array<{ id: string; type: string; guresid: string; depends_on: string[] }> };
      assert.equal(graph.id, graphId);
      assert.ok(!graph.nodes.some((n) => n.type === 'k8s-cluster' || n.type === 'k8s-namespace'));
      assert.equal(graph.nodes.length, resources.length - 2);
      const guresids = new Set(graph.nodes.map((n) => n.guresid));
      const seen = new Set<string>();
      for (const n of graph.nodes) {
        for (const d of n.depends_on) {
          assert.ok(guresids.has(d), `${n.id} depends on a node of its graph`);
          assert.ok(seen.has(d), `${n.id} comes after what it depends on (provisioning order)`);
        }
        seen.add(n.guresid);
      }
      assert.ok(graph.nodes.some((n) => n.depends_on.length > 0));
      const filtered = (await call(sim, `/apps/${app.id}/envs/${env.id}/resources?scheduled_deletion=true`)).body as unknown[];
      assert.deepEqual(filtered, []);
    }
  });

  test('secret stores: one of each type, exactly one primary', async () => {
    const stores = (await call(sim, '/secretstores')).body as OrgModel['secretStores'];
    assert.deepEqual(stores, json(model.secretStores));
    assert.deepEqual(stores.map(storeType).sort(), ['awssm', 'azurekv', 'gcpsm', 'humanitec', 'vault']);
    assert.equal(stores.filter((s) => s.primary).length, 1);
  });

  test('values: app level, env level with overrides (source app|env), secrets without a value', async () => {
    let sawOverride = false;
    for (const app of model.apps) {
      const values = (await call(sim, `/apps/${app.id}/values`)).body as Array<{ key: string; source: string; is_secret: boolean; value: string; secret_store_id: string | null }>;
      assert.deepEqual(values, json(app.values));
      assert.ok(values.every((v) => v.source === 'app'));
      for (const v of values.filter((x) => x.is_secret)) {
        assert.equal(v.value, '');
        assert.ok(model.secretStores.some((s) => s.id === v.secret_store_id));
      }
      for (const env of app.envs) {
        const merged = (await call(sim, `/apps/${app.id}/envs/${env.id}/values`)).body as Array<{ key: string; source: string }>;
        assert.deepEqual(merged, json(envValues(app, env)));
        assert.deepEqual(merged.filter((v) => v.source === 'env').map((v) => v.key).sort(), env.overrides.map((v) => v.key).sort());
        for (const key of app.values.map((v) => v.key)) assert.ok(merged.some((v) => v.key === key), `${key} in env values`);
        if (env.overrides.length > 0) sawOverride = true;
      }
    }
    assert.ok(sawOverride);
  });

  test('value set versions: app level, env level (the app\'s when the env has no overrides), key_changed', async () => {
    const sawBoth = { own: false, app: false };
    for (const app of model.apps) {
      const vsvs = (await call(sim, `/apps/${app.id}/value-set-versions`)).body as Array<{ id: string; change: Array<{ path: string }> }>;
      assert.deepEqual(vsvs, json(app.valueSetVersions));
      const key = app.values[0]!.key;
      const changed = (await call(sim, `/apps/${app.id}/value-set-versions?key_changed=${key}`)).body as typeof vsvs;
      assert.ok(changed.length >= 1 && changed.every((v) => v.change.some((c) => c.path === `/${key}`)));
      for (const env of app.envs) {
        const own = (await call(sim, `/apps/${app.id}/envs/${env.id}/value-set-versions`)).body;
        assert.deepEqual(own, json(env.valueSetVersions ?? app.valueSetVersions));
        if (env.valueSetVersions) sawBoth.own = true;
        else sawBoth.app = true;
      }
    }
    assert.deepEqual(sawBoth, { own: true, app: true });
  });

  test('sets and deltas (?archived=, ?env=)', async () => {
    let archivedSeen = 0;
    for (const app of model.apps) {
      assert.deepEqual((await call(sim, `/apps/${app.id}/sets`)).body, json(app.sets));
      const open = (await call(sim, `/apps/${app.id}/deltas`)).body as Array<{ metadata: { archived: boolean; env_id?: string } }>;
      assert.deepEqual(open, json(app.deltas.filter((d) => !d.metadata.archived)));
      assert.deepEqual((await call(sim, `/apps/${app.id}/deltas?archived=false`)).body, open);
      const archived = (await call(sim, `/apps/${app.id}/deltas?archived=true`)).body as typeof open;
      assert.ok(archived.every((d) => d.metadata.archived));
      archivedSeen += archived.length;
      const envId = app.envs[0]!.id;
      const forEnv = (await call(sim, `/apps/${app.id}/deltas?env=${envId}`)).body as typeof open;
      assert.deepEqual(forEnv, open.filter((d) => d.metadata.env_id === envId));
    }
    assert.ok(archivedSeen > 0, 'some deltas are archived');
    const app = model.apps[0]!.id;
    assert.equal((await call(sim, `/apps/${app}/deltas?archived=maybe`)).status, 400);
    assert.equal((await call(sim, `/apps/${app}/deltas?env=Not_An_Env`)).status, 400);
  });

  test('users: users, groups, service and system subjects; ?type=; members of every group', async () => {
    const all = (await call(sim, '/users')).body as Array<{ id: string; type: string }>;
    assert.deepEqual(all, json(model.subjects));
    assert.deepEqual([...new Set(all.map((s) => s.type))].sort(), ['group', 'service', 'system', 'user']);
    const groups = (await call(sim, '/users?type=group')).body as typeof all;
    assert.ok(groups.length > 0 && groups.every((s) => s.type === 'group'));
    const users = (await call(sim, '/users?type=user')).body as typeof all;
    assert.ok(users.every((s) => s.type !== 'group'));
    assert.equal(users.length + groups.length, all.length);
    assert.equal((await call(sim, '/users?type=robot')).status, 400);

    const memberships = new Map<string, number>();
    for (const g of groups) {
      const members = (await call(sim, `/groups/${g.id}/users`)).body as Array<{ id: string; type: string; created_at: string }>;
      assert.deepEqual(members.map((m) => m.id), model.groupMembers[g.id]);
      for (const m of members) memberships.set(m.id, (memberships.get(m.id) ?? 0) + 1);
    }
    for (const u of all.filter((s) => s.type === 'user')) assert.ok((memberships.get(u.id) ?? 0) >= 1, `user ${u.id} is in a group`);
    assert.ok([...memberships.values()].some((n) => n > 1), 'some users are in several groups');
    assert.equal((await call(sim, '/groups/g-nobody/users')).status, 404);
    assert.equal((await call(sim, '/groups/not-a-group-id/users')).status, 400);
  });
});

describe('pipelines', () => {
  let big: OrgModel;
  let psim: HumanitecSim;
  before(async () => {
    big = generateOrg({ seed: 7, apps: 4, envsPerApp: 2, workloadsPerEnv: 1, resourcesPerWorkload: 1, pipelinesPerApp: 30 });
    psim = await start(big);
  });

  async function walk(first: string): Promise<{ pages: Array<Array<{ app_id: string; id: string }>>; statuses: number[] }> {
    const pages: Array<Array<{ app_id: string; id: string }>> = [];
    const statuses: number[] = [];
    let next: string | undefined = first;
    while (next) {
      const r = await call(psim, next);
      statuses.push(r.status);
      pages.push(r.body as Array<{ app_id: string; id: string }>);
      const link = r.headers.get('link');
      next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
      if (link) assert.ok(next, `Link header ${link} has a next link`);
      assert.ok(pages.length < 50);
    }
    return { pages, statuses };
  }

  test('120 pipelines, per_page=50: three pages via Link, none missed or repeated', async () => {
    const { pages } = await walk('/pipelines?per_page=50');
    assert.deepEqual(pages.map((p) => p.length), [50, 50, 20]);
    const keys = pages.flat().map((p) => `${p.app_id}/${p.id}`);
    assert.equal(new Set(keys).size, 120);
    assert.deepEqual(new Set(keys), new Set(big.apps.flatMap((a) => a.pipelines.map((p) => `${a.id}/${p.id}`))));
  });

  test('default page size is 50; last page has no Link', async () => {
    const first = await call(psim, '/pipelines');
    assert.equal((first.body as unknown[]).length, 50);
    assert.match(first.headers.get('link') ?? '', /^<http:\/\/127\.0\.0\.1:\d+\/orgs\/sim-org\/pipelines\?.*page=.*>; rel="next"$/);
    const all = await call(psim, '/pipelines?per_page=100');
    assert.ok(all.headers.get('link'));
    const { pages } = await walk('/pipelines?per_page=100');
    assert.deepEqual(pages.map((p) => p.length), [100, 20]);
  });

  test('?app= filter and the per-app list page the same way', async () => {
    const [a, b] = big.apps;
    const { pages } = await walk(`/pipelines?per_page=7&app=${a!.id}&app=${b!.id}`);
    const got = pages.flat();
    assert.equal(got.length, 60);
    assert.ok(got.every((p) => p.app_id === a!.id || p.app_id === b!.id));
    const perApp = await walk(`/apps/${a!.id}/pipelines?per_page=10`);
    assert.deepEqual(perApp.pages.map((p) => p.length), [10, 10, 10]);
    assert.deepEqual(perApp.pages.flat(), json(a!.pipelines));
    assert.equal((await call(psim, '/apps/nope/pipelines')).status, 404);
  });

  test('trigger and metadata filters', async () => {
    const deploys = (await call(psim, '/pipelines?per_page=100&trigger=deployment_request')).body as Array<{ trigger_types: string[] }>;
    assert.ok(deploys.length > 0 && deploys.every((p) => p.trigger_types.includes('deployment_request')));
    const withMeta = big.apps.flatMap((x) => x.pipelines).find((p) => p.metadata)!;
    const [k, v] = Object.entries(withMeta.metadata!)[0]!;
    const byMeta = (await call(psim, `/pipelines?per_page=100&metadata[${k}]=${v}`)).body as Array<{ metadata?: Record<string, string> }>;
    assert.ok(byMeta.length > 0 && byMeta.every((p) => p.metadata?.[k] === v));
  });

  test('per_page out of range and foreign page tokens are 400', async () => {
    for (const q of ['per_page=0', 'per_page=101', 'per_page=abc', 'per_page=1.5', 'page=not-a-token']) {
      const r = await call(psim, `/pipelines?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(typeof (r.body as { message: string }).message, 'string');
    }
    assert.equal((await call(psim, `/apps/${big.apps[0]!.id}/pipelines?per_page=500`)).status, 400);
  });
});

describe('never-deployed envs', () => {
  test('last_deploy is absent (not null), no resources', async () => {
    const found = neverDeployed(model);
    assert.ok(found.length > 0);
    for (const { app, env } of found) {
      const r = await call(sim, `/apps/${app.id}/envs`);
      const listed = (r.body as Array<Record<string, unknown>>).find((e) => e.id === env.id)!;
      assert.equal('last_deploy' in listed, false);
      assert.ok(!r.text.includes('"last_deploy":null'));
      assert.deepEqual((await call(sim, `/apps/${app.id}/envs/${env.id}/resources`)).body, []);
    }
  });
});

describe('mutations', () => {
  let m: OrgModel;
  let msim: HumanitecSim;
  before(async () => {
    m = generateOrg({ seed: 9, apps: 3, envsPerApp: 3, workloadsPerEnv: 2, resourcesPerWorkload: 2 });
    msim = await start(m);
  });

  test('failEnv: that env answers the status (500, 403), the rest of the org does not; healEnv', async () => {
    const { app, env } = deployedEnvs(m)[0]!;
    const other = app.envs.find((e) => e.id !== env.id)!;
    const graphId = env.last_deploy!.dependency_graph_id!;
    for (const status of [500, 403]) {
      msim.failEnv(app.id, env.id, status);
      for (const path of ['resources', `resources/graphs/${graphId}`, 'values', 'value-set-versions']) {
        const r = await call(msim, `/apps/${app.id}/envs/${env.id}/${path}`);
        assert.equal(r.status, status, path);
        assert.equal(typeof (r.body as { message: string }).message, 'string');
      }
      assert.equal((await call(msim, `/apps/${app.id}/envs/${other.id}/resources`)).status, 200);
      assert.equal((await call(msim, `/apps/${app.id}/envs`)).status, 200);
    }
    msim.healEnv(app.id, env.id);
    assert.equal((await call(msim, `/apps/${app.id}/envs/${env.id}/resources`)).status, 200);
  });

  test('deleteApp: gone from the list, its endpoints 404, its pipelines gone', async () => {
    const app = m.apps[m.apps.length - 1]!;
    assert.ok(msim.deleteApp(app.id));
    assert.equal(msim.deleteApp(app.id), false);
    const apps = (await call(msim, '/apps')).body as Array<{ id: string }>;
    assert.ok(!apps.some((a) => a.id === app.id));
    assert.equal((await call(msim, `/apps/${app.id}/envs`)).status, 404);
    assert.equal((await call(msim, `/apps/${app.id}/values`)).status, 404);
    const sets = await call(msim, `/apps/${app.id}/sets`);
    assert.equal(sets.status, 404);
    assert.equal(typeof sets.body, 'string', 'the spec gives this 404 a string body');
    const pipelines = (await call(msim, '/pipelines?per_page=100')).body as Array<{ app_id: string }>;
    assert.ok(pipelines.length > 0 && !pipelines.some((p) => p.app_id === app.id));
  });

  test('deploy: only that env changes (new last_deploy, graph, a changed and an added resource)', async () => {
    const { app, env } = deployedEnvs(m)[0]!;
    const before = await snapshot(msim, m);
    const old = json(env.last_deploy!);
    const oldResources = (await call(msim, `/apps/${app.id}/envs/${env.id}/resources`)).body as Array<{ res_id: string; resource: unknown; updated_at: string }>;
    const result = msim.deploy(app.id, env.id, 'webhook test');
    const envs = (await call(msim, `/apps/${app.id}/envs`)).body as Array<{ id: string; last_deploy?: { id: string; from_id: string; dependency_graph_id: string; comment: string; created_at: string } }>;
    const ld = envs.find((e) => e.id === env.id)!.last_deploy!;
    assert.equal(ld.id, result.deployId);
    assert.equal(ld.from_id, old.id);
    assert.equal(ld.comment, 'webhook test');
    assert.ok(ld.created_at > old.created_at);
    assert.equal(ld.dependency_graph_id, result.graphId);
    assert.notEqual(result.graphId, old.dependency_graph_id);
    const resources = (await call(msim, `/apps/${app.id}/envs/${env.id}/resources`)).body as typeof oldResources;
    assert.equal(resources.length, oldResources.length + 1);
    assert.equal(result.changed.length, 1);
    assert.equal(result.added.length, 1);
    const changed = resources.find((r) => r.res_id === result.changed[0])!;
    assert.notDeepEqual(changed.resource, oldResources.find((r) => r.res_id === result.changed[0])!.resource);
    assert.match(result.added[0]!, /^modules\.[a-z0-9-]+\.externals\.cache-\d+$/);
    const graph = (await call(msim, `/apps/${app.id}/envs/${env.id}/resources/graphs/${result.graphId}`)).body as { nodes: Array<{ id: string }> };
    assert.ok(graph.nodes.some((n) => n.id === result.added[0]));
    assert.equal((await call(msim, `/apps/${app.id}/envs/${env.id}/resources/graphs/${old.dependency_graph_id}`)).status, 200, 'old graphs stay readable');
    const afterward = await snapshot(msim, m);
    for (const [key, value] of before) if (!key.startsWith(`${app.id}/${env.id}/`)) assert.deepEqual(afterward.get(key), value, key);
  });

  test('deploy of a never-deployed env gives it resources and a last_deploy', async () => {
    const target = neverDeployed(m)[0] ?? (() => { throw new Error('no never-deployed env'); })();
    const result = msim.deploy(target.app.id, target.env.id);
    const envs = (await call(msim, `/apps/${target.app.id}/envs`)).body as Array<{ id: string; last_deploy?: { from_id: string } }>;
    assert.equal(envs.find((e) => e.id === target.env.id)!.last_deploy!.from_id, '');
    const resources = (await call(msim, `/apps/${target.app.id}/envs/${target.env.id}/resources`)).body as unknown[];
    assert.equal(resources.length, result.added.length);
    assert.ok(resources.length > 0);
  });
});

/** Every env-level answer of the org, keyed "app/env/endpoint". */
async function snapshot(s: HumanitecSim, m: OrgModel): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const app of m.apps) {
    const envs = (await call(s, `/apps/${app.id}/envs`)).body as Array<{ id: string } & Partial<EnvModel>>;
    for (const e of envs) {
      out.set(`${app.id}/${e.id}/env`, e);
      out.set(`${app.id}/${e.id}/resources`, (await call(s, `/apps/${app.id}/envs/${e.id}/resources`)).body);
      out.set(`${app.id}/${e.id}/values`, (await call(s, `/apps/${app.id}/envs/${e.id}/values`)).body);
    }
  }
  return out;
}

describe('faults', () => {
  test('throttle (429 + Retry-After), reset, slow; latency from SimServer', async () => {
    const s = await start(generateOrg({ seed: 3, apps: 1, envsPerApp: 1, workloadsPerEnv: 1, resourcesPerWorkload: 1 }));
    s.faults.throttleRatio = 1;
    s.faults.throttleRetryAfterSeconds = 7;
    const t = await call(s, '/apps');
    assert.equal(t.status, 429);
    assert.equal(t.headers.get('retry-after'), '7');
    s.faults.throttleRatio = 0;
    s.faults.resetRatio = 1;
    await assert.rejects(call(s, '/apps'));
    s.faults.resetRatio = 0;
    s.faults.slowRatio = 1;
    s.faults.slowMs = 60;
    let t0 = Date.now();
    assert.equal((await call(s, '/apps')).status, 200);
    assert.ok(Date.now() - t0 >= 55);
    s.faults.slowRatio = 0;
    s.http.faults.latencyMs = 40;
    t0 = Date.now();
    assert.equal((await call(s, '/apps')).status, 200);
    assert.ok(Date.now() - t0 >= 35);
    s.http.faults.latencyMs = 0;
    assert.ok(s.http.count('/apps') >= 4);
  });
});

test('all traffic of this file is valid against humanitec-openapi.json', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, { undocumentedStatuses: [400, 401, 403, 404, 429, 500] });
  const exchanges: HttpExchange[] = sims.flatMap((s) => s.exchanges);
  assert.ok(exchanges.length > 100, `recorded ${exchanges.length} exchanges`);
  const statuses = new Set(exchanges.map((x) => x.status));
  for (const s of [200, 400, 401, 403, 404, 429, 500]) assert.ok(statuses.has(s), `traffic includes a ${s}`);
  // A 400 answers a request the spec itself calls invalid (except a page token, which is opaque):
  // its request must have violations and its response must not.
  const violations = exchanges.flatMap((x) => {
    if (x.status !== 400) return validator.validate(x);
    const request = validator.validateRequest(x.method, x.path, x.query, x.requestBody);
    const tokenOnly = typeof x.query === 'object' && x.query !== null && 'page' in x.query;
    assert.ok(request.length > 0 || tokenOnly, `the spec agrees ${x.path}?${new URLSearchParams(x.query as Record<string, string>)} is invalid`);
    return validator.validateResponse(x.method, x.path, x.status, x.responseBody);
  });
  assert.equal(violations.length, 0, formatViolations(violations));
});
