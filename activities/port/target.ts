// Port as the engine's sync target (activities/engine/target.ts): reads for diffing by identifier,
// bulk upserts, the entities this integration instance owns (ownership.ts), and deletes.
import { redactSecrets } from '../../worker/logger';
import type { Entity, OwnedEntity, RelationValue } from '../engine/entity';
import type { DeleteOptions, DeleteResult, DiffedFields, Target, UpsertOptions, UpsertResult } from '../engine/target';
import { deleteEntities } from './bulkDelete';
import { MAX_BULK_ENTITIES, upsertEntities, type ItemFailure } from './bulkUpsert';
import type { PortClient } from './client';
import { ownedRule } from './ownership';
import type { EntityBody, PortEntity } from './schemas';

/** Port's page limit for searches. */
const SEARCH_PAGE = 1000;
/** Meta-properties the diff never reads: left out of its reads (about half of each entity's JSON). */
const NOT_DIFFED = ['$createdAt', '$createdBy', '$updatedAt', '$updatedBy'];
/** The team of an owned entity, kept among its relations for reconcile (not a key Port's relations can have). */
export const TEAM_RELATION = '$team';
/** Meta-properties the diff compares. */
const DIFFED_META = ['$identifier', '$title', '$icon', '$team'];

export interface PortTargetOptions {
  /** Its User-Agent marks what this integration instance writes, and so what it owns. */
  client: PortClient;
  /**
   * Also treat entities no integration wrote (no `port-sync/`, `port-ocean/` or `port-k8s-exporter`
   * in `$datasource`: made by hand or by the old seed scripts) as this instance's, so they are
   * reconciled (and deleted when stale) from now on. Default false. See docs/ownership.md.
   */
  adoptExisting?: boolean;
  /**
   * Leave out of what this instance owns any entity that a writer whose User-Agent contains one of these
   * also wrote (`$datasource doesNotContains`): a CI writer's prune never takes what an integration shares.
   */
  notSharedWith?: string[];
}

export class PortTarget implements Target {
  readonly api = 'port';
  readonly maxBatch = MAX_BULK_ENTITIES;
  private readonly client: PortClient;
  /** Each blueprint's relation ids, and when they were read: a run reads them afresh (beginRun). */
  private readonly relationIds = new Map<string, { readAt: number; ids: Promise<string[]> }>();
  private runStartedAt = 0;

  constructor(private readonly options: PortTargetOptions) {
    this.client = options.client;
  }

  async getMany(blueprint: string, identifiers: string[], signal: AbortSignal, fields?: DiffedFields): Promise<Map<string, Entity>> {
    const found = new Map<string, Entity>();
    // Only what the diff compares, as Ocean does: Port leaves out the blueprint's other properties
    // (calculation, mirror, aggregation, scorecards), which can be most of an entity.
    const select = fields ? { include: [...DIFFED_META, ...fields.properties, ...fields.relations] } : { exclude: NOT_DIFFED };
    for (let i = 0; i < identifiers.length; i += SEARCH_PAGE) {
      const chunk = identifiers.slice(i, i + SEARCH_PAGE);
      const rules = [{ property: '$identifier', operator: 'in', value: chunk }];
      for await (const page of this.client.search(blueprint, rules, { ...select, limit: SEARCH_PAGE, signal })) {
        for (const e of page) found.set(e.identifier, toEntity(blueprint, e));
      }
    }
    return found;
  }

  async upsert(blueprint: string, entities: Entity[], opts: UpsertOptions): Promise<UpsertResult> {
    const outcome = await upsertEntities(this.client, blueprint, entities.map(toBody), {
      merge: opts.merge,
      createMissingRelatedEntities: opts.createMissingRelatedEntities,
      signal: opts.signal,
    });
    return { written: outcome.written, failed: outcome.failed.map(redacted) };
  }

  async *listOwned(blueprint: string, signal: AbortSignal): AsyncIterable<OwnedEntity[]> {
    // Only what reconcile needs: identifier, updatedAt and relation values (by the relations' ids), and
    // the team, Port's relation to `_team`, so a team a kept entity names is kept too.
    const include = ['$identifier', '$updatedAt', '$team', ...(await this.relationsOf(blueprint, signal))];
    const rules = [
      ownedRule(this.client.ownerMark, this.options.adoptExisting ?? false),
      ...(this.options.notSharedWith ?? []).map((mark) => ({ property: '$datasource', operator: 'doesNotContains', value: mark })),
    ];
    for await (const page of this.client.search(blueprint, rules, { include, limit: SEARCH_PAGE, signal })) {
      yield page.map((e) => ({
        identifier: e.identifier,
        blueprint,
        // Asked for, so always there; were it missing, the entity counts as just written: kept.
        updatedAt: e.updatedAt ?? new Date().toISOString(),
        relations: e.team == null || e.team.length === 0 ? toRelations(e.relations) : { ...toRelations(e.relations), [TEAM_RELATION]: e.team },
      }));
    }
  }

  count(blueprint: string, signal: AbortSignal): Promise<number> {
    return this.client.countEntities(blueprint, signal);
  }

  async delete(blueprint: string, identifiers: string[], opts: DeleteOptions): Promise<DeleteResult> {
    const outcome = await deleteEntities(this.client, blueprint, identifiers, opts);
    return { deleted: outcome.deleted, failed: outcome.failed.map(redacted) };
  }

  /** A relation added to a blueprint since an earlier run read it (in Port's UI, or by prepareTarget) is seen. */
  beginRun(startedAt: string): void {
    this.runStartedAt = Math.max(this.runStartedAt, Date.parse(startedAt) || 0);
  }

  private relationsOf(blueprint: string, signal: AbortSignal): Promise<string[]> {
    const cached = this.relationIds.get(blueprint);
    if (cached && cached.readAt >= this.runStartedAt) return cached.ids;
    const ids = this.client.getBlueprint(blueprint, signal).then((bp) => Object.keys(bp?.relations ?? {}));
    const entry = { readAt: Date.now(), ids };
    ids.catch(() => this.relationIds.get(blueprint) === entry && this.relationIds.delete(blueprint));
    this.relationIds.set(blueprint, entry);
    return ids;
  }
}

function toBody(e: Entity): EntityBody {
  const body: EntityBody = { identifier: e.identifier, properties: e.properties, relations: e.relations };
  if (e.title !== undefined) body.title = e.title;
  if (e.icon !== undefined) body.icon = e.icon;
  if (e.team !== undefined) body.team = e.team;
  return body;
}

/** An entity as Port answers it, in the engine's shape (unset title, icon and team left out). */
export function toEntity(blueprint: string, e: PortEntity): Entity {
  const entity: Entity = { identifier: e.identifier, blueprint, properties: e.properties ?? {}, relations: toRelations(e.relations) };
  if (e.title != null) entity.title = e.title;
  if (e.icon != null) entity.icon = e.icon;
  if (e.team != null) entity.team = e.team;
  return entity;
}

function toRelations(relations: PortEntity['relations']): Record<string, RelationValue> {
  return { ...relations };
}

// Port's messages can echo what was sent; registered secrets never reach a workflow's history.
const redacted = (f: ItemFailure): ItemFailure => ({ identifier: f.identifier, message: redactSecrets(f.message) });
