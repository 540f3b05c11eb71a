// Which attributes of the catalog type a mapping writes. The mapping names them as the guide does, by
// attribute name (an attribute id works too, and survives a rename in the dashboard); both are resolved
// against the type's schema once per run. Pure: the target and its tests share it.
import type { AttributePayload, CatalogAttribute } from './schemas';

/** Mapping keys that are entry fields, not attributes (Port's own `$identifier`/`$title` naming). */
export const ALIASES_KEY = '$aliases';
export const RANK_KEY = '$rank';
const ENTRY_FIELDS = new Set([ALIASES_KEY, RANK_KEY]);

/** Derived attributes: incident.io computes their values and rejects any that are sent. */
const DERIVED_MODES = new Set(['backlink', 'path']);

export interface AttributeResolution {
  /** Mapping key -> the attribute it writes. */
  byKey: Map<string, CatalogAttribute>;
  /** Keys the type has no attribute for. */
  missing: string[];
  /** Keys naming derived attributes, which cannot be written. */
  derived: string[];
}

export function resolveAttributes(keys: string[], attributes: CatalogAttribute[]): AttributeResolution {
  const byId = new Map(attributes.map((a) => [a.id, a]));
  const byName = new Map(attributes.map((a) => [a.name, a]));
  const result: AttributeResolution = { byKey: new Map(), missing: [], derived: [] };
  for (const key of new Set(keys)) {
    if (ENTRY_FIELDS.has(key)) continue;
    const attribute = byName.get(key) ?? byId.get(key);
    if (!attribute) result.missing.push(key);
    else if (DERIVED_MODES.has(attribute.mode ?? '')) result.derived.push(key);
    else result.byKey.set(key, attribute);
  }
  return result;
}

/**
 * The whole schema to send when adding `missing` (update_schema replaces the schema): every existing
 * attribute exactly as it is, then one String attribute per missing name.
 */
export function schemaWithAdded(attributes: CatalogAttribute[], missing: string[]): AttributePayload[] {
  const kept: AttributePayload[] = attributes.map((a) => ({
    id: a.id,
    name: a.name,
    type: a.type,
    array: a.array,
    ...(a.mode ? { mode: a.mode } : {}),
    ...(a.backlink_attribute ? { backlink_attribute: a.backlink_attribute } : {}),
    ...(a.path ? { path: a.path } : {}),
  }));
  return [...kept, ...missing.map((name) => ({ name, type: 'String', array: false }))];
}

/** The error for keys the type cannot take, naming each one and what to do. */
export function attributeProblem(integration: string, typeName: string, resolution: AttributeResolution, canAdd: boolean): string | undefined {
  const parts: string[] = [];
  const quoted = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');
  if (resolution.missing.length > 0 && !canAdd) {
    parts.push(`has no attribute ${quoted(resolution.missing)}: add ${resolution.missing.length === 1 ? 'it' : 'them'} to the type, or set options.addMissingAttributes: true`);
  }
  if (resolution.derived.length > 0) parts.push(`attribute ${quoted(resolution.derived)} is derived (backlink or path) and cannot be written: remove it from the mapping`);
  return parts.length > 0 ? `integration "${integration}": incident.io catalog type "${typeName}" ${parts.join('; ')}` : undefined;
}
