// zod schemas of every Port request we build and every answer we read (port-apispec.yaml). Answers
// are parsed loosely (Port adds fields over time; only what we read is required); request bodies that
// carry user data (entities, blueprints from mapping files) are checked strictly before they are sent.
import { z } from 'zod';

// --- identifiers (the spec's patterns) ---------------------------------------------------------------

/** Entity identifiers: any letter, digits and `@ _ . + : \ / = -`; not `.` or `..`; at most 1000. */
export const entityIdentifier = z
  .string()
  .max(1000)
  .regex(/^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u, 'must be letters, digits and @ _ . + : \\ / = - only (no spaces), and not "." or ".."');

/** Blueprint identifiers: as entities, without `=`, at most 100. */
export const blueprintIdentifier = z
  .string()
  .max(100)
  .regex(/^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u, 'must be letters, digits and @ _ . + : \\ / - only, and not "." or ".."');

/** Property and relation identifiers inside a blueprint. */
const fieldIdentifier = z.string().max(100).regex(/^[A-Za-z0-9@_=\\-]+$/, 'must be letters, digits and @ _ = \\ - only');

// --- auth --------------------------------------------------------------------------------------------

export const tokenRequestSchema = z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().min(1) });

export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  // Seconds left, rounded down: Port hands out its active token, so 0 (under a second left) is valid.
  expiresIn: z.number().min(0),
  tokenType: z.string().min(1),
});

// --- blueprints --------------------------------------------------------------------------------------

const propertySchema = z.looseObject({
  type: z.enum(['string', 'number', 'boolean', 'object', 'array']),
  title: z.string().optional(),
  format: z.string().optional(),
});

export const relationSchema = z.looseObject({
  target: blueprintIdentifier,
  required: z.boolean(),
  many: z.boolean(),
  title: z.string().optional(),
  description: z.string().optional(),
});
export type RelationSchema = z.infer<typeof relationSchema>;

/** A blueprint as we create it (from a connector's defaults or a user's file). */
export const blueprintBodySchema = z.looseObject({
  identifier: blueprintIdentifier,
  title: z.string().min(1).max(100),
  description: z.string().max(200).optional(),
  icon: z.string().optional(),
  schema: z.looseObject({
    properties: z.record(fieldIdentifier, propertySchema),
    required: z.array(z.string()).optional(),
  }),
  relations: z.record(fieldIdentifier, relationSchema).optional(),
});
export type BlueprintBody = z.infer<typeof blueprintBodySchema>;

/** A blueprint as Port answers it. */
export const blueprintSchema = z.looseObject({
  identifier: z.string(),
  title: z.string().optional(),
  schema: z.looseObject({
    properties: z.record(z.string(), z.looseObject({})).default({}),
    required: z.array(z.string()).optional(),
  }),
  relations: z.record(z.string(), z.looseObject({ target: z.string() })).optional(),
});
export type Blueprint = z.infer<typeof blueprintSchema>;

export const blueprintResponseSchema = z.object({ blueprint: blueprintSchema });

// --- entities ----------------------------------------------------------------------------------------

const relationValue = z.union([entityIdentifier, z.array(entityIdentifier), z.null()]);

/** One entity in a write body (single or bulk upsert). */
export const entityBodySchema = z.strictObject({
  identifier: entityIdentifier,
  title: z.string().optional(),
  icon: z.string().optional(),
  team: z.union([z.string(), z.array(z.string())]).optional(),
  properties: z.record(fieldIdentifier, z.unknown()),
  relations: z.record(fieldIdentifier, relationValue),
});
export type EntityBody = z.infer<typeof entityBodySchema>;

