// The simulated organisation's catalog: blueprints and their entities, with Port's write semantics
// (upsert, merge, create_missing_related_entities, delete_dependents). Everything is keyed in Maps
// and the reverse relation index keeps "who depends on this entity" O(1), so a 50k-entity run stays
// fast. Writes are all-or-nothing per entity: nothing is stored until every check has passed.
import { checkBlueprintBody, checkEntityBody, checkEntityIdentifier, checkRequired, checkRequiredDeclared } from './validate';
import { invalid, notFound, PortError, type Blueprint, type BlueprintBody, type EntityBody, type RelationValue, type SimEntity } from './types';

export interface WriteOptions {
  /** Replace or merge into an existing entity; false makes an existing identifier a 409. */
  upsert: boolean;
  /** With an existing entity: change only the fields sent (null clears); otherwise replace it. */
  merge: boolean;
  createMissingRelatedEntities: boolean;
  /** Who writes (createdBy/updatedBy) and with which User-Agent ($datasource). */
  actor: string;
  userAgent?: string;
}

const key = (blueprint: string, identifier: string) => `${blueprint}\u0000${identifier}`;
const now = () => new Date().toISOString();
const clone = <T>(v: T): T => structuredClone(v);

export class Store {
  readonly blueprints = new Map<string, Blueprint>();
  private readonly byBlueprint = new Map<string, Map<string, SimEntity>>();
  /** Entity key -> keys of the entities relating to it, with how many relation values point there. */
  private readonly dependents = new Map<string, Map<string, number>>();
  /** Identifiers per blueprint in search order; dropped when an entity is created or deleted. */
  private readonly sorted = new Map<string, string[]>();

  // --- blueprints -------------------------------------------------------------------------------

  blueprint(id: string): Blueprint {
    const bp = this.blueprints.get(id);
    if (!bp) throw notFound(`Blueprint with identifier "${id}" was not found`);
    return bp;
  }

  createBlueprint(body: unknown, actor: string): Blueprint {
    checkBlueprintBody(body);
    if (this.blueprints.has(body.identifier)) throw new PortError(409, 'identifier_taken', `A blueprint with identifier "${body.identifier}" already exists`);
    return this.saveBlueprint(body, actor, undefined);
  }

  replaceBlueprint(id: string, body: unknown, actor: string): Blueprint {
    const current = this.blueprint(id);
    checkBlueprintBody(body);
    if (body.identifier !== id) throw invalid(`identifier "${body.identifier}" does not match the blueprint "${id}" in the path`);
    return this.saveBlueprint(body, actor, current);
  }

  /**
   * PATCH: top-level fields sent replace the stored ones; schema.properties, relations and the other
   * property maps merge by key (a key sent replaces that property whole). Nothing is removed by PATCH.
   */
  patchBlueprint(id: string, patch: unknown, actor: string): Blueprint {
    const current = this.blueprint(id);
    checkBlueprintBody(patch, true);
    if (patch.identifier !== undefined && patch.identifier !== id) throw invalid('renaming a blueprint is not simulated');
    const merged: BlueprintBody = { ...stripMeta(current), ...patch, identifier: id };
    merged.schema = {
      ...current.schema,
      ...patch.schema,
      properties: { ...current.schema.properties, ...patch.schema?.properties },
    };
    for (const map of ['relations', 'mirrorProperties', 'calculationProperties', 'aggregationProperties'] as const) {
      if (patch[map] !== undefined) merged[map] = { ...(current[map] as object | undefined), ...patch[map] } as never;
    }
    return this.saveBlueprint(merged, actor, current);
  }

  private saveBlueprint(body: BlueprintBody, actor: string, current: Blueprint | undefined): Blueprint {
    checkRequiredDeclared(body);
    for (const [id, rel] of Object.entries(body.relations ?? {})) {
      if (rel.target !== body.identifier && !this.blueprints.has(rel.target)) {
        throw notFound(`relations/${id}: target blueprint "${rel.target}" was not found`);
      }
    }
    const at = now();
    const bp: Blueprint = {
      ...clone(body),
      relations: clone(body.relations ?? {}),
      createdAt: current?.createdAt ?? at,
      createdBy: current?.createdBy ?? actor,
      updatedAt: at,
      updatedBy: actor,
    };
    this.blueprints.set(bp.identifier, bp);
    if (!this.byBlueprint.has(bp.identifier)) this.byBlueprint.set(bp.identifier, new Map());
    return bp;
  }

  /** Port refuses to delete a blueprint that still has entities or that others relate to. */
  deleteBlueprint(id: string) {
    this.blueprint(id);
    if ((this.byBlueprint.get(id)?.size ?? 0) > 0) throw invalid(`Blueprint "${id}" has entities; delete them first`);
    for (const other of this.blueprints.values()) {
      if (other.identifier === id) continue;
      for (const [rel, schema] of Object.entries(other.relations)) {
        if (schema.target === id) throw invalid(`Blueprint "${id}" is the target of relation "${rel}" of blueprint "${other.identifier}"`);
      }
    }
    this.blueprints.delete(id);
    this.byBlueprint.delete(id);
    this.sorted.delete(id);
  }

