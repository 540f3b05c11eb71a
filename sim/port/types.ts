// Shapes the Port simulator stores and answers with, and the error every layer throws. Port's own
// names are kept (blueprint, schema.properties, relations, $datasource) so tests read like Port's docs.

export type PropertyType = 'string' | 'number' | 'boolean' | 'object' | 'array';

export interface PropertySchema {
  type: PropertyType;
  format?: string;
  title?: string;
  enum?: unknown[];
  items?: { type?: string; format?: string };
  [key: string]: unknown;
}

export interface RelationSchema {
  target: string;
  required: boolean;
  many: boolean;
  title?: string;
  description?: string;
}

/** What a client sends to create or replace a blueprint. */
export interface BlueprintBody {
  identifier: string;
  title: string;
  description?: string;
  icon?: string;
  schema: { properties: Record<string, PropertySchema>; required?: string[] };
  relations?: Record<string, RelationSchema>;
  mirrorProperties?: Record<string, unknown>;
  calculationProperties?: Record<string, unknown>;
  aggregationProperties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A stored blueprint, as GET /v1/blueprints/:id answers it. */
export interface Blueprint extends BlueprintBody {
  relations: Record<string, RelationSchema>;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export type RelationValue = string | string[];

/** A stored entity. Unset properties and relations are absent (null clears them). */
export interface SimEntity {
  identifier: string;
  blueprint: string;
  title?: string;
  icon?: string;
  team: string[];
  properties: Record<string, unknown>;
  relations: Record<string, RelationValue>;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
  /** Port's undocumented $datasource: every distinct User-Agent that wrote the entity. */
  datasource: string[];
}

/** What a client sends for one entity. */
export interface EntityBody {
  identifier?: unknown;
  title?: unknown;
  icon?: unknown;
  team?: unknown;
  properties?: unknown;
  relations?: unknown;
  [key: string]: unknown;
}

/** An answer other than success; `error` is Port's code (not_found, invalid_request, ...). */
export class PortError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new PortError(422, 'invalid_request', message);
export const notFound = (message: string) => new PortError(404, 'not_found', message);

/** Port's error envelope. */
export const envelope = (error: string, message: string) => ({ ok: false as const, error, message });