/** A JSON object: not null, not an array. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRelationValue = (v: unknown) => v === null || typeof v === 'string' || (Array.isArray(v) && v.every((id) => typeof id === 'string'));

// An entity's properties and relations are checked in place. z.record() would check the same (JSON keys
// are strings) but rebuild both objects of every entity: a diff read of 50,000 entities spent more time
// in zod than in JSON.parse (docs/benchmarks.md, seventh session).
const propertyValues = z.custom<Record<string, unknown>>(isObject, 'expected an object of property values');
const relationValues = z.custom<Record<string, string | string[] | null>>(
  (v) => isObject(v) && Object.values(v).every(isRelationValue),
  'expected an object of relation values (an identifier, a list of identifiers, or null)',
);

/** An entity as Port answers it (search, get, upsert); absent fields when `include` narrowed it. */
export const portEntitySchema = z.looseObject({
  identifier: z.string(),
  title: z.string().nullish(),
  icon: z.string().nullish(),
  team: z.union([z.string(), z.array(z.string())]).nullish(),
  properties: propertyValues.optional(),
  relations: relationValues.optional(),
  blueprint: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type PortEntity = z.infer<typeof portEntitySchema>;

export const entityResponseSchema = z.object({ entity: portEntitySchema });

export const okResponseSchema = z.object({ ok: z.literal(true) });

/** GET /v1/blueprints/{bp}/entities-count: every entity of the blueprint, whoever wrote it. */
export const entitiesCountResponseSchema = z.object({ ok: z.literal(true), count: z.number().int().min(0) });

export const bulkUpsertResponseSchema = z.object({
  entities: z.array(z.looseObject({ identifier: z.string(), index: z.number().int().min(0), created: z.boolean() })),
  errors: z
    .array(z.looseObject({ identifier: z.string(), index: z.number().int().min(0), statusCode: z.number(), error: z.string(), message: z.string() }))
    .default([]),
});
export type BulkUpsertResponse = z.infer<typeof bulkUpsertResponseSchema>;

// --- search ------------------------------------------------------------------------------------------

export interface SearchRule {
  property?: string;
  operator?: string;
  value?: unknown;
  combinator?: 'and' | 'or';
  rules?: SearchRule[];
}
export const searchRuleSchema: z.ZodType<SearchRule> = z.lazy(() =>
  z.union([
    z.strictObject({ combinator: z.enum(['and', 'or']), rules: z.array(searchRuleSchema) }),
    z.strictObject({ property: z.string(), operator: z.string(), value: z.unknown().optional() }),
  ]),
);

export const searchRequestSchema = z.strictObject({
  query: z.strictObject({ combinator: z.enum(['and', 'or']), rules: z.array(searchRuleSchema) }),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  from: z.string().optional(),
});
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export const searchResponseSchema = z.object({
  entities: z.array(portEntitySchema),
  next: z.string().optional(),
});

// --- action runs (reported from CI jobs) ---------------------------------------------------------------

const runStatus = z.enum(['SUCCESS', 'FAILURE']);

/** PATCH /v1/actions/runs/{run_id}: the documented fields only (the spec allows no others). */
export const actionRunPatchSchema = z.strictObject({
  status: runStatus.optional(),
  statusLabel: z.string().optional(),
  link: z.union([z.string(), z.array(z.string())]).optional(),
  summary: z.string().optional(),
  externalRunId: z.string().optional(),
});
export type ActionRunPatch = z.infer<typeof actionRunPatchSchema>;

export const actionRunResponseSchema = z.object({
  run: z.looseObject({ id: z.string(), status: z.string(), statusLabel: z.string().nullish(), link: z.union([z.string(), z.array(z.string())]).optional() }),
});

/** POST /v1/actions/runs/{run_id}/logs: a line in the run's log; a termination status also ends the run. */
export const actionRunLogSchema = z.strictObject({
  message: z.string().min(1, 'must not be empty'),
  terminationStatus: runStatus.optional(),
  statusLabel: z.string().optional(),
});
export type ActionRunLog = z.infer<typeof actionRunLogSchema>;

export const actionRunLogResponseSchema = z.object({ runLog: z.looseObject({ id: z.string(), runId: z.string(), message: z.string() }) });

// --- deletes -----------------------------------------------------------------------------------------

export const bulkDeleteRequestSchema = z.strictObject({ entities: z.array(entityIdentifier).min(1).max(100) });

export const bulkDeleteResponseSchema = z.object({ deletedEntities: z.array(z.string()) });
