// An engine entity as an incident.io catalog entry, and an entry back as an entity, in one comparable
// form: attribute values keyed by attribute id, every literal a string (the API stores and echoes
// literals as strings), empty values absent. Normalising the desired side exactly the way the API echoes
// values back is what keeps an unchanged Port entity from ever causing a write. Pure.
import type { Entity } from '../engine/entity';
import { ALIASES_KEY, RANK_KEY } from './attributes';
import type { CatalogAttribute, CatalogEntry, EntryValues } from './schemas';

export type CanonicalValue = string | string[] | null;

/** One literal: strings as they are, numbers and booleans as JSON writes them; empty is absent. */
export function literalOf(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const literals = (values: unknown[]) => values.map(literalOf).filter((l): l is string => l !== undefined);

/** A mapped value as the attribute stores it: a list for array attributes, else one literal. */
export function canonicalValue(value: unknown, array: boolean): CanonicalValue {
  if (array) {
    const list = literals(Array.isArray(value) ? value : [value]);
    return list.length > 0 ? list : null;
  }
  // A list into a single-valued attribute (a Port array property into a String attribute) reads best joined.
  if (Array.isArray(value)) return literals(value).join(', ') || null;
  return literalOf(value) ?? null;
}

/**
 * The mapped entity in the form getMany returns: name in `title` ('' when the mapping gave none, which
 * the target reports), attribute values under attribute ids, aliases and rank when mapped.
 */
export function toCanonical(entity: Entity, byKey: Map<string, CatalogAttribute>): Entity {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of [...Object.entries(entity.properties), ...Object.entries(entity.relations)]) {
    // incident.io keeps each alias once; rank is an int32, and an omitted one reads back as 0.
    if (key === ALIASES_KEY) properties[key] = [...new Set(canonicalValue(value, true) ?? [])];
    else if (key === RANK_KEY) properties[key] = Math.round(Number(value ?? 0)) || 0;
    else {
      const attribute = byKey.get(key);
      if (attribute) properties[attribute.id] = canonicalValue(value, attribute.array);
    }
  }
  return { identifier: entity.identifier, blueprint: entity.blueprint, title: literalOf(entity.title) ?? '', properties, relations: {} };
}

/** What incident.io holds, in the same form (labels dropped; an empty list is no value). */
export function fromEntry(entry: CatalogEntry, blueprint: string, identifier: string): Entity {
  const properties: Record<string, unknown> = { [ALIASES_KEY]: entry.aliases, [RANK_KEY]: entry.rank };
  for (const [id, binding] of Object.entries(entry.attribute_values)) {
    properties[id] = binding.array_value
      ? canonicalValue(binding.array_value.map((v) => v.literal), true)
      : (literalOf(binding.value?.literal) ?? null);
  }
  return { identifier, blueprint, title: entry.name, properties, relations: {} };
}

/** Attribute values to send: absent values are left out (with update_attributes, that clears them). */
export function toValues(properties: Record<string, unknown>, byId: Map<string, CatalogAttribute>): EntryValues {
  const values: EntryValues = {};
  for (const [id, value] of Object.entries(properties)) {
    const attribute = byId.get(id);
    if (!attribute || value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    values[id] = attribute.array
      ? { array_value: (value as string[]).map((literal) => ({ literal })) }
      : { value: { literal: value as string } };
  }
  return values;
}

/**
 * The external id of a Port entity: its identifier, after the integration's namespace prefix, and after
 * `<blueprint>/` when several blueprints feed one type (a blueprint id never holds "/", so it parses back).
 * An entry whose external id does not parse is not this sync's: it is never updated or deleted.
 */
export class ExternalIds {
  constructor(
    readonly prefix: string,
    readonly blueprints: string[],
  ) {}

  private get qualified(): boolean {
    return this.blueprints.length > 1;
  }

  of(blueprint: string, identifier: string): string {
    return `${this.prefix}${this.qualified ? `${blueprint}/` : ''}${identifier}`;
  }

  parse(externalId: string | null | undefined): { blueprint: string; identifier: string } | undefined {
    if (!externalId || !externalId.startsWith(this.prefix)) return undefined;
    const rest = externalId.slice(this.prefix.length);
    if (!this.qualified) return rest ? { blueprint: this.blueprints[0]!, identifier: rest } : undefined;
    const slash = rest.indexOf('/');
    const blueprint = rest.slice(0, slash);
    if (slash <= 0 || slash === rest.length - 1 || !this.blueprints.includes(blueprint)) return undefined;
    return { blueprint, identifier: rest.slice(slash + 1) };
  }
}
