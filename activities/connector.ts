// What a source connector is to the engine: the kinds it syncs, in dependency order, and how to page
// through one kind. Items come back raw, as the API gives them; the integration's mapping (JQ, Port's
// port-app-config format) turns them into entities and a target stores them. A connector that takes
// webhooks also applies one event. Connectors hold all the I/O; workflows only see cursors and counts.
import type { EventRef } from '../workflows/definitions';
import type { BlueprintBody } from './port/schemas';

export interface Page {
  /** Raw items of the source API. */
  items: unknown[];
  /** Opaque cursor of the next page; absent on the last page. */
  next?: string;
}

export interface Connector {
  /** The API whose budget (task queue) this connector's activities run under. */
  readonly api: string;
  /** Every kind, in dependency order (relation targets first). */
  kinds(): string[];
  /** The mapping used when the integration names none (a port-app-config YAML file). */
  readonly defaultMapping: string;
  /** Blueprints of the default mapping, created in Port when missing. */
  readonly blueprints: BlueprintBody[];
  fetchPage(kind: string, cursor: string | undefined, signal: AbortSignal): Promise<Page>;
  /** Applies one webhook event; must be idempotent (a redelivery applies the same state again). */
  applyEvent(event: EventRef, signal: AbortSignal): Promise<void>;
}
