// Which mapped entities need a write, and what to send. An entity the target already holds exactly is
// not written (most of a resync, most of the time). On update, a value the source no longer has is sent
// as null (or [] for a list), so the target is cleared instead of left stale; on create, absent values
// are simply omitted. Pure: the engine and the dry run share it.
import type { Entity } from './entity';

export interface WritePlan {
  creates: Entity[];
  updates: Entity[];
  unchanged: number;
}

/**
 * @param desired entities of one blueprint, as mapped (every declared key present, null when absent)
 * @param existing what the target holds for those identifiers
 * @param merge the target keeps fields that are not sent (Port's merge=true); otherwise it replaces
 */
export function planWrites(desired: Entity[], existing: Map<string, Entity>, merge: boolean): WritePlan {
  const plan: WritePlan = { creates: [], updates: [], unchanged: 0 };
  // Two items mapped to one identifier: the later one wins, as it would in the target.
  const unique = new Map(desired.map((e) => [e.identifier, e]));
  for (const entity of unique.values()) {
    const current = existing.get(entity.identifier);
    if (!current) plan.creates.push(withoutNulls(entity));
    else if (!sameEntity(entity, current)) plan.updates.push(merge ? withClears(entity, current) : withoutNulls(entity));
    else plan.unchanged += 1;
  }
  return plan;
}

export function sameEntity(desired: Entity, current: Entity): boolean {
  if (desired.title !== undefined && desired.title !== current.title) return false;
  if (desired.icon !== undefined && desired.icon !== (current.icon ?? undefined)) return false;
  if (desired.team !== undefined && !sameValue(teams(desired.team), teams(current.team))) return false;
  for (const [key, value] of Object.entries(desired.properties)) {
    if (!sameField(value, current.properties[key])) return false;
  }
  for (const [key, value] of Object.entries(desired.relations)) {
    if (!sameField(value, current.relations[key])) return false;
  }
  return true;
}

const empty = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

/** A cleared list reads back as []: that is the same as a value the source does not have. */
function sameField(desired: unknown, current: unknown): boolean {
  return empty(desired) ? empty(current) : sameValue(desired, current);
}

/** Equal as JSON, with null and absent the same and object key order ignored. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameValue(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!sameValue(left[key], right[key])) return false;
  return true;
}

function teams(team: string | string[] | undefined): string[] {
  if (team === undefined) return [];
  return (Array.isArray(team) ? team : [team]).slice().sort();
}

function withoutNulls(entity: Entity): Entity {
  return {
    ...entity,
    properties: Object.fromEntries(Object.entries(entity.properties).filter(([, v]) => v !== null && v !== undefined)),
    relations: Object.fromEntries(Object.entries(entity.relations).filter(([, v]) => v !== null && v !== undefined)),
  };
}

/** Sends every declared key; a value gone from the source clears what the target still holds. */
function withClears(entity: Entity, current: Entity): Entity {
  const clear = (value: unknown, held: unknown) => (value ?? (Array.isArray(held) ? [] : null));
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity.properties)) {
    if (value !== null || (current.properties[key] ?? null) !== null) properties[key] = clear(value, current.properties[key]);
  }
  const relations: Entity['relations'] = {};
  for (const [key, value] of Object.entries(entity.relations)) {
    if (value !== null || (current.relations[key] ?? null) !== null) relations[key] = clear(value, current.relations[key]) as Entity['relations'][string];
  }
  return { ...entity, properties, relations };
}

/**
 * What an update changes, field by field, for a dry run's plan: `language: "Go" -> "Rust"`,
 * `readme: cleared`. `name` turns a field or property key into what a person recognises (incident.io:
 * the attribute's name for its id, `name` for the title).
 */
export function describeChanges(desired: Entity, current: Entity, name: (key: string) => string = (k) => k): string[] {
  const changes: string[] = [];
  const show = (v: unknown) => {
    const text = JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const change = (field: string, to: unknown, from: unknown) => changes.push(empty(to) ? `${field}: cleared` : `${field}: ${empty(from) ? '(none)' : show(from)} -> ${show(to)}`);
  if (desired.title !== undefined && desired.title !== current.title) change(name('title'), desired.title, current.title);
  if (desired.icon !== undefined && desired.icon !== (current.icon ?? undefined)) change('icon', desired.icon, current.icon);
  if (desired.team !== undefined && !sameValue(teams(desired.team), teams(current.team))) change('team', desired.team, current.team);
  for (const [key, value] of Object.entries(desired.properties)) if (!sameField(value, current.properties[key])) change(name(key), value, current.properties[key]);
  for (const [key, value] of Object.entries(desired.relations)) if (!sameField(value, current.relations[key])) change(`relations.${key}`, value, current.relations[key]);
  return changes;
}
