// The Humanitec default mapping and blueprints: it compiles, and realistic raw items (shapes from the
// spec, enriched as the connector does) become exactly the guide script's entities — identifiers
// joined with "/", the script's titles and relations — with only properties and relations the
// blueprints declare.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HUMANITEC_BLUEPRINTS } from '../../activities/humanitec/blueprints';
import { createHumanitecConnector, enrichResources, HUMANITEC_KINDS } from '../../activities/humanitec/connector';
import { loadMappingFile } from '../../activities/mapping';
import { blueprintBodySchema } from '../../activities/port/schemas';
import { configSchema } from '../../config/schema';

const config = configSchema.parse({ integrations: [{ id: 'humanitec', type: 'humanitec', options: { orgId: 'acme' } }] });
const integration = config.integrations[0] as Extract<(typeof config.integrations)[number], { type: 'humanitec' }>;
const connector = createHumanitecConnector(integration, {});
const mapping = loadMappingFile(connector.defaultMapping, { integration: 'humanitec' });
const blueprints = new Map(HUMANITEC_BLUEPRINTS.map((b) => [b.identifier, b]));

const T = '2024-03-01T10:00:00Z';
const deploy = { id: 'd1e2f3', env_id: 'production', set_id: 'set-hash', delta_id: 'delta1', from_id: '', comment: 'Release 1.2', created_at: '2024-03-02T09:00:00Z', created_by: 'u-1', status: 'succeeded', status_changed_at: T, dependency_graph_id: 'graph-1', export_status: 'succeeded', export_file: 'x.json' };
const resources = [
  { org_id: 'acme', app_id: 'shop', env_id: 'production', env_type: 'production', res_id: 'modules.api', gu_res_id: 'g-api', def_id: 'hum-k8s-workload', def_version_id: 'v1', type: 'workload', class: 'default', driver_type: 'humanitec/template', status: 'active', resource: { name: 'api' }, secret_refs: {}, updated_at: T, deploy_id: 'd1e2f3', scheduled_deletion: false },
  { org_id: 'acme', app_id: 'shop', env_id: 'production', env_type: 'production', res_id: 'modules.api.externals.my-db', gu_res_id: 'g-db', def_id: 'gcp-dev-postgres', def_version_id: 'v2', type: 'postgres', class: 'default', driver_type: 'humanitec/postgres-cloudsql', status: 'active', resource: { host: '127.0.0.1', port: 5432 }, secret_refs: {}, updated_at: T, deploy_id: 'd1e2f3', scheduled_deletion: false },
  { org_id: 'acme', app_id: 'shop', env_id: 'production', env_type: 'production', res_id: 'modules.ghost.externals.cache', gu_res_id: 'g-cache', def_id: 'redis_def', def_version_id: 'v3', type: 'redis', class: 'default', driver_type: 'humanitec/redis', status: 'active', resource: {}, secret_refs: {}, updated_at: T, deploy_id: 'd1e2f3', scheduled_deletion: false },
  { org_id: 'acme', app_id: 'shop', env_id: 'production', env_type: 'production', res_id: 'k8s-cluster', gu_res_id: 'g-cluster', def_id: 'gke-cluster', def_version_id: 'v4', type: 'k8s-cluster', class: 'default', driver_type: 'humanitec/k8s-cluster-gke', status: 'active', resource: { name: 'c1' }, secret_refs: {}, updated_at: T, deploy_id: 'd1e2f3', scheduled_deletion: false },
];
const nodes = [
  { id: 'modules.api', guresid: 'g-api', type: 'workload', class: 'default', def_id: 'hum-k8s-workload', def_version_id: 'v1', criteria_id: 'c', driver_type: 'humanitec/template', driver: {}, resource: null, resource_schema: { type: 'object' }, depends_on: ['g-db'], in_place_driver_change: false },
  { id: 'modules.api.externals.my-db', guresid: 'g-db', type: 'postgres', class: 'default', def_id: 'gcp-dev-postgres', def_version_id: 'v2', criteria_id: 'c', driver_type: 'x', driver: {}, resource: null, resource_schema: { properties: { host: { type: 'string' } } }, depends_on: [], in_place_driver_change: false },
];
const enriched = enrichResources('shop', 'production', resources as never, nodes as never);

