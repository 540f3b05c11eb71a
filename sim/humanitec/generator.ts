// A seeded generator of realistic Humanitec orgs of any size: apps with envs (some never deployed),
// workloads with externals and shared resources, dependency graphs, values with env overrides and
// secrets, value set versions, sets, deltas (archived ones too), pipelines, secret stores of every
// type and users in groups beside service and system subjects. The same options and seed give the
// same org, byte for byte.
import { Rng } from './rng';
import { buildGraph, EXTERNAL_TYPES, iso, materializeEnv, newDeltaFor, newSetFor, SHARED_KINDS, sha1 } from './build';
import type { AppModel, Deployment, EnvModel, OrgModel, Pipeline, SecretStore, SecretStoreType, Subject, Value, ValueSetVersion, WorkloadSpec } from './model';

export interface GenerateOptions {
  seed: number;
  /** Default 'sim-org'. */
  orgId?: string;
  apps: number;
  envsPerApp: number;
  /** Workloads of each app, deployed to every deployed env of it. */
  workloadsPerEnv: number;
  /** Externals (`modules.{w}.externals.{name}`) per workload. */
  resourcesPerWorkload: number;
  /** App-scoped shared resources (`shared.{name}`); default 1 (at most 4). */
  sharedPerApp?: number;
  /** Default 3. */
  pipelinesPerApp?: number;
  /** Default 6; `archivedDeltaRatio` (default 0.3) of them archived. */
  deltasPerApp?: number;
  archivedDeltaRatio?: number;
  /** Default envsPerApp + 2. */
  setsPerApp?: number;
  /** App-level values; default 6, `secretValueRatio` (default 0.3) of them secrets. */
  valuesPerApp?: number;
  secretValueRatio?: number;
  /** Overridden keys per env (default 2; some envs get none, some an extra env-only key). */
  overridesPerEnv?: number;
  /** Share of envs never deployed (no last_deploy, no resources); default 0.1. At least one when the org has two or more envs. */
  neverDeployedRatio?: number;
  /** Default max(8, round(apps × 1.5)). */
  users?: number;
  /** Default max(3, round(apps / 8)). */
  groups?: number;
  /** Default 3. */
  serviceUsers?: number;
}

const DAY = 86_400_000;
/** Generated history runs from BASE to END; END is the model's clock. */
const BASE = Date.UTC(2024, 0, 1);
const END = Date.UTC(2025, 5, 1);

