// What a connector is to the engine: the kinds it syncs, how to page through one kind, where the
// items go, and how it applies one webhook event. Connectors hold all the I/O; workflows only see
// cursors and counts.
import type { EventRef } from '../workflows/definitions';

export interface SourceItem {
  identifier: string;
  [field: string]: unknown;
}

export interface Page {
  items: SourceItem[];
  /** Opaque cursor of the next page; absent on the last page. */
  next?: string;
}

export interface WriteResult {
  written: number;
  unchanged: number;
  failed: number;
}

export interface Connector {
  /** The API whose budget (task queue) this connector's activities run under. */
  readonly api: string;
  /** Every kind, in dependency order (relation targets first). */
  kinds(): string[];
  fetchPage(kind: string, cursor: string | undefined, signal: AbortSignal): Promise<Page>;
  writeItems(kind: string, items: SourceItem[], opts: { dryRun: boolean; signal: AbortSignal }): Promise<WriteResult>;
  /** Applies one webhook event; must be idempotent (a redelivery applies the same state again). */
  applyEvent(event: EventRef, signal: AbortSignal): Promise<void>;
}
