// Where a sync writes: Port here, incident.io in a later issue, the demo catalog in tests. The engine
// (diff, reconcile) only ever talks to this interface, so a dry run swaps out the writes and nothing else.
import type { Entity, OwnedEntity } from './entity';

export interface DiffedFields {
  properties: string[];
  relations: string[];
}

export interface UpsertOptions {
  /** Create relation targets that do not exist yet (Port: create_missing_related_entities). */
  createMissingRelatedEntities: boolean;
  /** Update the fields sent and keep the others (Port: merge=true); false replaces the entity. */
  merge: boolean;
  signal: AbortSignal;
}

export interface ItemFailure {
  identifier: string;
  /** The target's own message, e.g. Port's 422 text for that entity. */
  message: string;
}

export interface UpsertResult {
  written: string[];
  failed: ItemFailure[];
}

export interface DeleteOptions {
  deleteDependents: boolean;
  signal: AbortSignal;
  /**
   * Reconcile: the run's start. A target that plans deletes from state read earlier (incident.io's index)
   * re-reads each entity first and keeps one written since (`keptWrittenDuringRun`).
   */
  keepWrittenSince?: string;
}

export interface DeleteResult {
  deleted: string[];
  /** Entities the target refused to delete (e.g. others depend on them); they are kept. */
  failed: ItemFailure[];
  /** Entities found written since the run started when about to be deleted: fresh, so kept. */
  keptWrittenDuringRun?: string[];
}

export interface Target {
  /** The API whose budget these calls count against (a task queue name part, e.g. "port"). */
  readonly api: string;
  /** Largest number of entities one upsert call takes (Port's bulk route: 20). */
  readonly maxBatch: number;
  /**
   * The current state of these entities, for diffing; identifiers the target lacks are absent. `fields`:
   * the properties and relations the mapping sets, all the diff compares (a target may read only those).
   */
  getMany(blueprint: string, identifiers: string[], signal: AbortSignal, fields?: DiffedFields): Promise<Map<string, Entity>>;
  upsert(blueprint: string, entities: Entity[], opts: UpsertOptions): Promise<UpsertResult>;
  /** Every entity of the blueprint this integration instance owns, page by page. */
  listOwned(blueprint: string, signal: AbortSignal): AsyncIterable<OwnedEntity[]>;
  /**
   * How many entities the blueprint holds, whoever wrote them. When that equals what the run produced
   * there, nothing else is left to delete and reconcile need not list the blueprint.
   */
  count?(blueprint: string, signal: AbortSignal): Promise<number>;
  delete(blueprint: string, identifiers: string[], opts: DeleteOptions): Promise<DeleteResult>;
  /**
   * Mapped entities in the form getMany returns them, when the target stores values differently from
   * how mapping produces them (incident.io: attribute ids, string literals), so the diff compares like with like.
   */
  normalize?(entities: Entity[], signal: AbortSignal): Promise<Entity[]>;
  /** What the target cached before this time (its run's start) is stale. */
  beginRun?(startedAt: string): void;
  /** A normalized property key as a person knows it (incident.io: attribute id -> its name), for plans. */
  fieldName?(key: string): string;
  /** Re-reads these entities into whatever the target caches (a webhook event between runs). */
  reload?(blueprint: string, identifiers: string[], signal: AbortSignal): Promise<void>;
  /** Which of these identifiers name entities this integration owns; without it, events delete nothing. */
  ownedAmong?(blueprint: string, identifiers: string[], signal: AbortSignal): Promise<string[]>;
}