const WORDS_A = ['payments', 'checkout', 'search', 'billing', 'catalog', 'identity', 'orders', 'shipping', 'inventory', 'reviews', 'pricing', 'loyalty', 'notify', 'media', 'reports', 'ledger', 'onboarding', 'support', 'gateway', 'analytics'];
const WORDS_B = ['api', 'service', 'portal', 'platform', 'engine', 'hub', 'core', 'web', 'backend', 'suite'];
const ENV_IDS: Array<[string, string]> = [['development', 'development'], ['staging', 'staging'], ['production', 'production'], ['qa', 'development'], ['perf', 'staging'], ['sandbox', 'development'], ['demo', 'staging'], ['uat', 'staging']];
const WORKLOADS = ['api', 'worker', 'frontend', 'scheduler', 'consumer', 'gateway', 'admin', 'cron', 'indexer', 'webhooks'];
const VALUE_KEYS: Array<[string, boolean]> = [['LOG_LEVEL', false], ['API_BASE_URL', false], ['FEATURE_FLAGS', false], ['TIMEOUT_MS', false], ['DB_PASSWORD', true], ['JWT_SECRET', true], ['MAX_CONNECTIONS', false], ['SENTRY_DSN', true], ['STRIPE_KEY', true], ['CACHE_TTL', false], ['SMTP_PASSWORD', true], ['REGION', false]];
const PIPELINES = ['deploy', 'promote', 'preview', 'rollback', 'nightly', 'release', 'smoke-test', 'hotfix'];
const FIRST = ['ada', 'grace', 'alan', 'linus', 'margaret', 'dennis', 'barbara', 'ken', 'radia', 'edsger', 'frances', 'john', 'sophie', 'tim', 'hedy', 'donald'];
const LAST = ['lovelace', 'hopper', 'turing', 'torvalds', 'hamilton', 'ritchie', 'liskov', 'thompson', 'perlman', 'dijkstra', 'allen', 'backus', 'wilson', 'berners', 'lamarr', 'knuth'];
const TEAMS = ['platform', 'payments', 'growth', 'data', 'security', 'sre', 'frontend', 'mobile', 'search', 'infra', 'identity', 'billing'];
const ROLES = ['member', 'member', 'member', 'manager', 'administrator'];
const title = (s: string) => s.split(/[-_.\s]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');

export function generateOrg(options: GenerateOptions): OrgModel {
  const o = {
    orgId: 'sim-org',
    sharedPerApp: 1,
    pipelinesPerApp: 3,
    deltasPerApp: 6,
    archivedDeltaRatio: 0.3,
    setsPerApp: options.envsPerApp + 2,
    valuesPerApp: 6,
    secretValueRatio: 0.3,
    overridesPerEnv: 2,
    neverDeployedRatio: 0.1,
    users: Math.max(8, Math.round(options.apps * 1.5)),
    groups: Math.max(3, Math.round(options.apps / 8)),
    serviceUsers: 3,
    ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as GenerateOptions),
  };
  const rng = new Rng(o.seed);
  const model: OrgModel = {
    orgId: o.orgId, seed: o.seed, params: { ...o }, clock: END, version: 0, deploys: 0,
    apps: [], secretStores: [], subjects: [], groupMembers: {},
  };
  const at = (from: number, to = END) => from + Math.floor(rng.next() * (to - from));

  // Subjects first: everything else is created by someone.
  const userIds: string[] = [];
  const emails = new Set<string>();
  for (let i = 0; i < o.users; i++) {
    const first = rng.pick(FIRST), last = rng.pick(LAST);
    let email = `${first}.${last}@example.com`;
    for (let n = 2; emails.has(email); n++) email = `${first}.${last}${n}@example.com`;
    emails.add(email);
    const u: Subject = { id: rng.uuid(), name: `${title(first)} ${title(last)}`, created_at: iso(at(BASE - 365 * DAY, BASE)), type: 'user', role: rng.pick(ROLES), email };
    if (rng.chance(0.1)) u.invite = 'pending';
    model.subjects.push(u);
    userIds.push(u.id);
  }
  const serviceIds: string[] = [];
  for (let i = 0; i < o.serviceUsers; i++) {
    const s: Subject = { id: rng.uuid(), name: ['ci-deployer', 'port-sync', 'terraform', 'backstage', 'argo'][i % 5]! + (i >= 5 ? `-${i}` : ''), created_at: iso(at(BASE - 200 * DAY, BASE)), type: 'service', role: i === 0 ? 'manager' : 'member' };
    model.subjects.push(s);
    serviceIds.push(s.id);
  }
  model.subjects.push({ id: 's-humanitec-system', name: 'Humanitec System', created_at: iso(BASE - 400 * DAY), type: 'system', role: 'administrator' });
  const groupIds: string[] = [];
  for (let i = 0; i < o.groups; i++) {
    const team = TEAMS[i % TEAMS.length]! + (i >= TEAMS.length ? `-${Math.floor(i / TEAMS.length) + 1}` : '');
    const g: Subject = { id: `g-${team}`, name: `${title(team)} Team`, created_at: iso(at(BASE - 300 * DAY, BASE)), type: 'group', role: rng.pick(['member', 'manager']) };
    if (rng.chance(0.7)) g.idp_id = `00g${rng.hex(17)}`;
    model.subjects.push(g);
    groupIds.push(g.id);
    model.groupMembers[g.id] = [];
  }
  if (groupIds.length > 0) {
    for (const id of userIds) for (const g of rng.sample(groupIds, rng.int(1, Math.min(3, groupIds.length)))) model.groupMembers[g]!.push(id);
    for (const id of serviceIds) if (rng.chance(0.5)) model.groupMembers[rng.pick(groupIds)]!.push(id);
  }
  const people = [...userIds, ...serviceIds];

  // Secret stores: one of each type, exactly one primary.
  const storeDefs: Array<[string, SecretStoreType, NonNullable<SecretStore[SecretStoreType]>]> = [
    ['aws-secrets', 'awssm', { region: 'eu-central-1', endpoint: 'https://secretsmanager.eu-central-1.amazonaws.com' }],
    ['azure-keyvault', 'azurekv', { tenant_id: rng.uuid(), url: 'https://platform-kv.vault.azure.net' }],
    ['gcp-secrets', 'gcpsm', { project_id: 'platform-prod' }],
    ['humanitec', 'humanitec', {}],
    ['vault-prod', 'vault', { url: 'https://vault.example.com:8200', path: 'secret/humanitec', agent_id: `agent-${rng.hex(6)}` }],
  ];
  const primary = rng.int(0, storeDefs.length - 1);
  storeDefs.forEach(([id, type, config], i) => {
    const created = at(BASE - 300 * DAY, BASE);
    model.secretStores.push({
      id, primary: i === primary, created_at: iso(created), created_by: rng.pick(people), updated_at: iso(at(created, END)), updated_by: rng.pick(people), [type]: config,
    } as SecretStore);
  });
  const storeIds = model.secretStores.map((s) => s.id);
  const primaryStore = storeIds[primary]!;

  const appIds = new Set<string>();
  const undeployed: EnvModel[] = [];
  let envCount = 0;
  for (let a = 0; a < o.apps; a++) {
    let id = `${rng.pick(WORDS_A)}-${rng.pick(WORDS_B)}`;
    for (let n = 2; appIds.has(id); n++) id = `${id.replace(/-\d+$/, '')}-${n}`;
    appIds.add(id);
    const created = at(BASE, BASE + 200 * DAY);
    const app: AppModel = {
      id, name: title(id), created_at: iso(created), created_by: rng.pick(people), status: 'active', status_changed_at: iso(created),
      envs: [], workloads: [], shared: rng.sample(SHARED_KINDS, Math.min(o.sharedPerApp, SHARED_KINDS.length)),
      values: [], valueSetVersions: [], sets: [], deltas: [], pipelines: [],
    };
    for (let w = 0; w < o.workloadsPerEnv; w++) {
      const name = WORKLOADS[w % WORKLOADS.length]! + (w >= WORKLOADS.length ? `-${Math.floor(w / WORKLOADS.length) + 1}` : '');
      const externals: WorkloadSpec['externals'] = [];
      const offset = rng.int(0, EXTERNAL_TYPES.length - 1);
      for (let x = 0; x < o.resourcesPerWorkload; x++) {
        const type = EXTERNAL_TYPES[(offset + x) % EXTERNAL_TYPES.length]!;
        const base = { postgres: 'db', redis: 'cache', s3: 'bucket', dns: 'dns', mysql: 'mysql', amqp: 'queue', mongodb: 'docs', gcs: 'storage', volume: 'data' }[type] ?? type;
        externals.push({ name: x >= EXTERNAL_TYPES.length ? `${base}-${Math.floor(x / EXTERNAL_TYPES.length) + 1}` : base, type });
      }
      app.workloads.push({ name, externals, uses: app.shared.filter(() => rng.chance(0.5)).map((s) => s.name) });
    }

    // Values, and a value set version for each change (newest first).
    const valueTimes = created + DAY;
    const snapshot: Record<string, Value> = {};
    const vsvs: ValueSetVersion[] = [];
    const pushVsv = (change: ValueSetVersion['change'], resultOf: string, t: number, comment: string) => {
      vsvs.unshift({ id: rng.uuid(), values: { ...snapshot }, change, created_at: iso(t), created_by: rng.pick(people), updated_at: iso(t), result_of: resultOf, comment, source_value_set_version_id: null });
    };
    for (let v = 0; v < o.valuesPerApp; v++) {
      const [baseKey, secretish] = VALUE_KEYS[v % VALUE_KEYS.length]!;
      const key = v >= VALUE_KEYS.length ? `${baseKey}_${Math.floor(v / VALUE_KEYS.length) + 1}` : baseKey;
      const secret = secretish ? rng.chance(Math.min(1, o.secretValueRatio * 2)) : rng.chance(o.secretValueRatio / 3);
      const t = valueTimes + v * 3_600_000;
      const value = makeValue(rng, o.orgId, id, key, secret, 'app', t, secret ? (rng.chance(0.6) ? primaryStore : rng.pick(storeIds)) : null);
      app.values.push(value);
      snapshot[key] = value;
      pushVsv([{ op: 'add', path: `/${key}`, value: secret ? '' : value.value }], 'app_value_create', t, `Added ${key}`);
    }
    for (let u = 0; u < 2 && app.values.length > 0; u++) {
      const i = rng.int(0, app.values.length - 1);
      const t = valueTimes + (o.valuesPerApp + u + 1) * 3_600_000;
      const old = app.values[i]!;
      const value = { ...old, value: old.is_secret ? '' : `${old.value}-v${u + 2}`, updated_at: iso(t), ...(old.is_secret ? { secret_version: String(u + 2) } : {}) };
      app.values[i] = value;
      snapshot[value.key] = value;
      pushVsv([{ op: 'replace', path: `/${value.key}`, value: value.value }], 'app_value_update', t, `Updated ${value.key}`);
    }
    app.valueSetVersions = vsvs;

    // Sets and deltas.
    for (let s = 0; s < o.setsPerApp; s++) app.sets.push(newSetFor(app, `1.${s}.${rng.int(0, 20)}`, rng));

    // Envs.
    const envCountHere = o.envsPerApp;
    for (let e = 0; e < envCountHere; e++) {
      const [envId, envType] = e < ENV_IDS.length ? ENV_IDS[e]! : [`preview-${e - ENV_IDS.length + 1}`, 'development'];
      const envCreated = created + (e + 1) * DAY;
      const env: EnvModel = {
        id: envId, name: title(envId), type: envType, created_at: iso(envCreated), created_by: rng.pick(people), status: 'active', status_changed_at: iso(envCreated),
        resources: [], dependsOn: {}, graphs: {}, overrides: [],
      };
      app.envs.push(env);
      envCount++;
      // Overrides (and the env's own value set versions when it has any).
      const overrideCount = rng.chance(0.25) ? 0 : Math.min(o.overridesPerEnv, app.values.length);
      const envSnapshot: Record<string, Value> = { ...snapshot };
      const envVsvs: ValueSetVersion[] = [];
      const t0 = valueTimes + (o.valuesPerApp + 4 + e) * 3_600_000;
      const overridden = rng.sample(app.values, overrideCount).map((base, k) => {
        const t = t0 + k * 60_000;
        const v: Value = base.is_secret
          ? { ...base, source: 'env', created_at: iso(t), updated_at: iso(t), secret_key: `orgs/${o.orgId}/apps/${id}/envs/${envId}/secret_values/${rng.uuid()}/.value`, secret_version: '1' }
          : { ...base, source: 'env', value: `${base.value}-${envId}`, created_at: iso(t), updated_at: iso(t) };
        return v;
      });
      if (overrideCount > 0 && rng.chance(0.3)) {
        const t = t0 + overrideCount * 60_000;
        overridden.push(makeValue(rng, o.orgId, id, `${envId.toUpperCase().replace(/-/g, '_')}_ONLY`, false, 'env', t, null));
      }
      overridden.forEach((v, k) => {
        envSnapshot[v.key] = v;
        envVsvs.unshift({
          id: rng.uuid(), values: { ...envSnapshot }, change: [{ op: k < overrideCount ? 'replace' : 'add', path: `/${v.key}`, value: v.value }],
          created_at: v.created_at, created_by: rng.pick(people), updated_at: v.updated_at, result_of: 'env_value_create',
          comment: `Override ${v.key} in ${envId}`, source_value_set_version_id: k === 0 ? (vsvs[0]?.id ?? null) : null,
        });
      });
      env.overrides = overridden;
      if (envVsvs.length > 0) env.valueSetVersions = envVsvs;

      if (rng.chance(o.neverDeployedRatio)) {
        undeployed.push(env);
        continue;
      }
      const deployAt = at(END - 60 * DAY, END - DAY);
      const deployId = rng.hex(16);
      materializeEnv({ orgId: o.orgId, appId: id, env, at: iso(deployAt), deployId, imageTag: `1.${rng.int(0, 40)}.${rng.int(0, 9)}` }, app, rng);
      // Some resources were provisioned by earlier deploys.
      for (const r of env.resources) if (rng.chance(0.3)) { r.deploy_id = rng.hex(16); r.updated_at = iso(deployAt - rng.int(1, 30) * DAY); }
      const graph = buildGraph(o.orgId, id, env, iso(deployAt), rng);
      env.graphs[graph.id] = graph;
      const who = rng.pick(people);
      const status: Deployment['status'] = rng.chance(0.06) ? 'failed' : 'succeeded';
      env.last_deploy = {
        id: deployId, env_id: envId, set_id: rng.pick(app.sets).id, delta_id: '', from_id: rng.chance(0.9) ? rng.hex(16) : '',
        comment: rng.pick(['Release', 'Hotfix', 'Promote from staging', 'Bump dependencies', 'Config change', '']),
        created_at: iso(deployAt), created_by: who, status, status_changed_at: iso(deployAt + rng.int(30, 600) * 1000),
        dependency_graph_id: graph.id, value_set_version_id: (env.valueSetVersions ?? vsvs)[0]?.id ?? null,
        export_status: status === 'failed' ? 'failed' : 'succeeded', export_file: `${sha1(deployId)}.json`,
      };
    }

    for (let d = 0; d < o.deltasPerApp; d++) {
      const envId = app.envs.length > 0 && rng.chance(0.9) ? rng.pick(app.envs).id : undefined;
      const t = at(created + DAY, END);
      app.deltas.push(newDeltaFor(app, envId, rng.pick(people), iso(t), rng, { archived: rng.chance(o.archivedDeltaRatio), name: rng.chance(0.8) ? `${rng.pick(['Bump', 'Fix', 'Add', 'Tune'])} ${rng.pick(app.workloads.map((w) => w.name).concat('config'))}` : undefined }));
    }
    for (const env of app.envs) if (env.last_deploy) env.last_deploy.delta_id = app.deltas.length > 0 ? rng.pick(app.deltas).id : rng.hex(40);

    // Pipelines, ordered by id within the app.
    const pipelineIds = new Set<string>();
    for (let p = 0; p < o.pipelinesPerApp; p++) {
      const base = PIPELINES[p % PIPELINES.length]!;
      const pid = p >= PIPELINES.length ? `${base}-${Math.floor(p / PIPELINES.length) + 1}` : base;
      pipelineIds.add(pid);
      const pipeline: Pipeline = {
        id: pid, etag: rng.hex(32), org_id: o.orgId, app_id: id, name: title(pid), status: 'active', version: rng.uuid(),
        created_at: iso(at(created, END)), trigger_types: base === 'deploy' || base === 'promote' ? ['deployment_request'] : ['pipeline_call'],
      };
      if (rng.chance(0.5)) pipeline.metadata = { team: rng.pick(TEAMS), source: rng.pick(['github', 'gitlab']) };
      app.pipelines.push(pipeline);
    }
    app.pipelines.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    model.apps.push(app);
  }
  // Tests rely on at least one never-deployed env when there is more than one env.
  if (undeployed.length === 0 && envCount >= 2) {
    const app = model.apps[model.apps.length - 1]!;
    const env = app.envs[app.envs.length - 1] ?? model.apps.flatMap((a) => a.envs).at(-1)!;
    env.last_deploy = undefined;
    delete env.last_deploy;
    env.resources = [];
    env.dependsOn = {};
    env.graphs = {};
  }
  return model;
}