  // --- entities ---------------------------------------------------------------------------------

  entities(blueprint: string): Map<string, SimEntity> {
    this.blueprint(blueprint);
    return this.byBlueprint.get(blueprint)!;
  }

  entity(blueprint: string, identifier: string): SimEntity | undefined {
    return this.byBlueprint.get(blueprint)?.get(identifier);
  }

  /** Identifiers of a blueprint in a stable order (by identifier), cached until one is created or deleted. */
  sortedIdentifiers(blueprint: string): string[] {
    let ids = this.sorted.get(blueprint);
    if (!ids) {
      ids = [...this.entities(blueprint).keys()].sort();
      this.sorted.set(blueprint, ids);
    }
    return ids;
  }

  /** POST .../entities (and each item of .../entities/bulk). */
  upsertEntity(blueprint: string, body: unknown, opts: WriteOptions): { entity: SimEntity; created: boolean } {
    const bp = this.blueprint(blueprint);
    checkEntityBody(body, bp);
    const identifier = checkEntityIdentifier(body.identifier);
    const existing = this.entity(blueprint, identifier);
    if (existing && !opts.upsert) {
      throw new PortError(409, 'identifier_taken', `Entity with identifier "${identifier}" already exists in blueprint "${blueprint}"`);
    }
    return this.write(bp, identifier, body, existing, existing !== undefined && opts.merge, opts);
  }

  /** PATCH .../entities/:id: a merge into an entity that must exist. */
  patchEntity(blueprint: string, identifier: string, body: unknown, opts: WriteOptions): SimEntity {
    const bp = this.blueprint(blueprint);
    checkEntityBody(body, bp);
    const existing = this.entity(blueprint, identifier);
    if (!existing) throw notFound(`Entity with identifier "${identifier}" was not found in blueprint "${blueprint}"`);
    if (body.identifier !== undefined && body.identifier !== identifier) throw invalid('renaming an entity is not simulated');
    return this.write(bp, identifier, body, existing, true, opts).entity;
  }

  /** PUT .../entities/:id: replaces an entity that must exist. */
  replaceEntity(blueprint: string, identifier: string, body: unknown, opts: WriteOptions): SimEntity {
    const bp = this.blueprint(blueprint);
    checkEntityBody(body, bp);
    const existing = this.entity(blueprint, identifier);
    if (!existing) throw notFound(`Entity with identifier "${identifier}" was not found in blueprint "${blueprint}"`);
    if (body.identifier !== undefined && body.identifier !== identifier) throw invalid('renaming an entity is not simulated');
    return this.write(bp, identifier, body, existing, false, opts).entity;
  }

  private write(bp: Blueprint, identifier: string, body: EntityBody, existing: SimEntity | undefined, merge: boolean, opts: WriteOptions) {
    const base = merge && existing ? existing : undefined;
    const properties = mergeMap(base?.properties, body.properties as Record<string, unknown> | undefined);
    const relations = mergeMap(base?.relations, body.relations as Record<string, RelationValue | null> | undefined);
    const pick = <T>(sent: unknown, kept: T | undefined): T | undefined => (sent === undefined ? kept : ((sent ?? undefined) as T | undefined));
    const title = pick<string>(body.title, base?.title);
    const icon = pick<string>(body.icon, base?.icon);
    const team = body.team === undefined ? (base?.team ?? []) : body.team === null ? [] : ([] as string[]).concat(body.team as string | string[]);
    checkRequired(bp, properties, relations);

    // Relation targets must exist, unless the request asks Port to create the missing ones.
    const missing: Array<[string, string]> = [];
    for (const [rel, value] of Object.entries(relations)) {
      const target = bp.relations[rel]!.target;
      for (const id of ([] as string[]).concat(value)) {
        const self = target === bp.identifier && id === identifier;
        if (self || this.entity(target, id)) continue;
        if (!opts.createMissingRelatedEntities) {
          throw notFound(`The related entity "${id}" (relation "${rel}", blueprint "${target}") was not found`);
        }
        if (!missing.some(([b, i]) => b === target && i === id)) missing.push([target, id]);
      }
    }

    const at = now();
    for (const [target, id] of missing) this.store(this.fresh(target, id, opts, at), undefined);
    const entity: SimEntity = {
      identifier,
      blueprint: bp.identifier,
      ...(title !== undefined ? { title } : {}),
      ...(icon !== undefined ? { icon } : {}),
      team,
      properties,
      relations,
      createdAt: existing?.createdAt ?? at,
      createdBy: existing?.createdBy ?? opts.actor,
      updatedAt: at,
      updatedBy: opts.actor,
      datasource: withSource(existing?.datasource ?? [], opts.userAgent),
    };
    this.store(entity, existing);
    return { entity, created: !existing };
  }

  private fresh(blueprint: string, identifier: string, opts: WriteOptions, at: string): SimEntity {
    return {
      identifier, blueprint, team: [], properties: {}, relations: {},
      createdAt: at, updatedAt: at, createdBy: opts.actor, updatedBy: opts.actor, datasource: withSource([], opts.userAgent),
    };
  }

