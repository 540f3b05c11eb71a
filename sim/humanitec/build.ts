// Builders shared by the generator and the mutations: active resources of an env from its app's
// workloads, the dependency graph over them, deployment sets and deltas, ids and timestamps.
import { createHash } from 'node:crypto';
import type { Rng } from './rng';
import type { ActiveResource, AppModel, Delta, DependencyGraph, DeploymentSet, EnvModel, GraphNode, Module } from './model';

export const iso = (ms: number) => new Date(ms).toISOString();
export const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
export const sha256url = (s: string) => createHash('sha256').update(s).digest('base64url');
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** A uuid-shaped id derived from a string (stable definition version ids and the like). */
export function uuidOf(s: string): string {
  const h = sha1(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface ResourceContext {
  orgId: string;
  appId: string;
  env: EnvModel;
  at: string;
  deployId: string;
  imageTag: string;
}

/** Resource types the graph leaves out (the spec: "excludes k8s-cluster, k8s-namespace"). */
export const NOT_IN_GRAPH = new Set(['k8s-cluster', 'k8s-namespace']);

interface Kind {
  type: string;
  /** The name a workload's external of this type usually has. */
  name: string;
  defId: string;
  driverType: string;
  account?: string;
  outputs: (ctx: ResourceContext, resId: string, rng: Rng) => Record<string, unknown>;
  secrets?: string[];
}

const host = (ctx: ResourceContext, name: string) => `${name}.${ctx.appId}-${ctx.env.id}.internal`;

const KINDS: Kind[] = [
  { type: 'postgres', name: 'db', defId: 'postgres-cloudsql', driverType: 'humanitec/postgres-cloudsql', account: 'gcp-platform', secrets: ['password'],
    outputs: (ctx, resId, rng) => ({ host: host(ctx, 'pg'), port: 5432, name: `${resId.split('.').pop()}_${rng.hex(6)}`, username: `u_${rng.hex(8)}` }) },
  { type: 'redis', name: 'cache', defId: 'redis-memorystore', driverType: 'humanitec/terraform', account: 'gcp-platform', secrets: ['password'],
    outputs: (ctx) => ({ host: host(ctx, 'redis'), port: 6379 }) },
  { type: 's3', name: 'bucket', defId: 's3-bucket', driverType: 'humanitec/s3', account: 'aws-platform',
    outputs: (ctx, _resId, rng) => ({ bucket: `${ctx.appId}-${ctx.env.id}-${rng.hex(8)}`, region: 'eu-central-1' }) },
  { type: 'dns', name: 'dns', defId: 'dns-wildcard', driverType: 'humanitec/dns-wildcard',
    outputs: (ctx, _resId, rng) => ({ host: `${ctx.appId}-${ctx.env.id}-${rng.hex(4)}.apps.example.com` }) },
  { type: 'mysql', name: 'mysql', defId: 'mysql-rds', driverType: 'humanitec/terraform', account: 'aws-platform', secrets: ['password'],
    outputs: (ctx, _resId, rng) => ({ host: host(ctx, 'mysql'), port: 3306, name: `db_${rng.hex(6)}` }) },
  { type: 'amqp', name: 'queue', defId: 'rabbitmq-vhost', driverType: 'humanitec/template', secrets: ['password'],
    outputs: (ctx) => ({ host: host(ctx, 'rabbitmq'), port: 5672, vhost: `${ctx.appId}-${ctx.env.id}` }) },
  { type: 'mongodb', name: 'docs', defId: 'mongodb-atlas', driverType: 'humanitec/terraform', account: 'atlas', secrets: ['connection_string'],
    outputs: (_ctx, _resId, rng) => ({ cluster: `cluster-${rng.hex(5)}`, database: `db_${rng.hex(6)}` }) },
  { type: 'gcs', name: 'storage', defId: 'gcs-bucket', driverType: 'humanitec/gcs', account: 'gcp-platform',
    outputs: (ctx, _resId, rng) => ({ name: `${ctx.appId}-${ctx.env.id}-${rng.hex(8)}` }) },
  { type: 'volume', name: 'data', defId: 'volume-pvc', driverType: 'humanitec/volume-pvc',
    outputs: (_ctx, _resId, rng) => ({ size: `${rng.pick([1, 5, 10, 50])}Gi`, storageClass: 'standard-rwo' }) },
];

/** Types for externals, in the order the generator deals them out. */
export const EXTERNAL_TYPES = KINDS.map((k) => k.type);

/** App-scoped shared resources the generator picks from (`shared.{name}`). */
export const SHARED_KINDS: Array<{ name: string; type: string }> = [
  { name: 'dns', type: 'dns' },
  { name: 'queue', type: 'amqp' },
  { name: 'assets', type: 's3' },
  { name: 'cache', type: 'redis' },
];

export function externalKind(type: string) {
  const kind = KINDS.find((k) => k.type === type) ?? KINDS[0]!;
  return {
    kind,
    active(ctx: ResourceContext, resId: string, _name: string, rng: Rng): ActiveResource {
      return activeResource(ctx, {
        resId, type: kind.type, defId: kind.defId, driverType: kind.driverType, account: kind.account,
        guresid: sha1(`${ctx.orgId}|${ctx.appId}|${ctx.env.id}|${kind.type}|default|${resId}`),
        resource: kind.outputs(ctx, resId, rng),
        secretRefs: Object.fromEntries((kind.secrets ?? []).map((s) => [s, { ref: `orgs/${ctx.orgId}/resources/${sha1(resId + s).slice(0, 12)}/${s}`, store: 'humanitec', version: '1' }])),
        criteria: true,
      });
    },
  };
}

function activeResource(
  ctx: ResourceContext,
  r: { resId: string; type: string; defId: string; driverType: string; account?: string; guresid: string; resource: Record<string, unknown>; secretRefs?: Record<string, unknown>; criteria?: boolean },
): ActiveResource {
  const version = uuidOf(`${ctx.orgId}/${r.defId}`);
  return {
    org_id: ctx.orgId,
    app_id: ctx.appId,
    env_id: ctx.env.id,
    env_type: ctx.env.type,
    res_id: r.resId,
    gu_res_id: r.guresid,
    def_id: r.defId,
    def_version_id: version,
    target_def_version_id: version,
    ...(r.criteria ? { criteria_id: sha1(`${r.defId}|criteria`).slice(0, 16) } : {}),
    type: r.type,
    class: 'default',
    driver_type: r.driverType,
    ...(r.account ? { driver_account: r.account } : {}),
    status: 'active',
    resource: r.resource,
    secret_refs: r.secretRefs ?? {},
    updated_at: ctx.at,
    deploy_id: ctx.deployId,
    scheduled_deletion: false,
  };
}

/**
 * Fills a (never deployed) env with the active resources of its app's workloads: the cluster and
 * namespace (not in graphs), the app's shared resources, a shared postgres instance when a workload
 * has a postgres (its guresid is the same in every env of this env type across the org: one shared
 * resource definition), each workload (`modules.{w}`) and its externals (`modules.{w}.externals.{name}`).
 */
export function materializeEnv(ctx: ResourceContext, app: AppModel, rng: Rng): void {
  const env = ctx.env;
  const resources: ActiveResource[] = [];
  const deps: Record<string, string[]> = {};
  resources.push(activeResource(ctx, {
    resId: 'k8s-cluster', type: 'k8s-cluster', defId: `gke-${env.type}`, driverType: 'humanitec/k8s-cluster-gke', account: 'gcp-platform',
    guresid: sha1(`${ctx.orgId}|k8s-cluster|${env.type}`), resource: { name: `gke-${env.type}`, project_id: 'platform-prod', zone: 'europe-west3' },
  }));
  resources.push(activeResource(ctx, {
    resId: 'k8s-namespace', type: 'k8s-namespace', defId: 'default-namespace', driverType: 'humanitec/echo',
    guresid: sha1(`${ctx.orgId}|${ctx.appId}|${env.id}|k8s-namespace`), resource: { namespace: `${ctx.appId}-${env.id}` },
  }));
  const usesPostgres = app.workloads.some((w) => w.externals.some((x) => x.type === 'postgres'));
  if (usesPostgres) {
    resources.push(activeResource(ctx, {
      resId: 'shared.postgres-instance', type: 'postgres-instance', defId: `cloudsql-${env.type}`, driverType: 'humanitec/template', account: 'gcp-platform',
      guresid: sha1(`${ctx.orgId}|shared|cloudsql-${env.type}|postgres-instance`), resource: { host: `cloudsql-${env.type}.internal`, port: 5432 },
    }));
  }
  for (const s of app.shared) resources.push(externalKind(s.type).active(ctx, `shared.${s.name}`, s.name, rng));
  for (const w of app.workloads) {
    const wid = `modules.${w.name}`;
    deps[wid] = [];
    for (const x of w.externals) {
      const xid = `${wid}.externals.${x.name}`;
      resources.push(externalKind(x.type).active(ctx, xid, x.name, rng));
      deps[wid].push(xid);
      if (x.type === 'postgres') deps[xid] = ['shared.postgres-instance'];
    }
    for (const s of w.uses) deps[wid].push(`shared.${s}`);
    resources.push(activeResource(ctx, {
      resId: wid, type: 'workload', defId: 'default-workload', driverType: 'humanitec/template',
      guresid: sha1(`${ctx.orgId}|${ctx.appId}|${env.id}|workload|default|${wid}`),
      resource: { id: w.name, image: `registry.example.com/${ctx.appId}/${w.name}:${ctx.imageTag}`, replicas: rng.int(1, 3) },
      criteria: true,
    }));
  }
  env.resources = resources;
  env.dependsOn = deps;
}

const SCHEMAS: Record<string, Record<string, unknown>> = {};
function resourceSchema(resource: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(resource).sort().join(',');
  return (SCHEMAS[keys] ??= {
    type: 'object',
    properties: {
      values: {
        type: 'object',
        properties: Object.fromEntries(Object.entries(resource).map(([k, v]) => [k, { type: typeof v === 'number' ? 'integer' : 'string' }])),
      },
    },
  });
}

/**
 * The env's dependency graph now: every active resource except k8s-cluster/k8s-namespace, in
 * provisioning order (dependencies first), depends_on as guresids of nodes of the same graph.
 */
export function buildGraph(orgId: string, appId: string, env: EnvModel, at: string, rng: Rng): DependencyGraph {
  const byRes = new Map(env.resources.map((r) => [r.res_id, r]));
  const inGraph = env.resources.filter((r) => !NOT_IN_GRAPH.has(r.type));
  const rank = (r: ActiveResource) => (r.res_id.startsWith('shared.') ? (r.type === 'postgres-instance' ? 0 : 1) : r.type === 'workload' ? 3 : 2);
  const ordered = inGraph.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
  const nodes: GraphNode[] = ordered.map((r) => ({
    id: r.res_id,
    guresid: r.gu_res_id,
    type: r.type,
    class: r.class,
    def_id: r.def_id,
    def_version_id: r.def_version_id,
    criteria_id: r.criteria_id ?? '',
    driver_type: r.driver_type,
    driver: { values: { app_id: appId, env_id: env.id } },
    ...(r.driver_account ? { driver_account: r.driver_account } : {}),
    resource: r.resource,
    resource_schema: resourceSchema(r.resource),
    depends_on: (env.dependsOn[r.res_id] ?? []).map((id) => byRes.get(id)?.gu_res_id).filter((g): g is string => g !== undefined),
    target: '',
    in_place_driver_change: false,
  }));
  return { id: rng.uuid(), hash: sha256hex(`${orgId}|${JSON.stringify(nodes)}`), created_at: at, used_at: at, nodes };
}

/** A deployment set of the app's workloads with the given image tag; its id is its content hash. */
export function newSetFor(app: AppModel, imageTag: string, rng: Rng): DeploymentSet {
  const modules: Record<string, Module> = {};
  for (const w of app.workloads) {
    modules[w.name] = {
      profile: 'humanitec/default-module',
      spec: { containers: { main: { id: 'main', image: `registry.example.com/${app.id}/${w.name}:${imageTag}`, variables: { LOG_LEVEL: '${values.LOG_LEVEL}' } } }, replicas: rng.int(1, 3) },
      externals: Object.fromEntries(w.externals.map((x) => [x.name, { type: x.type }])),
    };
  }
  const shared = Object.fromEntries(app.shared.map((s) => [s.name, { type: s.type }]));
  const body = { modules, shared, version: 0 };
  return { id: sha256url(JSON.stringify(body)), ...body };
}

/** A delta changing one workload's image, targeted at an env. */
export function newDeltaFor(app: AppModel, envId: string | undefined, actor: string, at: string, rng: Rng, opts: { archived?: boolean; name?: string } = {}): Delta {
  const w = app.workloads.length > 0 ? rng.pick(app.workloads).name : 'main';
  return {
    id: rng.hex(40),
    metadata: {
      archived: opts.archived ?? false,
      contributers: [actor],
      created_at: at,
      created_by: actor,
      ...(envId ? { env_id: envId } : {}),
      last_modified_at: at,
      ...(opts.name ? { name: opts.name } : {}),
      shared: false,
    },
    modules: { add: {}, remove: [], update: { [w]: [{ op: 'replace', path: '/spec/containers/main/image', value: `registry.example.com/${app.id}/${w}:${rng.hex(7)}` }] } },
    shared: [],
  };
}
