// Everything a sync of one integration needs at run time, built once per worker: the source
// connector, the compiled mapping and the target. A mapping that does not compile fails here, before
// any write, with a message naming the integration, kind, field and expression.
import { ApplicationFailure } from '@temporalio/common';
import type { Config, IntegrationConfig } from '../config/schema';
import type { Connector } from './connector';
import { createConnector } from './connectors';
import { DemoClient } from './demo/client';
import { createDemoTarget } from './demo/target';
import { createIncidentIoTarget } from './incidentio/setup';
import { kindDependencies } from './engine/kindOrder';
import type { Target } from './engine/target';
import { ensureBlueprints } from './port/blueprints';
import { PortClient } from './port/client';
import { portCredentials } from './port/source';
import { PortTarget } from './port/target';
import { loadMappingFile, MappingError, type CompiledMapping } from './mapping';

export interface IntegrationRuntime {
  connector: Connector;
  mapping: CompiledMapping;
  target: Target;
  /** The source's kinds that the mapping maps, in the source's dependency order. */
  kinds: string[];
  /** The earlier kinds each kind waits for (its relation targets); the others may run beside it. */
  after: Record<string, string[]>;
  /** Mapped kinds the source does not offer (reported, not fetched). */
  ignoredKinds: string[];
  /** Readies the target for the mapping's entities (Port: blueprints); returns what it changed. */
  prepare(signal: AbortSignal): Promise<string[]>;
}

export function createRuntime(config: Config, integration: IntegrationConfig, env: NodeJS.ProcessEnv): IntegrationRuntime {
  const connector = createConnector(integration, config.port, env);
  let mapping: CompiledMapping;
  try {
    mapping = loadMappingFile(integration.mapping ?? connector.defaultMapping, { integration: integration.id });
  } catch (err) {
    if (err instanceof MappingError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidMapping');
    throw err;
  }
  const sourceKinds = connector.kinds() ?? mapping.kinds;
  const kinds = sourceKinds.filter((k) => mapping.kinds.includes(k));
  const ignoredKinds = mapping.kinds.filter((k) => !sourceKinds.includes(k));
  const { target, prepare } =
    integration.type === 'incidentio' ? createIncidentIoTarget(integration, mapping, kinds, connector, env) : createTarget(config, integration, connector, env);
  // The connector's blueprints describe its default mapping only; a custom mapping's relation targets are unknown.
  const after = kindDependencies(
    kinds,
    (k) => mapping.blueprintsOf(k),
    integration.mapping ? undefined : connector.blueprints,
    connector.readsAfter,
    (k) => mapping.fieldsOf(k).relations.length > 0,
    (k) => mapping.mapsTeam(k),
  );
  return { connector, mapping, target, kinds, ignoredKinds, after, prepare };
}

function createTarget(
  config: Config,
  integration: IntegrationConfig,
  connector: Connector,
  env: NodeJS.ProcessEnv,
): { target: Target; prepare: (signal: AbortSignal) => Promise<string[]> } {
  if (integration.type === 'demo' && integration.options.target === 'demo') {
    const client = new DemoClient(integration.options.apiUrl, env[integration.options.apiKeyEnv] ?? '', integration.id);
    return { target: createDemoTarget(client), prepare: async () => [] };
  }
  const client = new PortClient({ apiUrl: config.port.apiUrl, integrationId: integration.id, ...portCredentials(integration.id, config.port, env) });
  return {
    target: new PortTarget({ client, adoptExisting: integration.adoptExisting }),
    prepare: async (signal) => {
      if (!integration.createBlueprints || integration.mapping) return [];
      const result = await ensureBlueprints(client, connector.blueprints, { signal });
      return [...result.created.map((bp) => `created blueprint ${bp}`), ...result.changed.map((c) => `blueprint ${c.blueprint}: added ${c.added.join(', ')}`)];
    },
  };
}