  /** Stores an entity and keeps the dependents index and the search order in step. */
  store(entity: SimEntity, previous: SimEntity | undefined) {
    const self = key(entity.blueprint, entity.identifier);
    if (previous) this.index(previous, self, -1);
    else this.sorted.delete(entity.blueprint);
    this.index(entity, self, +1);
    this.byBlueprint.get(entity.blueprint)!.set(entity.identifier, entity);
  }

  private index(entity: SimEntity, self: string, delta: number) {
    const bp = this.blueprints.get(entity.blueprint)!;
    for (const [rel, value] of Object.entries(entity.relations)) {
      const target = bp.relations[rel]?.target;
      if (!target) continue;
      for (const id of ([] as string[]).concat(value)) {
        const k = key(target, id);
        const deps = this.dependents.get(k) ?? new Map<string, number>();
        const n = (deps.get(self) ?? 0) + delta;
        if (n > 0) deps.set(self, n);
        else deps.delete(self);
        if (deps.size > 0) this.dependents.set(k, deps);
        else this.dependents.delete(k);
      }
    }
  }

  /**
   * Deletes entities of one blueprint, all or nothing. Entities relating to them (of any blueprint,
   * and transitively) are dependents. With deleteDependents they are deleted too. Without it, one that
   * relates through a required relation fails the whole request (docs.port.io: the flag matters for
   * required relations); one that relates through an optional relation stays and loses that link.
   * Unknown identifiers are skipped. Returns what was deleted of the requested identifiers.
   */
  deleteEntities(blueprint: string, identifiers: string[], deleteDependents: boolean): string[] {
    const entities = this.entities(blueprint);
    const doomed = new Map<string, SimEntity>();
    for (const id of identifiers) {
      const e = entities.get(id);
      if (e) doomed.set(key(blueprint, id), e);
    }
    const unlinked = new Set<string>();
    const queue = [...doomed.keys()];
    while (queue.length > 0) {
      const k = queue.pop()!;
      for (const dep of this.dependents.get(k)?.keys() ?? []) {
        if (doomed.has(dep)) continue;
        const [depBp, depId] = dep.split('\u0000') as [string, string];
        const [targetBp, id] = k.split('\u0000') as [string, string];
        if (!deleteDependents) {
          if (this.requiredRelationTo(this.entity(depBp, depId)!, targetBp, id)) {
            throw invalid(`Entity "${id}" has dependent entities (e.g. "${depId}" of blueprint "${depBp}"); nothing was deleted. Use delete_dependents=true to delete them too`);
          }
          unlinked.add(dep);
          continue;
        }
        doomed.set(dep, this.entity(depBp, depId)!);
        queue.push(dep);
      }
    }
    for (const [k, e] of doomed) {
      this.index(e, k, -1);
      this.byBlueprint.get(e.blueprint)!.delete(e.identifier);
      this.sorted.delete(e.blueprint);
    }
    for (const dep of unlinked) {
      const [depBp, depId] = dep.split('\u0000') as [string, string];
      const entity = this.entity(depBp, depId);
      if (entity) this.store(this.withoutLinksTo(entity, doomed), entity);
    }
    return identifiers.filter((id) => doomed.has(key(blueprint, id)));
  }

  private requiredRelationTo(entity: SimEntity, targetBp: string, id: string): boolean {
    const bp = this.blueprints.get(entity.blueprint)!;
    return Object.entries(entity.relations).some(([rel, value]) => {
      const def = bp.relations[rel];
      return def?.required === true && def.target === targetBp && ([] as string[]).concat(value).includes(id);
    });
  }

  /** The entity with its optional relations to deleted entities cleared (null, or out of the list). */
  private withoutLinksTo(entity: SimEntity, deleted: Map<string, SimEntity>): SimEntity {
    const bp = this.blueprints.get(entity.blueprint)!;
    const relations: SimEntity['relations'] = {};
    for (const [rel, value] of Object.entries(entity.relations)) {
      const target = bp.relations[rel]?.target;
      const gone = (id: string) => target !== undefined && deleted.has(key(target, id));
      if (Array.isArray(value)) relations[rel] = value.filter((id) => !gone(id));
      else if (!gone(value)) relations[rel] = value;
    }
    return { ...entity, relations };
  }
}

/** `sent` over `base`: keys sent replace, null removes. */
function mergeMap<T>(base: Record<string, T> | undefined, sent: Record<string, T | null> | undefined): Record<string, T> {
  const out: Record<string, T> = { ...base };
  for (const [k, v] of Object.entries(sent ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function withSource(sources: string[], userAgent: string | undefined): string[] {
  return userAgent && !sources.includes(userAgent) ? [...sources, userAgent] : sources;
}

function stripMeta(bp: Blueprint): BlueprintBody {
  const { createdAt: _a, updatedAt: _b, createdBy: _c, updatedBy: _d, ...body } = bp;
  return body;
}
