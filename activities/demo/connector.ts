// The demo connector: pages items from the demo API. It is the test source of the platform and the
// engine (tests, benchmarks, `port-sync dev` without credentials).
import { fileURLToPath } from 'node:url';
import type { Connector } from '../connector';
import type { BlueprintBody } from '../port/schemas';
import type { IntegrationOf } from '../connectors';
import { DemoClient, demoItemSchema } from './client';

const DEFAULT_MAPPING = fileURLToPath(new URL('../../config/mappings/demo.yaml', import.meta.url));

/** Later pages one answer names (the engine reads a few of them at once). */
const AHEAD_NAMED = 16;

const versioned = (identifier: string, title: string): BlueprintBody => ({
  identifier,
  title,
  schema: { properties: { version: { type: 'number', title: 'Version' } } },
});

/** Cursors of the pages after `next`: the demo API's cursor is an offset, and it says how many items there are. */
function offsetsAhead(next: string | undefined, pageSize: number, total: number | undefined): string[] | undefined {
  if (next === undefined || total === undefined) return undefined;
  const ahead: string[] = [];
  for (let offset = Number(next) + pageSize; offset < total && ahead.length < AHEAD_NAMED; offset += pageSize) ahead.push(String(offset));
  return ahead;
}

export function createDemoConnector(integration: IntegrationOf<'demo'>, env: NodeJS.ProcessEnv): Connector {
  const { apiUrl, apiKeyEnv, pageSize, kinds } = integration.options;
  const client = new DemoClient(apiUrl, env[apiKeyEnv] ?? '', integration.id);
  return {
    api: 'demo',
    kinds: () => kinds,
    defaultMapping: DEFAULT_MAPPING,
    blueprints: [versioned('team', 'Team'), versioned('service', 'Service')],
    async fetchPage(kind, cursor, signal, scope) {
      const page = await client.listItems(kind, cursor, pageSize, signal, scope?.prefix);
      return { items: page.items, next: page.next, ahead: offsetsAhead(page.next, pageSize, page.total) };
    },
    // A scope is an identifier prefix: the items whose id starts with it, in every kind.
    planScope(scope) {
      if (!scope.prefix || Object.keys(scope).length !== 1) throw new Error(`the demo source scopes by {"prefix": "..."} only, not ${JSON.stringify(scope)}`);
      return { kinds, identifierPrefix: scope.prefix };
    },
    // "items.changed" names a prefix to re-read (a targeted refresh). Item events are versioned: one older
    // than what the catalog holds (a late redelivery, even after the object's workflow ended and forgot
    // its delivery ids) is dropped, so an object never goes back.
    async applyEvent(event, signal) {
      if (event.type === 'items.changed') return { refresh: { prefix: String(event.data?.prefix) } };
      const item = demoItemSchema.parse(event.data);
      await client.upsertIfNewer(item, signal);
    },
  };
}
