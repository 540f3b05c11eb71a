// incident.io as the engine's target: one catalog type whose entries are keyed by external id (the Port
// identifier). The API has no lookup by many external ids, so the type's entries are listed once per run
// into an index that our own writes keep current. Creates go one by one (there is no bulk create), updates
// through bulk_update (≤ 100, atomic, `rank` always sent since an omitted one is reset), deletes archive.
// Only attributes the mapping writes are ever touched (`update_attributes`); entries whose external id
// is not in this sync's namespace (made by hand, or by another tool) are never updated or deleted.
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError } from 'ky';
import type { Entity, OwnedEntity } from '../engine/entity';
import { forEachLimit } from '../engine/syncPage';
import type { DeleteOptions, DeleteResult, ItemFailure, Target, UpsertOptions, UpsertResult } from '../engine/target';
import { itemErrorMessage } from '../http/errors';
import { ALIASES_KEY, RANK_KEY, attributeProblem, resolveAttributes, schemaWithAdded, type AttributeResolution } from './attributes';
import { INCIDENT_IO_API, MAX_BULK_UPDATE, type IncidentIoClient } from './client';
import { fromEntry, toCanonical, toValues, type ExternalIds } from './entries';
import type { CatalogAttribute, CatalogEntry, CatalogType, PartialEntryPayload } from './schemas';

/** incident.io's limit of entries per catalog type (the create route says so). */
export const MAX_ENTRIES_PER_TYPE = 50_000;
/** Deletes in flight at once (one request each, like catalog-importer's pool); the limiter paces them. */
const DELETE_CONCURRENCY = 10;
const OWNED_PAGE = 1000;

export interface IncidentIoTargetOptions {
  client: IncidentIoClient;
  integration: string;
  typeId: string;
  externalIds: ExternalIds;
  /** Every property and relation key the mapping writes: attribute names (or ids), `$aliases`, `$rank`. */
  mappedKeys: string[];
  /** Add mapped attributes the type lacks (String) instead of failing the run. */
  addMissingAttributes: boolean;
  maxEntries?: number;
}

interface Schema {
  type: CatalogType;
  resolution: AttributeResolution;
  byId: Map<string, CatalogAttribute>;
  /** Ids of the attributes the mapping writes: the only ones an update touches. */
  owned: string[];
  loadedAt: number;
}

interface Index {
  byExternalId: Map<string, CatalogEntry>;
  /** Live entries without an external id of ours: counted against the type's limit, never touched. */
  others: number;
  loadedAt: number;
}

export class IncidentIoTarget implements Target {
  readonly api = INCIDENT_IO_API;
  readonly maxBatch = MAX_BULK_UPDATE;
  private readonly maxEntries: number;
  private schema?: Promise<Schema>;
  private index?: Promise<Index>;
  /** State loaded before the current run started is stale: someone may have edited the type since. */
  private runStartedAt = 0;
  private attributeNames = new Map<string, string>();

  constructor(private readonly options: IncidentIoTargetOptions) {
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES_PER_TYPE;
  }

  /** Dry-run plans name attributes, not their ids; the title is the entry's name. */
  fieldName(key: string): string {
    if (key === 'title') return 'name';
    if (key === ALIASES_KEY || key === RANK_KEY) return key.slice(1);
    return this.attributeNames.get(key) ?? key;
  }

  beginRun(startedAt: string): void {
    this.runStartedAt = Math.max(this.runStartedAt, Date.parse(startedAt) || 0);
  }

  async normalize(entities: Entity[], signal: AbortSignal): Promise<Entity[]> {
    const { resolution } = await this.loadSchema(signal);
    return entities.map((e) => toCanonical(e, resolution.byKey));
  }

  async getMany(blueprint: string, identifiers: string[], signal: AbortSignal): Promise<Map<string, Entity>> {
    const { byExternalId } = await this.loadIndex(signal);
    const found = new Map<string, Entity>();
    for (const id of identifiers) {
      const entry = byExternalId.get(this.options.externalIds.of(blueprint, id));
      if (entry) found.set(id, fromEntry(entry, blueprint, id));
    }
    return found;
  }

  async upsert(blueprint: string, entities: Entity[], opts: UpsertOptions): Promise<UpsertResult> {
    const schema = await this.loadSchema(opts.signal);
    const index = await this.loadIndex(opts.signal);
    const result: UpsertResult = { written: [], failed: [] };
    const updates: { entity: Entity; entry: CatalogEntry }[] = [];
    for (const entity of entities) {
      if (!entity.title) {
        result.failed.push({ identifier: entity.identifier, message: 'no name (the mapped title is empty): incident.io requires one; its entry is kept as it is' });
        continue;
      }
      const externalId = this.options.externalIds.of(blueprint, entity.identifier);
      const entry = index.byExternalId.get(externalId);
      if (entry) {
        updates.push({ entity, entry });
        continue;
      }
      try {
        const created = await this.options.client.createEntry(
          {
            catalog_type_id: this.options.typeId,
            name: entity.title,
            external_id: externalId,
            attribute_values: toValues(entity.properties, schema.byId),
            ...fieldsOf(entity),
          },
          opts.signal,
        );
        index.byExternalId.set(externalId, created);
        result.written.push(entity.identifier);
      } catch (err) {
        result.failed.push(await itemFailure(entity.identifier, err));
      }
    }
    if (updates.length > 0) await this.update(updates, schema, result, opts.signal);
    return result;
  }