const ITEMS: Record<string, unknown[]> = {
  application: [{ id: 'shop', name: 'my-shop_app', org_id: 'acme', created_at: T, created_by: 'u-1', envs: [{ id: 'production', name: 'Production', type: 'production' }], status: 'active', status_changed_at: T }],
  environment: [
    { id: 'production', name: 'Production', type: 'production', created_at: T, created_by: 'u-1', status: 'active', status_changed_at: T, last_deploy: deploy, app_id: 'shop' },
    { id: 'preview', name: 'Preview', type: 'development', created_at: T, created_by: 'u-1', status: 'active', status_changed_at: T, app_id: 'shop' },
  ],
  workload: [{ ...resources[0], app_id: 'shop', env_id: 'production' }],
  resourceGraph: nodes.map((n) => ({ ...n, app_id: 'shop', env_id: 'production' })),
  resource: enriched,
  secretStore: [{ id: 'vault-main', primary: true, created_at: T, created_by: 'u-1', updated_at: T, updated_by: 'u-2', vault: { url: 'https://vault', path: 'secret/', agent_id: '' } }],
  sharedValue: [
    { key: 'LOG_LEVEL', value: 'info', is_secret: false, description: 'log level', created_at: T, updated_at: T, source: 'app', secret_key: null, secret_version: null, secret_store_id: null, app_id: 'shop' },
    { key: 'DB_PASSWORD', value: '', is_secret: true, description: '', created_at: T, updated_at: T, source: 'env', secret_key: 'orgs/acme/apps/shop/envs/production/DB_PASSWORD', secret_version: '3', secret_store_id: 'vault-main', app_id: 'shop', env_id: 'production' },
  ],
  valueSetVersion: [{ id: 'vsv1', values: {}, change: [], created_at: T, created_by: 'u-1', updated_at: T, result_of: 'app_value_create', comment: 'added LOG_LEVEL', source_value_set_version_id: null, app_id: 'shop' }],
  deploymentSet: [{ id: 'abc123def', modules: {}, shared: {}, version: 0, app_id: 'shop' }],
  pipeline: [{ id: 'deploy', etag: 'e1', org_id: 'acme', app_id: 'shop', name: 'Deploy', status: 'active', version: 'ver-1', created_at: T, trigger_types: ['pipeline_call'], metadata: { team: 'x' }, app_name: 'My Shop' }],
  deploymentDelta: [
    { id: 'de1ta', metadata: { archived: false, contributers: ['u-1'], created_at: T, created_by: 'u-1', env_id: 'production', last_modified_at: T, name: 'bump-api' }, modules: { add: {}, remove: [], update: {} }, shared: [], app_id: 'shop' },
    { id: 'de2', metadata: { archived: false, created_at: T, created_by: 'u-2', last_modified_at: T }, modules: { add: {}, remove: [], update: {} }, shared: [], app_id: 'shop' },
  ],
  group: [{ id: 'g-platform', name: 'Platform', type: 'group', role: 'manager', idp_id: 'okta-1', created_at: T }],
  user: [{ id: '7f1c-uuid', name: 'Ada Lovelace', type: 'user', role: 'member', email: 'ada@example.com', invite: 'accepted', created_at: T, groups: ['g-platform'] }],
};

/** Entity without null values (what is sent on create). */
const sent = (e: { identifier: string; title?: string; blueprint: string; properties: Record<string, unknown>; relations: Record<string, unknown> }) => ({
  identifier: e.identifier,
  title: e.title,
  blueprint: e.blueprint,
  properties: Object.fromEntries(Object.entries(e.properties).filter(([, v]) => v !== null)),
  relations: Object.fromEntries(Object.entries(e.relations).filter(([, v]) => v !== null)),
});

