// Builds the incident.io target of an integration and what readies it before a run's first write.
import { ApplicationFailure } from '@temporalio/common';
import type { IntegrationOf } from '../connectors';
import type { Connector } from '../connector';
import type { Target } from '../engine/target';
import type { CompiledMapping } from '../mapping';
import { IncidentIoClient } from './client';
import { ExternalIds } from './entries';
import { IncidentIoTarget } from './target';

export function createIncidentIoTarget(
  integration: IntegrationOf<'incidentio'>,
  mapping: CompiledMapping,
  kinds: string[],
  connector: Connector,
  env: NodeJS.ProcessEnv,
): { target: Target; prepare: (signal: AbortSignal) => Promise<string[]> } {
  const { catalogTypeId, apiUrl, apiKeyEnv, externalIdPrefix, addMissingAttributes, maxEntries } = integration.options;
  const blueprints = [...new Set(kinds.flatMap((kind) => constantBlueprints(integration.id, mapping, kind)))];
  const apiKey = env[apiKeyEnv];
  if (!apiKey) throw ApplicationFailure.nonRetryable(`integration "${integration.id}" writes to incident.io: set ${apiKeyEnv}`, 'MissingSecret');
  const target = new IncidentIoTarget({
    client: new IncidentIoClient({ apiUrl, apiKey, integrationId: integration.id }),
    integration: integration.id,
    typeId: catalogTypeId,
    externalIds: new ExternalIds(externalIdPrefix, blueprints),
    mappedKeys: kinds.flatMap((kind) => Object.values(mapping.fieldsOf(kind)).flat()),
    addMissingAttributes,
    maxEntries,
  });
  return {
    target,
    // What the run will produce is counted first (one extra read of Port, 1,000 entities a page), so a
    // run that would break the type's entry limit fails before its first write, saying by how much.
    prepare: async (signal) => target.prepare(await producedBy(connector, mapping, kinds, signal), signal),
  };
}

/** External ids carry the blueprint when several feed one type, so each kind must name its blueprint as a constant. */
function constantBlueprints(integration: string, mapping: CompiledMapping, kind: string): string[] {
  const blueprints = mapping.blueprintsOf(kind);
  if (!blueprints) {
    throw ApplicationFailure.nonRetryable(
      `integration "${integration}", kind "${kind}": the blueprint mapping must be a constant (e.g. '"${kind}"') for an incident.io sync`,
      'InvalidMapping',
    );
  }
  return blueprints;
}

/** Distinct identifiers the source maps to, per blueprint (items that fail to map after their identifier is known count too). */
async function producedBy(connector: Connector, mapping: CompiledMapping, kinds: string[], signal: AbortSignal): Promise<Map<string, Set<string>>> {
  const produced = new Map<string, Set<string>>();
  const add = (blueprint: string, id: string) => {
    const set = produced.get(blueprint);
    if (set) set.add(id);
    else produced.set(blueprint, new Set([id]));
  };
  for (const kind of kinds) {
    let cursor: string | undefined;
    do {
      const page = await connector.fetchPage(kind, cursor, signal);
      const mapped = mapping.map(kind, page.items);
      for (const e of mapped.entities) add(e.blueprint, e.identifier);
      for (const f of mapped.failures) if (f.identifier) for (const bp of mapping.blueprintsOf(kind) ?? []) add(bp, f.identifier);
      cursor = page.next;
    } while (cursor);
  }
  return produced;
}
