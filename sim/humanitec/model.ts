// The simulated Humanitec organisation as plain data. The objects the API answers with are kept in
// the exact shape of the spec's responses (humanitec-openapi.json), so the server serves them as
// they are; the few fields only the simulator needs (which workloads an app has, what depends on
// what, an env's value overrides) sit beside them. Mutations for tests (deleteApp, deploy) live here
// and bump `version`, which the server uses to drop its caches.
import { Rng } from './rng';
import { buildGraph, externalKind, materializeEnv, newDeltaFor, newSetFor, iso, sha1, type ResourceContext } from './build';

// --- API shapes (field names as the API sends them) -----------------------------------------------

export interface PipelineRef {
  id: string;
  run_id: string;
  job_id: string;
  step_index: number;
}

/** DeploymentResponse. */
export interface Deployment {
  id: string;
  env_id: string;
  set_id: string;
  delta_id: string;
  from_id: string;
  comment: string;
  created_at: string;
  created_by: string;
  status: 'pending' | 'in progress' | 'succeeded' | 'failed';
  status_changed_at: string;
  dependency_graph_id?: string;
  value_set_version_id?: string | null;
  pipeline?: PipelineRef;
  export_status: string;
  export_file: string;
}

/** ActiveResourceResponse. */
export interface ActiveResource {
  org_id: string;
  app_id: string;
  env_id: string;
  env_type: string;
  res_id: string;
  gu_res_id: string;
  def_id: string;
  def_version_id: string;
  target_def_version_id?: string;
  criteria_id?: string;
  type: string;
  class: string;
  driver_type: string;
  driver_account?: string;
  status: 'pending' | 'active' | 'deleting';
  resource: Record<string, unknown>;
  secret_refs: Record<string, unknown>;
  updated_at: string;
  deploy_id: string;
  scheduled_deletion: boolean;
}

/** NodeBodyResponse. */
export interface GraphNode {
  id: string;
  guresid: string;
  type: string;
  class: string;
  def_id: string;
  def_version_id: string;
  criteria_id: string;
  driver_type: string;
  driver: Record<string, unknown>;
  driver_account?: string;
  resource: Record<string, unknown>;
  resource_schema: Record<string, unknown>;
  depends_on: string[];
  target?: string;
  in_place_driver_change: boolean;
}

/** DependencyGraphResponse. */
export interface DependencyGraph {
  id: string;
  hash: string;
  created_at: string;
  used_at: string;
  nodes: GraphNode[];
}

/** SecretStoreResponse: exactly one of the five store configurations is set. */
export interface SecretStore {
  id: string;
  primary: boolean;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  awssm?: { region?: string; endpoint?: string };
  azurekv?: { tenant_id?: string; url?: string };
  gcpsm?: { project_id?: string };
  humanitec?: Record<string, never>;
  vault?: { url?: string; path?: string; agent_id?: string };
}

export type SecretStoreType = 'awssm' | 'azurekv' | 'gcpsm' | 'humanitec' | 'vault';

/** ValueResponse. Secrets have an empty `value` and a secret reference. */
export interface Value {
  key: string;
  value: string;
  is_secret: boolean;
  description: string;
  created_at: string;
  updated_at: string;
  source: 'app' | 'env';
  secret_key: string | null;
  secret_version: string | null;
  secret_store_id: string | null;
}