function makeValue(rng: Rng, orgId: string, appId: string, key: string, secret: boolean, source: 'app' | 'env', t: number, store: string | null): Value {
  const plain: Record<string, () => string> = {
    LOG_LEVEL: () => rng.pick(['info', 'debug', 'warn']),
    API_BASE_URL: () => `https://${appId}.api.example.com`,
    TIMEOUT_MS: () => String(rng.pick([1000, 5000, 30000])),
    MAX_CONNECTIONS: () => String(rng.int(5, 100)),
    REGION: () => rng.pick(['eu-central-1', 'us-east-1']),
  };
  return {
    key,
    value: secret ? '' : (plain[key.replace(/_\d+$/, '')]?.() ?? `${key.toLowerCase()}-${rng.hex(6)}`),
    is_secret: secret,
    description: secret ? `Secret ${key} of ${appId}` : rng.chance(0.3) ? '' : `${title(key.toLowerCase())} for ${appId}`,
    created_at: iso(t),
    updated_at: iso(t),
    source,
    secret_key: secret ? `orgs/${orgId}/apps/${appId}/secret_values/${rng.uuid()}/.value` : null,
    secret_version: secret ? '1' : null,
    secret_store_id: secret ? store : null,
  };
}

// --- sizes -------------------------------------------------------------------------------------------