  /** One atomic bulk update; when incident.io refuses it, each entry alone, so one bad item is named and the rest land. */
  private async update(updates: { entity: Entity; entry: CatalogEntry }[], schema: Schema, result: UpsertResult, signal: AbortSignal) {
    const payload = (u: (typeof updates)[number]): PartialEntryPayload => ({
      entry_id: u.entry.id,
      name: u.entity.title!,
      attribute_values: toValues(u.entity.properties, schema.byId),
      rank: u.entry.rank,
      ...fieldsOf(u.entity),
    });
    const payloads = updates.map(payload);
    try {
      await this.options.client.bulkUpdate(this.options.typeId, payloads, schema.owned, signal);
      updates.forEach((u, i) => this.remember(u.entry, payloads[i]!, schema));
      result.written.push(...updates.map((u) => u.entity.identifier));
      return;
    } catch (err) {
      if (!(err instanceof HTTPError) || err.response.status !== 422) throw err;
    }
    for (const [i, u] of updates.entries()) {
      const { entry_id: id, ...body } = payloads[i]!;
      try {
        const updated = await this.options.client.updateEntry(id, { ...body, name: u.entity.title! }, schema.owned, signal);
        this.rememberEntry(updated);
        result.written.push(u.entity.identifier);
      } catch (err) {
        if (!isItemError(err)) throw err;
        result.failed.push(await itemFailure(u.entity.identifier, err));
      }
    }
  }

  /** An event between runs: the index (kept current by our writes) learns these entries' state now. */
  async reload(blueprint: string, identifiers: string[], signal: AbortSignal): Promise<void> {
    // With no index yet, these entries start one: an event need not list the whole type. It counts as
    // loaded before any run, so the next run lists the type in full.
    this.index ??= Promise.resolve({ byExternalId: new Map(), others: 0, loadedAt: 0 });
    const { byExternalId } = await this.loadIndex(signal);
    for (const id of identifiers) {
      const externalId = this.options.externalIds.of(blueprint, id);
      const entry = await this.options.client.findEntry(this.options.typeId, externalId, signal);
      if (entry) byExternalId.set(externalId, entry);
      else byExternalId.delete(externalId);
    }
  }

  /** Every identifier with a live entry: its external id is in this sync's namespace, so it is ours. */
  async ownedAmong(blueprint: string, identifiers: string[], signal: AbortSignal): Promise<string[]> {
    const { byExternalId } = await this.loadIndex(signal);
    return identifiers.filter((id) => byExternalId.has(this.options.externalIds.of(blueprint, id)));
  }

