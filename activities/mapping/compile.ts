// A port-app-config turned into a mapper: every JQ expression is compiled once when the mapping loads (a bad
// one fails the load, naming integration, kind, field and expression), then `map(kind, items)` turns raw
// source objects into Port entities. One bad item never stops the others: it becomes a failure.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Entity, RelationValue } from '../engine/entity';
import { JqRuntimeError, compileJq, type JqProgram } from './jq';
import { portAppConfigSchema, type PortAppConfig, type ResourceConfig } from './schema';

export interface MappingFlags {
  deleteDependentEntities: boolean;
  createMissingRelatedEntities: boolean;
  enableMergeEntity: boolean;
  entityDeletionThreshold: number;
}

export interface MappingFailure {
  kind: string;
  /** e.g. `identifier`, `properties.url`, `selector.query`, `itemsToParse`. */
  field: string;
  expression: string;
  /** The item's identifier, when it could be computed. */
  identifier?: string;
  message: string;
}

export interface MapResult {
  entities: Entity[];
  failures: MappingFailure[];
  /** Items whose identifier failed, was null, not a string or empty: their kind must not delete anything. */
  unidentified: number;
  /** Items a resource's `selector.query` left out (counted once per resource that left them out). */
  filtered: number;
}

export interface CompiledMapping {
  readonly flags: MappingFlags;
  /** Distinct kinds in the order resources list them. */
  readonly kinds: string[];
  /** Blueprints a kind writes to when every blueprint expression of it is constant (e.g. '"service"'); undefined when computed per item. */
  blueprintsOf(kind: string): string[] | undefined;
  /** Property and relation keys the kind's resources map (what a sync owns of each entity). */
  fieldsOf(kind: string): { properties: string[]; relations: string[] };
  /** Whether a resource of the kind maps `team`: Port's relation to the `_team` blueprint. */
  mapsTeam(kind: string): boolean;
  /** Maps raw items of a kind through every resource of that kind. */
  map(kind: string, items: unknown[]): MapResult;
}

/** A mapping that cannot be used: bad shape, bad YAML or a JQ expression that does not compile. */
export class MappingError extends Error {
  constructor(
    readonly integration: string,
    readonly file: string | undefined,
    readonly problems: string[],
  ) {
    super(`integration "${integration}": invalid mapping${file ? ` in ${file}` : ''}:\n  ${problems.join('\n  ')}`);
    this.name = 'MappingError';
  }
}

interface Field {
  /** Where it sits in the output entity; also its name in failures. */
  name: string;
  program: JqProgram;
}

interface Resource {
  kind: string;
  selector: JqProgram;
  itemsToParse: JqProgram | undefined;
  itemsToParseName: string;
  identifier: JqProgram;
  blueprint: JqProgram;
  title: JqProgram | undefined;
  icon: JqProgram | undefined;
  team: JqProgram | undefined;
  properties: Field[];
  relations: Field[];
}

