// The demo connector: pages items from the demo API. It is the test source of the platform and the
// engine (tests, benchmarks, `port-sync dev` without credentials).
import { fileURLToPath } from 'node:url';
import type { Connector } from '../connector';
import type { BlueprintBody } from '../port/schemas';
import type { IntegrationOf } from '../connectors';
import { DemoClient, demoItemSchema } from './client';

const DEFAULT_MAPPING = fileURLToPath(new URL('../../config/mappings/demo.yaml', import.meta.url));

const versioned = (identifier: string, title: string): BlueprintBody => ({
  identifier,
  title,
  schema: { properties: { version: { type: 'number', title: 'Version' } } },
});

export function createDemoConnector(integration: IntegrationOf<'demo'>, env: NodeJS.ProcessEnv): Connector {
  const { apiUrl, apiKeyEnv, pageSize, kinds } = integration.options;
  const client = new DemoClient(apiUrl, env[apiKeyEnv] ?? '', integration.id);
  return {
    api: 'demo',
    kinds: () => kinds,
    defaultMapping: DEFAULT_MAPPING,
    blueprints: [versioned('team', 'Team'), versioned('service', 'Service')],
    async fetchPage(kind, cursor, signal) {
      const page = await client.listItems(kind, cursor, pageSize, signal);
      return { items: page.items, next: page.next };
    },
    // Versioned events: an event older than what the catalog holds (a late redelivery, even after the
    // object's workflow ended and forgot its delivery ids) is dropped, so an object never goes back.
    async applyEvent(event, signal) {
      const item = demoItemSchema.parse(event.data);
      await client.upsertIfNewer(item, signal);
    },
  };
}
