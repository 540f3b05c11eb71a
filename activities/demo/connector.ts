// The demo connector: pages items from the demo API and writes them to its catalog. It is the test
// connector of the platform (tests, benchmarks, `port-sync dev` without credentials).
import type { Connector, SourceItem } from '../connector';
import type { IntegrationOf } from '../connectors';
import { DemoClient, demoItemSchema } from './client';

export function createDemoConnector(integration: IntegrationOf<'demo'>, env: NodeJS.ProcessEnv): Connector {
  const { apiUrl, apiKeyEnv, pageSize, kinds } = integration.options;
  const client = new DemoClient(apiUrl, env[apiKeyEnv] ?? '');
  return {
    api: 'demo',
    kinds: () => kinds,
    async fetchPage(kind, cursor, signal) {
      const page = await client.listItems(kind, cursor, pageSize, signal);
      return { items: page.items.map((item) => ({ identifier: item.id, ...item })), next: page.next };
    },
    async writeItems(kind, items, { dryRun, signal }) {
      const parsed = items.map((item: SourceItem) => demoItemSchema.safeParse(item));
      const valid = parsed.flatMap((p) => (p.success ? [p.data] : []));
      const failed = parsed.length - valid.length;
      if (dryRun || valid.length === 0) return { written: 0, unchanged: 0, failed };
      const result = await client.bulkUpsert(kind, valid, signal);
      return { ...result, failed };
    },
    // Versioned events: an event older than what the catalog holds (a late redelivery, even after the
    // object's workflow ended and forgot its delivery ids) is dropped, so an object never goes back.
    async applyEvent(event, signal) {
      const item = demoItemSchema.parse(event.data);
      await client.upsertIfNewer(item, signal);
    },
  };
}
