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
  /**
   * Cursors of the pages after `next`, in order, when the source can name them now (offset or
   * page-number pagination with a known total). The engine then reads several pages at once.
   */
  ahead?: string[];
}

/** Part of a source, e.g. `{ app: "shop", env: "dev" }`: what a targeted refresh (a webhook) re-reads. */
export type SourceScope = Record<string, string>;

/** What a scoped run covers: the kinds it fetches (within the scope) and where it may delete. */
export interface ScopePlan {
  /** Kinds fetched under this scope, a subset of `kinds()`; org-wide kinds are left out. */
  kinds: string[];
  /** Deletes only touch identifiers that start with this (e.g. "shop/dev/"); none when undefined. */
  identifierPrefix?: string;
}

/** What applying one webhook event asks of the engine. */
export interface EventOutcome {
  /** Re-read this part of the source with a scoped resync (Humanitec deployments). */
  refresh?: SourceScope;
  /** Source items, as the source gives them now, to map and write at once (a changed Port entity). */
  items?: { kind: string; items: unknown[] };
  /** Identifiers of a kind gone from the source: their entities go too, where this integration owns them. */
  gone?: { kind: string; identifiers: string[] };
}

export interface Connector {
  /** The API whose budget (task queue) this connector's activities run under. */
  readonly api: string;
  /**
   * Every kind, in dependency order (relation targets first); undefined when any kind the mapping names
   * is one (Port as a source: a kind is a blueprint).
   */
  kinds(): string[] | undefined;
  /** The mapping used when the integration names none (a port-app-config YAML file). */
  readonly defaultMapping: string;
  /** Blueprints of the default mapping, created in Port when missing. */
  readonly blueprints: BlueprintBody[];
  /**
   * One page of a kind; `scope`, when given, limits it to that part of the source. `run` names the sync
   * run (the same across its activities, retries and continue-as-new): reads one kind hands over to a
   * later kind stay within their run, so a webhook's refresh never takes what an earlier run read.
   * `urgent`: other kinds of the run wait for this one; a connector may serve its requests first.
   */
  fetchPage(kind: string, cursor: string | undefined, signal: AbortSignal, scope?: SourceScope, run?: string, urgent?: boolean): Promise<Page>;
  /**
   * Earlier kinds whose reads a kind takes over (Humanitec: resourceGraph takes environment's env lists):
   * it runs after them even where its blueprints do not relate to theirs.
   */
  readonly readsAfter?: Record<string, string[]>;
  /** Which kinds a scoped run fetches and where it may delete; throws for a scope the connector does not know. */
  planScope?(scope: SourceScope): ScopePlan;
  /**
   * Applies one webhook event; must be idempotent (a redelivery applies the same state again). It may
   * instead ask for a targeted refresh, which the object's event workflow runs as a scoped resync.
   */
  applyEvent(event: EventRef, signal: AbortSignal): Promise<EventOutcome | void>;
}
