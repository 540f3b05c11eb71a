// How Port answers with an entity: meta-properties at the top level, `team` as a list, no
// `$datasource` (Port never returns it; it can only be searched). `include`/`exclude` of the search
// route pick fields by identifier, meta-properties with their `$` prefix.
import type { SimEntity } from './types';

export interface ApiEntity {
  identifier: string;
  title?: string;
  icon?: string;
  team?: string[];
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
  createdBy?: string;
  updatedBy?: string;
  blueprint?: string;
}

const META = ['identifier', 'title', 'icon', 'team', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy', 'blueprint'] as const;

export function present(e: SimEntity): ApiEntity {
  return {
    identifier: e.identifier,
    ...(e.title !== undefined ? { title: e.title } : {}),
    ...(e.icon !== undefined ? { icon: e.icon } : {}),
    team: [...e.team],
    properties: { ...e.properties },
    relations: { ...e.relations },
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    createdBy: e.createdBy,
    updatedBy: e.updatedBy,
    blueprint: e.blueprint,
  };
}

/** A field selector for include/exclude lists; undefined when neither is given. */
export function selector(include?: string[], exclude?: string[]): ((e: SimEntity) => ApiEntity) | undefined {
  if (!include && !exclude) return undefined;
  const wanted = (field: string) => (!include || include.includes(field)) && !exclude?.includes(field);
  const pick = (map: Record<string, unknown>) => Object.fromEntries(Object.entries(map).filter(([k]) => wanted(k)));
  return (e) => {
    const full = present(e) as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const m of META) if (full[m] !== undefined && wanted(`$${m}`)) out[m] = full[m];
    const properties = pick(e.properties);
    const relations = pick(e.relations);
    if (!include || Object.keys(properties).length > 0) out.properties = properties;
    if (!include || Object.keys(relations).length > 0) out.relations = relations;
    return out as unknown as ApiEntity;
  };
}