  async *listOwned(blueprint: string, signal: AbortSignal): AsyncIterable<OwnedEntity[]> {
    const { byExternalId } = await this.loadIndex(signal);
    let page: OwnedEntity[] = [];
    for (const [externalId, entry] of byExternalId) {
      const ours = this.options.externalIds.parse(externalId);
      if (!ours || ours.blueprint !== blueprint) continue;
      page.push({ identifier: ours.identifier, blueprint, updatedAt: entry.updated_at, relations: {} });
      if (page.length >= OWNED_PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async delete(blueprint: string, identifiers: string[], opts: DeleteOptions): Promise<DeleteResult> {
    const { byExternalId } = await this.loadIndex(opts.signal);
    const result: DeleteResult = { deleted: [], failed: [], keptWrittenDuringRun: [] };
    const keepSince = opts.keepWrittenSince ? Date.parse(opts.keepWrittenSince) : undefined;
    await forEachLimit(identifiers, DELETE_CONCURRENCY, async (identifier) => {
      const externalId = this.options.externalIds.of(blueprint, identifier);
      try {
        let entry = byExternalId.get(externalId);
        if (keepSince !== undefined) {
          // Reconcile planned this from the index read when the run began: an entry edited since is fresh.
          entry = await this.options.client.findEntry(this.options.typeId, externalId, opts.signal);
          if (entry && Date.parse(entry.updated_at) >= keepSince) {
            this.rememberEntry(entry);
            result.keptWrittenDuringRun!.push(identifier);
            return;
          }
        }
        if (entry) await this.options.client.deleteEntry(entry.id, opts.signal);
        byExternalId.delete(externalId);
        result.deleted.push(identifier);
      } catch (err) {
        if (!isItemError(err)) throw err;
        result.failed.push(await itemFailure(identifier, err));
      }
    });
    return result;
  }

  /**
   * Before the first write of a run: the type must take every mapped attribute (or they are added, with
   * the whole schema kept), and the entries the run will create must fit the type's limit.
   * `produced` counts the distinct entities the source maps to, per blueprint.
   */
  async prepare(produced: Map<string, Set<string>>, signal: AbortSignal): Promise<string[]> {
    // A run starts here: read the type afresh (the run's chunks reuse what this reads).
    this.schema = undefined;
    this.index = undefined;
    let schema = await this.loadSchema(signal);
    const changes: string[] = [];
    if (schema.resolution.missing.length > 0) {
      const missing = schema.resolution.missing;
      await this.options.client.updateSchema(schema.type.id, schema.type.schema.version, schemaWithAdded(schema.type.schema.attributes, missing), signal);
      changes.push(`incident.io catalog type "${schema.type.name}": added attribute ${missing.map((m) => `"${m}"`).join(', ')}`);
      this.schema = undefined;
      schema = await this.loadSchema(signal);
    }
    const index = await this.loadIndex(signal);
    let creates = 0;
    let total = 0;
    for (const [blueprint, identifiers] of produced) {
      total += identifiers.size;
      for (const id of identifiers) if (!index.byExternalId.has(this.options.externalIds.of(blueprint, id))) creates += 1;
    }
    const live = index.byExternalId.size + index.others;
    if (live + creates > this.maxEntries) {
      const n = (x: number) => x.toLocaleString('en-US');
      throw ApplicationFailure.nonRetryable(
        `integration "${this.options.integration}": the sync would need ${n(live + creates)} entries in incident.io catalog type "${schema.type.name}", ` +
          `${n(live + creates - this.maxEntries)} more than its limit of ${n(this.maxEntries)} ` +
          `(${n(total)} from Port, ${n(creates)} of them new; ${n(live)} there now, ${n(index.others)} not made by this sync); nothing was written`,
        'TooManyEntries',
      );
    }
    return changes;
  }

  private loadSchema(signal: AbortSignal): Promise<Schema> {
    if (!this.schema) {
      this.schema = (async () => {
        const type = await this.options.client.getType(this.options.typeId, signal);
        const resolution = resolveAttributes(this.options.mappedKeys, type.schema.attributes);
        const problem = attributeProblem(this.options.integration, type.name, resolution, this.options.addMissingAttributes);
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidMapping');
        const byId = new Map(type.schema.attributes.map((a) => [a.id, a]));
        const owned = [...new Set([...resolution.byKey.values()].map((a) => a.id))];
        this.attributeNames = new Map(type.schema.attributes.map((a) => [a.id, a.name]));
        return { type, resolution, byId, owned, loadedAt: Date.now() };
      })();
      this.schema.catch(() => (this.schema = undefined));
    }
    return this.schema.then((s) => (s.loadedAt < this.runStartedAt ? ((this.schema = undefined), this.loadSchema(signal)) : s));
  }

  private loadIndex(signal: AbortSignal): Promise<Index> {
    if (!this.index) {
      this.index = (async () => {
        const loadedAt = Date.now();
        const byExternalId = new Map<string, CatalogEntry>();
        let others = 0;
        for await (const page of this.options.client.listEntries(this.options.typeId, signal)) {
          for (const entry of page) {
            if (entry.archived_at) continue;
            if (this.options.externalIds.parse(entry.external_id)) byExternalId.set(entry.external_id!, entry);
            else others += 1;
          }
        }
        return { byExternalId, others, loadedAt };
      })();
      this.index.catch(() => (this.index = undefined));
    }
    return this.index.then((i) => (i.loadedAt < this.runStartedAt ? ((this.index = undefined), this.loadIndex(signal)) : i));
  }

  /** Keeps the index current after a bulk update, so this run's later diffs and deletes see it. */
  private remember(entry: CatalogEntry, sent: PartialEntryPayload, schema: Schema) {
    const values = { ...entry.attribute_values };
    for (const id of schema.owned) delete values[id];
    Object.assign(values, sent.attribute_values);
    this.rememberEntry({
      ...entry,
      name: sent.name ?? entry.name,
      aliases: sent.aliases ?? entry.aliases,
      rank: sent.rank ?? entry.rank,
      attribute_values: values,
      updated_at: new Date().toISOString(),
    });
  }

  private rememberEntry(entry: CatalogEntry) {
    void this.index?.then((i) => i.byExternalId.set(entry.external_id!, entry));
  }
}

/** Aliases and rank, when the mapping sets them; otherwise incident.io keeps its own. */
function fieldsOf(entity: Entity): { aliases?: string[]; rank?: number } {
  const out: { aliases?: string[]; rank?: number } = {};
  if (ALIASES_KEY in entity.properties) out.aliases = (entity.properties[ALIASES_KEY] as string[] | null) ?? [];
  if (RANK_KEY in entity.properties) out.rank = (entity.properties[RANK_KEY] as number | null) ?? 0;
  return out;
}

/** A refusal of this one item (422, 404): reported with the API's message; anything else fails the attempt. */
function isItemError(err: unknown): err is HTTPError {
  return err instanceof HTTPError && [400, 404, 409, 422].includes(err.response.status);
}

async function itemFailure(identifier: string, err: unknown): Promise<ItemFailure> {
  if (!isItemError(err)) throw err;
  return { identifier, message: await itemErrorMessage(err) };
}
