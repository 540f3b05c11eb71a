// Port as a source (Port -> incident.io): the entities of the blueprints a sync reads, one kind per
// blueprint, through the paginated search (1,000 per page) and never the unpaginated list the guide
// calls. The client is built on first use, so asking a connector for its API needs no credentials.
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../config/schema';
import type { Connector, Page } from '../connector';
import { PortClient } from './client';

/** Port's largest search page. */
export const SEARCH_PAGE = 1000;

export interface PortSourceOptions {
  integration: string;
  port: Config['port'];
  env: NodeJS.ProcessEnv;
  defaultMapping: string;
}

export function portCredentials(integration: string, port: Config['port'], env: NodeJS.ProcessEnv) {
  const clientId = env[port.clientIdEnv];
  const clientSecret = env[port.clientSecretEnv];
  if (!clientId || !clientSecret) {
    const unset = [port.clientIdEnv, port.clientSecretEnv].filter((name) => !env[name]);
    throw ApplicationFailure.nonRetryable(`integration "${integration}" talks to Port: set ${unset.join(' and ')}`, 'MissingSecret');
  }
  return { clientId, clientSecret };
}

export function createPortSource(options: PortSourceOptions): Connector & { client(): PortClient } {
  let client: PortClient | undefined;
  const portClient = () =>
    (client ??= new PortClient({ apiUrl: options.port.apiUrl, integrationId: options.integration, ...portCredentials(options.integration, options.port, options.env) }));
  return {
    api: 'port',
    kinds: () => undefined, // every blueprint the mapping names
    defaultMapping: options.defaultMapping,
    blueprints: [],
    client: portClient,
    async fetchPage(kind, cursor, signal): Promise<Page> {
      const page = await portClient().searchPage(
        kind,
        { query: { combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: kind }] }, limit: SEARCH_PAGE, ...(cursor ? { from: cursor } : {}) },
        signal,
      );
      return page.next ? { items: page.entities, next: page.next } : { items: page.entities };
    },
    // An entity changed in Port: its current state is read back (never the event's copy, which may be
    // older than a later one), or, when Port no longer has it, it is gone.
    async applyEvent(event, signal) {
      const blueprint = String(event.data?.blueprint ?? '');
      const identifier = String(event.data?.identifier ?? '');
      if (!blueprint || !identifier) throw ApplicationFailure.nonRetryable(`event ${event.deliveryId} names no entity`, 'InvalidEvent');
      const entity = await portClient().getEntity(blueprint, identifier, signal);
      return entity ? { items: { kind: blueprint, items: [entity] } } : { gone: { kind: blueprint, identifiers: [identifier] } };
    },
  };
}