const EXPECTED: Record<string, unknown[]> = {
  application: [{ identifier: 'shop', title: 'My Shop App', blueprint: 'humanitecApplication', properties: { createdAt: T }, relations: {} }],
  environment: [
    { identifier: 'shop/production', title: 'Production', blueprint: 'humanitecEnvironment', properties: { type: 'production', createdAt: T, lastDeploymentStatus: 'succeeded', lastDeploymentDate: '2024-03-02T09:00:00Z', lastDeploymentComment: 'Release 1.2' }, relations: { humanitecApplication: 'shop' } },
    { identifier: 'shop/preview', title: 'Preview', blueprint: 'humanitecEnvironment', properties: { type: 'development', createdAt: T }, relations: { humanitecApplication: 'shop' } },
  ],
  workload: [{ identifier: 'shop/production/api', title: 'Api', blueprint: 'humanitecWorkload', properties: { class: 'default', driverType: 'humanitec/template', definitionId: 'hum-k8s-workload', definitionVersionId: 'v1', status: 'active', updatedAt: T }, relations: { humanitecEnvironment: 'shop/production' } }],
  resourceGraph: [
    { identifier: 'g-api', title: 'Hum K8S Workload', blueprint: 'humanitecResourceGraph', properties: {}, relations: { humanitecResourceGraph: ['g-db'] } },
    { identifier: 'g-db', title: 'Gcp Dev Postgres', blueprint: 'humanitecResourceGraph', properties: {}, relations: { humanitecResourceGraph: [] } },
  ],
  resource: [
    { identifier: 'shop/production/modules.api', title: 'Hum K8S Workload', blueprint: 'humanitecResource', properties: { type: 'workload', class: 'default', resource: { name: 'api' }, resourceSchema: { type: 'object' }, guresid: 'g-api' }, relations: { humanitecResourceGraph: ['g-db'], humanitecWorkload: 'shop/production/api' } },
    { identifier: 'shop/production/modules.api.externals.my-db', title: 'Gcp Dev Postgres', blueprint: 'humanitecResource', properties: { type: 'postgres', class: 'default', resource: { host: '127.0.0.1', port: 5432 }, resourceSchema: { properties: { host: { type: 'string' } } }, guresid: 'g-db' }, relations: { humanitecResourceGraph: [], humanitecWorkload: 'shop/production/api' } },
    // modules.ghost has no workload in the env: no relation (the script pointed at a missing entity).
    { identifier: 'shop/production/modules.ghost.externals.cache', title: 'Redis Def', blueprint: 'humanitecResource', properties: { type: 'redis', class: 'default', resource: {}, guresid: 'g-cache' }, relations: {} },
    { identifier: 'shop/production/k8s-cluster', title: 'Gke Cluster', blueprint: 'humanitecResource', properties: { type: 'k8s-cluster', class: 'default', resource: { name: 'c1' }, guresid: 'g-cluster' }, relations: {} },
  ],
  secretStore: [{ identifier: 'vault-main', title: 'vault - vault-main (Primary)', blueprint: 'humanitecSecretStore', properties: { primary: true, createdAt: T, createdBy: 'u-1', updatedAt: T, updatedBy: 'u-2', vault: { url: 'https://vault', path: 'secret/', agent_id: '' } }, relations: {} }],
  sharedValue: [
    { identifier: 'shop/LOG_LEVEL', title: 'LOG_LEVEL', blueprint: 'humanitecSharedValue', properties: { description: 'log level', isSecret: false, source: 'app', value: 'info', createdAt: T, updatedAt: T }, relations: { humanitecApplication: 'shop' } },
    { identifier: 'shop/production/DB_PASSWORD', title: 'DB_PASSWORD', blueprint: 'humanitecSharedValue', properties: { description: '', isSecret: true, secretKey: 'orgs/acme/apps/shop/envs/production/DB_PASSWORD', secretVersion: '3', source: 'env', value: '', createdAt: T, updatedAt: T }, relations: { humanitecApplication: 'shop', humanitecEnvironment: 'shop/production', humanitecSecretStore: 'vault-main' } },
  ],
  valueSetVersion: [{ identifier: 'shop/vsv1', title: 'Value Set Version vsv1', blueprint: 'humanitecValueSetVersion', properties: { createdAt: T, createdBy: 'u-1', comment: 'added LOG_LEVEL' }, relations: { humanitecApplication: 'shop' } }],
  deploymentSet: [{ identifier: 'shop/abc123def', title: 'Abc123Def', blueprint: 'humanitecDeploymentSet', properties: { version: '0' }, relations: { humanitecApplication: 'shop' } }],
  pipeline: [{ identifier: 'shop/deploy', title: 'My Shop - Deploy', blueprint: 'humanitecPipeline', properties: { etag: 'e1', name: 'Deploy', status: 'active', version: 'ver-1', createdAt: T, triggerTypes: ['pipeline_call'], metadata: { team: 'x' } }, relations: { humanitecApplication: 'shop' } }],
  deploymentDelta: [
    { identifier: 'shop/de1ta', title: 'Bump Api', blueprint: 'humanitecDeploymentDelta', properties: { archived: false, contributers: ['u-1'], createdAt: T, createdBy: 'u-1', modules: { add: {}, remove: [], update: {} }, shared: [] }, relations: { humanitecApplication: 'shop', humanitecEnvironment: 'shop/production' } },
    { identifier: 'shop/de2', title: 'De2', blueprint: 'humanitecDeploymentDelta', properties: { archived: false, createdAt: T, createdBy: 'u-2', modules: { add: {}, remove: [], update: {} }, shared: [] }, relations: { humanitecApplication: 'shop' } },
  ],
  group: [{ identifier: 'g-platform', title: 'Platform', blueprint: 'humanitecGroup', properties: { role: 'manager', idp_id: 'okta-1', createdAt: T }, relations: {} }],
  user: [{ identifier: '7f1c-uuid', title: 'Ada Lovelace', blueprint: 'humanitecUser', properties: { email: 'ada@example.com', role: 'member', invite: 'accepted', createdAt: T }, relations: { humanitecGroup: ['g-platform'] } }],
};

