// An entity as the engine handles it: Port's shape, which every target speaks (incident.io maps it to
// catalog entries). Mapping produces these; targets store them; diffing compares them.

export type RelationValue = string | string[] | null;

export interface Entity {
  identifier: string;
  blueprint: string;
  title?: string;
  icon?: string;
  team?: string | string[];
  properties: Record<string, unknown>;
  relations: Record<string, RelationValue>;
}

/** What reconcile needs to know of an entity the target holds for this integration. */
export interface OwnedEntity {
  identifier: string;
  blueprint: string;
  /** ISO time of the last write by anyone; entities written after the run started are never deleted. */
  updatedAt: string;
  /** Relation values, so the targets of kept entities are kept too. */
  relations: Record<string, RelationValue>;
}