export interface JsonPatch {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/** ValueSetVersionResponse (no `version` field: the API has none). */
export interface ValueSetVersion {
  id: string;
  values: Record<string, Value>;
  change: JsonPatch[];
  created_at: string;
  created_by: string;
  updated_at: string;
  result_of: string | null;
  comment: string;
  source_value_set_version_id: string | null;
}

/** ModuleResponse (profile, spec, externals; `deploy` optional). */
export interface Module {
  profile: string;
  spec: Record<string, unknown>;
  externals: Record<string, unknown>;
  deploy?: { when: string; success: string; timeout: number };
}

/** SetResponse: `id` is the content hash, `version` the schema version (0). */
export interface DeploymentSet {
  id: string;
  modules: Record<string, Module>;
  shared: Record<string, unknown>;
  version: number;
}

/** Pipeline. */
export interface Pipeline {
  id: string;
  etag: string;
  org_id: string;
  app_id: string;
  name: string;
  status: string;
  version: string;
  created_at: string;
  trigger_types: string[];
  metadata?: Record<string, string>;
}

/** DeltaResponse. */
export interface Delta {
  id: string;
  metadata: {
    archived: boolean;
    contributers: string[];
    created_at: string;
    created_by: string;
    env_id?: string;
    last_modified_at: string;
    name?: string;
    shared?: boolean;
  };
  modules: { add: Record<string, Module>; remove: string[]; update: Record<string, JsonPatch[]> };
  shared: JsonPatch[];
}

/** UserRoleResponse: org members of every type. */
export interface Subject {
  id: string;
  name: string;
  created_at: string;
  type: 'user' | 'group' | 'service' | 'system';
  role: string;
  email?: string;
  invite?: string;
  idp_id?: string;
}

/** UserProfileResponse (members of a group). */
export interface GroupMember {
  id: string;
  name: string;
  email?: string;
  type: string;
  created_at: string;
}

// --- the model ------------------------------------------------------------------------------------

/** What a workload of an app is made of (the same in every env it is deployed to). */
export interface WorkloadSpec {
  name: string;
  externals: Array<{ name: string; type: string }>;
  /** Names of the app's shared resources (`shared.{name}`) this workload references. */
  uses: string[];
}

export interface EnvModel {
  id: string;
  name: string;
  /** The env type id (development, staging, production, ...). */
  type: string;
  created_at: string;
  created_by: string;
  status: 'active' | 'deleting';
  status_changed_at: string;
  /** Absent (not null) until the env's first deployment, as the API answers. */
  last_deploy?: Deployment;
  /** Active resources; empty for a never-deployed env. */
  resources: ActiveResource[];
  /** res_id -> res_ids it depends on (the graph's depends_on before guresids). */
  dependsOn: Record<string, string[]>;
  /** Every graph this env has had, by id; the current one is last_deploy.dependency_graph_id. */
  graphs: Record<string, DependencyGraph>;
  /** Env-level values (`source: 'env'`): overrides of app keys and env-only keys. */
  overrides: Value[];
  /** The env's own value set versions, newest first; undefined when it has no overrides (the app's then). */
  valueSetVersions?: ValueSetVersion[];
}

export interface AppModel {
  id: string;
  name: string;
  created_at: string;
  created_by: string;
  status: 'active' | 'deleting';
  status_changed_at: string;
  envs: EnvModel[];
  workloads: WorkloadSpec[];
  /** App-scoped shared resources (`shared.{name}`). */
  shared: Array<{ name: string; type: string }>;
  values: Value[];
  /** Newest first. */
  valueSetVersions: ValueSetVersion[];
  sets: DeploymentSet[];
  deltas: Delta[];
  pipelines: Pipeline[];
}

export interface OrgModel {
  orgId: string;
  seed: number;
  /** The options the generator was called with (after defaults). */
  params: Record<string, unknown>;
  /** Simulated "now" in epoch ms; mutations advance it so their timestamps are later than the rest. */
  clock: number;
  /** Bumped by every mutation (servers key caches on it). */
  version: number;
  /** Deploys made through `deploy()` (seeds their ids). */
  deploys: number;
  apps: AppModel[];
  secretStores: SecretStore[];
  /** Users, groups, service users and system subjects, as GET /users lists them. */
  subjects: Subject[];
  /** groupId -> member ids (users and service users). */
  groupMembers: Record<string, string[]>;
}

// --- reads ----------------------------------------------------------------------------------------

export function findApp(model: OrgModel, appId: string): AppModel | undefined {
  return model.apps.find((a) => a.id === appId);
}

export function findEnv(model: OrgModel, appId: string, envId: string): EnvModel | undefined {
  return findApp(model, appId)?.envs.find((e) => e.id === envId);
}

/** GET .../envs/{envId}/values: the app's values with this env's overrides applied, plus env-only keys. */
export function envValues(app: AppModel, env: EnvModel): Value[] {
  const overrides = new Map(env.overrides.map((v) => [v.key, v]));
  const out = app.values.map((v) => overrides.get(v.key) ?? v);
  const appKeys = new Set(app.values.map((v) => v.key));
  for (const v of env.overrides) if (!appKeys.has(v.key)) out.push(v);
  return out;
}

export function storeType(store: SecretStore): SecretStoreType {
  return (['awssm', 'azurekv', 'gcpsm', 'humanitec', 'vault'] as const).find((t) => store[t] !== undefined)!;
}

// --- mutations ------------------------------------------------------------------------------------

/** Removes an app with everything in it (envs, values, sets, deltas, pipelines). False if unknown. */
export function deleteApp(model: OrgModel, appId: string): boolean {
  const i = model.apps.findIndex((a) => a.id === appId);
  if (i < 0) return false;
  model.apps.splice(i, 1);
  model.version += 1;
  return true;
}

export interface DeployResult {
  deployId: string;
  graphId: string;
  /** res_ids whose resource changed (new outputs, updated_at, deploy_id). */
  changed: string[];
  /** res_ids that are new in this env. */
  added: string[];
}

/**
 * Deploys an env as Humanitec would after a deployment finished: a new last_deploy (from_id = the
 * previous one), a new set and delta in the app, a new dependency graph. An env that had been
 * deployed gets one workload's resource changed (new image) and one new external (a redis cache);
 * a never-deployed env gets all of the app's workloads. Other envs are untouched.
 */
export function deploy(model: OrgModel, appId: string, envId: string, comment = 'Deployed by the simulator'): DeployResult {
  const app = findApp(model, appId);
  const env = app?.envs.find((e) => e.id === envId);
  if (!app || !env) throw new Error(`no env ${appId}/${envId} in org ${model.orgId}`);
  model.deploys += 1;
  model.clock += 60_000;
  const at = iso(model.clock);
  const rng = new Rng((model.seed ^ Math.imul(model.deploys, 0x9e3779b1)) >>> 0);
  const deployId = rng.hex(16);
  const actor = model.subjects.find((s) => s.type === 'service')?.id ?? model.subjects[0]?.id ?? 'unknown';
  const ctx: ResourceContext = { orgId: model.orgId, appId, env, at, deployId, imageTag: `sim-${model.deploys}` };
  const changed: string[] = [];
  const added: string[] = [];

  if (env.resources.length === 0) {
    materializeEnv(ctx, app, rng);
    added.push(...env.resources.map((r) => r.res_id));
  } else {
    const workload = env.resources.find((r) => r.type === 'workload');
    if (workload) {
      workload.resource = { ...workload.resource, image: `registry.example.com/${appId}/${workload.res_id.split('.')[1]}:${ctx.imageTag}` };
      workload.updated_at = at;
      workload.deploy_id = deployId;
      changed.push(workload.res_id);
      const wl = workload.res_id.split('.')[1]!;
      const name = `cache-${model.deploys}`;
      const resId = `modules.${wl}.externals.${name}`;
      const kind = externalKind('redis');
      env.resources.push(kind.active(ctx, resId, name, rng));
      env.dependsOn[workload.res_id] = [...(env.dependsOn[workload.res_id] ?? []), resId];
      added.push(resId);
    }
  }

  const set = newSetFor(app, ctx.imageTag, rng);
  app.sets.push(set);
  const delta = newDeltaFor(app, env.id, actor, at, rng);
  app.deltas.push(delta);
  const graph = buildGraph(model.orgId, appId, env, at, rng);
  env.graphs[graph.id] = graph;
  const vsv = (env.valueSetVersions ?? app.valueSetVersions)[0];
  env.last_deploy = {
    id: deployId,
    env_id: env.id,
    set_id: set.id,
    delta_id: delta.id,
    from_id: env.last_deploy?.id ?? '',
    comment,
    created_at: at,
    created_by: actor,
    status: 'succeeded',
    status_changed_at: at,
    dependency_graph_id: graph.id,
    value_set_version_id: vsv?.id ?? null,
    export_status: 'succeeded',
    export_file: `${sha1(deployId)}.json`,
  };
  model.version += 1;
  return { deployId, graphId: graph.id, changed, added };
}