export function loadMappingFile(path: string, ctx: { integration: string }): CompiledMapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MappingError(ctx.integration, path, [`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new MappingError(ctx.integration, path, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  return compileMapping(doc.toJS() ?? {}, { integration: ctx.integration, file: path });
}

export function compileMapping(config: unknown, ctx: { integration: string; file?: string }): CompiledMapping {
  const parsed = portAppConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new MappingError(ctx.integration, ctx.file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const resources = parsed.data.resources.map((r, index) => compileResource(r, index, problems));
  if (problems.length > 0) throw new MappingError(ctx.integration, ctx.file, problems);
  return new Mapper(flagsOf(parsed.data), resources);
}

function flagsOf(c: PortAppConfig): MappingFlags {
  return {
    deleteDependentEntities: c.deleteDependentEntities,
    createMissingRelatedEntities: c.createMissingRelatedEntities,
    enableMergeEntity: c.enableMergeEntity,
    entityDeletionThreshold: c.entityDeletionThreshold,
  };
}

/** Compiles every expression of one resource, collecting all compile errors rather than stopping at the first. */
function compileResource(r: ResourceConfig, index: number, problems: string[]): Resource {
  const m = r.port.entity.mappings;
  const at = `resources.${index} (kind "${r.kind}")`;
  const jq = (field: string, source: string): JqProgram => {
    try {
      return compileJq(source);
    } catch (e) {
      problems.push(`${at}, ${field}: cannot compile JQ ${JSON.stringify(source)}: ${(e as Error).message}`);
      return compileJq('null');
    }
  };
  const optional = (field: string, source: string | undefined) => (source === undefined ? undefined : jq(field, source));
  const fields = (group: string, record: Record<string, string>): Field[] =>
    Object.entries(record).map(([key, source]) => ({ name: `${group}.${key}`, program: jq(`${group}.${key}`, source) }));
  return {
    kind: r.kind,
    selector: jq('selector.query', r.selector.query),
    itemsToParse: optional('itemsToParse', r.port.itemsToParse),
    itemsToParseName: r.port.itemsToParseName,
    identifier: jq('identifier', m.identifier),
    blueprint: jq('blueprint', m.blueprint),
    title: optional('title', m.title),
    icon: optional('icon', m.icon),
    team: optional('team', m.team),
    properties: fields('properties', m.properties),
    relations: fields('relations', m.relations),
  };
}

/** Thrown inside one item's mapping to abandon that item; `map` records it and goes on. */
class ItemFailure {
  constructor(readonly field: string, readonly program: JqProgram, readonly message: string) {}
}

/** First output, `null` for none; a runtime error becomes an ItemFailure naming the field. */
function evaluate(field: string, program: JqProgram, input: unknown): unknown {
  if (program.constant) return program.constant.value;
  try {
    return program.first(input) ?? null;
  } catch (e) {
    if (e instanceof JqRuntimeError) throw new ItemFailure(field, program, e.message);
    throw e;
  }
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);

class Mapper implements CompiledMapping {
  readonly kinds: string[];
  private readonly byKind = new Map<string, Resource[]>();

  constructor(
    readonly flags: MappingFlags,
    resources: Resource[],
  ) {
    for (const r of resources) {
      const list = this.byKind.get(r.kind);
      if (list) list.push(r);
      else this.byKind.set(r.kind, [r]);
    }
    this.kinds = [...this.byKind.keys()];
  }

  blueprintsOf(kind: string): string[] | undefined {
    const out = new Set<string>();
    for (const r of this.byKind.get(kind) ?? []) {
      const c = r.blueprint.constant;
      if (!c || typeof c.value !== 'string' || c.value === '') return undefined;
      out.add(c.value);
    }
    return [...out];
  }

  fieldsOf(kind: string): { properties: string[]; relations: string[] } {
    const keys = (group: 'properties' | 'relations') =>
      [...new Set((this.byKind.get(kind) ?? []).flatMap((r) => r[group].map((f) => f.name.slice(group.length + 1))))];
    return { properties: keys('properties'), relations: keys('relations') };
  }

  mapsTeam(kind: string): boolean {
    return (this.byKind.get(kind) ?? []).some((r) => r.team !== undefined);
  }

  map(kind: string, items: unknown[]): MapResult {
    const result: MapResult = { entities: [], failures: [], unidentified: 0, filtered: 0 };
    for (const r of this.byKind.get(kind) ?? []) {
      for (const item of items) {
        if (!r.itemsToParse) {
          this.mapOne(r, item, result);
          continue;
        }
        let elements: unknown;
        try {
          elements = evaluate('itemsToParse', r.itemsToParse, item);
          if (!Array.isArray(elements)) throw new ItemFailure('itemsToParse', r.itemsToParse, `itemsToParse must yield an array, got ${describe(elements)}`);
        } catch (e) {
          if (!(e instanceof ItemFailure)) throw e;
          result.failures.push({ kind, field: e.field, expression: e.program.source, message: e.message });
          result.unidentified++; // the entities it would have made are unknown
          continue;
        }
        // Each element is mapped with the parent's fields and itself under `.item` (or itemsToParseName).
        for (const element of elements) this.mapOne(r, { ...(item as object), [r.itemsToParseName]: element }, result);
      }
    }
    return result;
  }

  /** Maps one input through one resource, adding an entity, a failure, or a count to `result`. */
  private mapOne(r: Resource, input: unknown, result: MapResult): void {
    let identifier: string | undefined;
    try {
      let selected: unknown;
      try {
        selected = evaluate('selector.query', r.selector, input);
        if (typeof selected !== 'boolean') throw new ItemFailure('selector.query', r.selector, `selector.query must yield a boolean, got ${describe(selected)}`);
      } catch (e) {
        // Whether the item is in is unknown, so its entity must be kept: by its identifier where that can
        // be computed, otherwise the item counts as unidentified and its kind deletes nothing.
        if (e instanceof ItemFailure) {
          identifier = identifierOf(r, input);
          if (identifier === undefined) result.unidentified++;
        }
        throw e;
      }
      if (!selected) {
        result.filtered++;
        return;
      }
      let id: unknown;
      try {
        id = evaluate('identifier', r.identifier, input);
      } catch (e) {
        result.unidentified++;
        throw e;
      }
      if (typeof id !== 'string' || id === '') {
        result.unidentified++;
        return;
      }
      identifier = id;
      result.entities.push(this.entity(r, input, id, result));
    } catch (e) {
      if (!(e instanceof ItemFailure)) throw e;
      result.failures.push({ kind: r.kind, field: e.field, expression: e.program.source, ...(identifier === undefined ? {} : { identifier }), message: e.message });
    }
  }

  private entity(r: Resource, input: unknown, identifier: string, result: MapResult): Entity {
    const blueprint = evaluate('blueprint', r.blueprint, input);
    if (typeof blueprint !== 'string' || blueprint === '') throw new ItemFailure('blueprint', r.blueprint, `blueprint must yield a non-empty string, got ${describe(blueprint)}`);
    const entity: Entity = { identifier, blueprint, properties: {}, relations: {} };
    if (r.title) {
      const title = evaluate('title', r.title, input);
      if (title !== null) entity.title = typeof title === 'string' ? title : JSON.stringify(title);
    }
    if (r.icon) {
      const icon = evaluate('icon', r.icon, input);
      if (icon !== null) {
        if (typeof icon !== 'string') throw new ItemFailure('icon', r.icon, `icon must yield a string, got ${describe(icon)}`);
        entity.icon = icon;
      }
    }
    if (r.team) {
      const team = evaluate('team', r.team, input);
      if (team !== null) {
        if (!isStringOrStrings(team)) throw new ItemFailure('team', r.team, `team must yield a string or a list of strings, got ${describe(team)}`);
        entity.team = team;
      }
    }
    // Every declared key is present (null when the expression yields null or nothing), so an update clears
    // a stale value; a failing field fails the item but the others are still evaluated and reported.
    let failed: ItemFailure | undefined;
    for (const f of r.properties) {
      try {
        entity.properties[f.name.slice(11)] = evaluate(f.name, f.program, input);
      } catch (e) {
        failed = this.note(e, r, identifier, result, failed);
      }
    }
    for (const f of r.relations) {
      try {
        const v = evaluate(f.name, f.program, input);
        if (v !== null && !isStringOrStrings(v)) throw new ItemFailure(f.name, f.program, `a relation must yield an identifier, a list of identifiers or null, got ${describe(v)}`);
        entity.relations[f.name.slice(10)] = v as RelationValue;
      } catch (e) {
        failed = this.note(e, r, identifier, result, failed);
      }
    }
    if (failed) throw failed;
    return entity;
  }

  /** Records every failing field but the last, which the caller records when it abandons the item. */
  private note(e: unknown, r: Resource, identifier: string, result: MapResult, previous: ItemFailure | undefined): ItemFailure {
    if (!(e instanceof ItemFailure)) throw e;
    if (previous) result.failures.push({ kind: r.kind, field: previous.field, expression: previous.program.source, identifier, message: previous.message });
    return e;
  }
}

/** The item's identifier, or undefined when it fails or is not a non-empty string. */
function identifierOf(r: Resource, input: unknown): string | undefined {
  try {
    const id = evaluate('identifier', r.identifier, input);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch (e) {
    if (e instanceof ItemFailure) return undefined;
    throw e;
  }
}

const isStringOrStrings = (v: unknown): v is string | string[] => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