export interface EntityCounts {
  humanitecApplication: number;
  humanitecEnvironment: number;
  humanitecWorkload: number;
  humanitecResourceGraph: number;
  humanitecResource: number;
  humanitecSecretStore: number;
  humanitecSharedValue: number;
  humanitecValueSetVersion: number;
  humanitecDeploymentSet: number;
  humanitecPipeline: number;
  humanitecDeploymentDelta: number;
  humanitecUser: number;
  humanitecGroup: number;
  total: number;
}

/**
 * Port entities the org maps to with the default mapping, per blueprint (the reference's identifiers):
 * graph nodes are unique guresids over the envs' current graphs (shared ones count once), shared values
 * are app values plus each env's merged values, value set versions are the app-level ones, deltas
 * include archived ones, users are subjects of type user (service and system are not mapped).
 */
export function countEntities(model: OrgModel): EntityCounts {
  const c: EntityCounts = {
    humanitecApplication: model.apps.length, humanitecEnvironment: 0, humanitecWorkload: 0, humanitecResourceGraph: 0, humanitecResource: 0,
    humanitecSecretStore: model.secretStores.length, humanitecSharedValue: 0, humanitecValueSetVersion: 0, humanitecDeploymentSet: 0,
    humanitecPipeline: 0, humanitecDeploymentDelta: 0,
    humanitecUser: model.subjects.filter((s) => s.type === 'user').length,
    humanitecGroup: model.subjects.filter((s) => s.type === 'group').length,
    total: 0,
  };
  const guresids = new Set<string>();
  for (const app of model.apps) {
    c.humanitecEnvironment += app.envs.length;
    c.humanitecSharedValue += app.values.length;
    c.humanitecValueSetVersion += app.valueSetVersions.length;
    c.humanitecDeploymentSet += app.sets.length;
    c.humanitecPipeline += app.pipelines.length;
    c.humanitecDeploymentDelta += app.deltas.length;
    const appKeys = new Set(app.values.map((v) => v.key));
    for (const env of app.envs) {
      c.humanitecSharedValue += app.values.length + env.overrides.filter((v) => !appKeys.has(v.key)).length;
      for (const r of env.resources) {
        c.humanitecResource += 1;
        if (r.type === 'workload' && r.res_id.startsWith('modules.')) c.humanitecWorkload += 1;
      }
      const graph = env.last_deploy?.dependency_graph_id ? env.graphs[env.last_deploy.dependency_graph_id] : undefined;
      for (const n of graph?.nodes ?? []) guresids.add(n.guresid);
    }
  }
  c.humanitecResourceGraph = guresids.size;
  c.total = Object.entries(c).reduce((sum, [k, v]) => (k === 'total' ? sum : sum + v), 0);
  return c;
}