test('the mapping compiles, maps every kind of the connector, each to its one guide blueprint', () => {
  assert.deepEqual(mapping.kinds, [...HUMANITEC_KINDS]);
  assert.deepEqual(connector.kinds(), [...HUMANITEC_KINDS]);
  for (const kind of HUMANITEC_KINDS) {
    const bps = mapping.blueprintsOf(kind);
    assert.equal(bps?.length, 1, kind);
    assert.ok(blueprints.has(bps[0]!), `${kind} -> ${bps[0]}`);
  }
  assert.equal(HUMANITEC_BLUEPRINTS.length, 13);
});

test('blueprints are valid bodies, in dependency order, relations to known blueprints only', () => {
  const seen = new Set<string>();
  for (const bp of HUMANITEC_BLUEPRINTS) {
    blueprintBodySchema.parse(bp);
    for (const [name, r] of Object.entries(bp.relations ?? {})) {
      assert.ok(seen.has(r.target) || r.target === bp.identifier, `${bp.identifier}.${name} -> ${r.target} comes first`);
    }
    seen.add(bp.identifier);
  }
  // Kinds follow the same order: a relation's target kind is synced first.
  const kindOf = new Map(HUMANITEC_KINDS.map((k) => [mapping.blueprintsOf(k)![0]!, k]));
  for (const bp of HUMANITEC_BLUEPRINTS) {
    for (const r of Object.values(bp.relations ?? {})) {
      assert.ok(HUMANITEC_KINDS.indexOf(kindOf.get(r.target)!) <= HUMANITEC_KINDS.indexOf(kindOf.get(bp.identifier)!), `${bp.identifier} after ${r.target}`);
    }
  }
  assert.equal(blueprints.get('humanitecDeploymentSet')!.schema.properties.version!.type, 'string');
  assert.deepEqual(Object.keys(blueprints.get('humanitecResourceGraph')!.schema.properties), []);
});

for (const kind of HUMANITEC_KINDS) {
  test(`kind ${kind}: the script's entities, only declared properties and relations`, () => {
    const result = mapping.map(kind, ITEMS[kind]!);
    assert.deepEqual(result.failures, []);
    assert.equal(result.unidentified, 0);
    assert.deepEqual(result.entities.map(sent), EXPECTED[kind]);
    for (const e of result.entities) {
      const bp = blueprints.get(e.blueprint)!;
      for (const p of Object.keys(e.properties)) assert.ok(p in bp.schema.properties, `${e.blueprint}: property ${p} not declared`);
      for (const r of Object.keys(e.relations)) assert.ok(r in (bp.relations ?? {}), `${e.blueprint}: relation ${r} not declared`);
      for (const [p, v] of Object.entries(e.properties)) {
        if (v === null) continue;
        const type = bp.schema.properties[p]!.type;
        const actual = Array.isArray(v) ? 'array' : typeof v;
        assert.equal(actual, type, `${e.blueprint}.${p} is a ${type}`);
      }
    }
  });
}