/** The shape orgOfSize uses (a typical mid-sized platform team's app). */
const SIZED_SHAPE = { envsPerApp: 3, workloadsPerEnv: 4, resourcesPerWorkload: 2 } as const;

/**
 * An org of about `targetEntities` Port entities (countEntities().total): apps of a fixed typical
 * shape (3 envs, 4 workloads with 2 externals each, ...), the number of apps solved from a sample
 * and corrected once. Deterministic for a seed.
 */
export function orgOfSize(targetEntities: number, seed = 1, overrides: Partial<GenerateOptions> = {}): OrgModel {
  const shape = { ...SIZED_SHAPE, ...overrides, seed };
  const sampleApps = 16;
  const sample = countEntities(generateOrg({ ...shape, apps: sampleApps, users: 0, groups: 0 }));
  // Users and groups scale with apps (defaults: 1.5 and 1/8 per app).
  const perApp = (sample.total - sample.humanitecSecretStore) / sampleApps + 1.5 + 1 / 8;
  let apps = Math.max(1, Math.round((targetEntities - 5) / perApp));
  let best: { model: OrgModel; off: number } | undefined;
  const tried = new Set<number>();
  // Correct from the first result; keep whichever of at most three tries lands closest.
  for (let i = 0; i < 3 && !tried.has(apps); i++) {
    tried.add(apps);
    const model = generateOrg({ ...shape, apps });
    const total = countEntities(model).total;
    const off = Math.abs(total - targetEntities);
    if (!best || off < best.off) best = { model, off };
    if (off / targetEntities <= 0.03) break;
    apps = Math.max(1, Math.round(apps * (targetEntities / total)));
    if (tried.has(apps)) apps = total > targetEntities ? apps - 1 : apps + 1;
    if (apps < 1) break;
  }
  const model = best!.model;
  return model;
}
