// The shape of Port's port-app-config (the `resources[].port.entity.mappings` format users already know),
// with our defaults. Values under `mappings` are JQ expressions, compiled later by compile.ts.
import { z } from 'zod';

const jq = z.string().trim().min(1, 'a JQ expression');
const noSearchQueries = 'a JQ expression (search-query objects are not supported)';

export const mappingsSchema = z.strictObject({
  identifier: z.string({ error: noSearchQueries }).trim().min(1, 'a JQ expression'),
  title: jq.optional(),
  blueprint: jq,
  icon: jq.optional(),
  team: z.string({ error: noSearchQueries }).trim().min(1).optional(),
  properties: z.record(z.string().min(1), jq).default({}),
  relations: z.record(z.string().min(1), z.string({ error: noSearchQueries }).trim().min(1, 'a JQ expression')).default({}),
});

export const resourceSchema = z.strictObject({
  kind: z.string().trim().min(1, 'the kind of source object'),
  // Selectors also carry integration-specific filters (e.g. Jira's `jql`); only `query` is ours.
  selector: z.looseObject({ query: jq.default('true') }).default({ query: 'true' }),
  port: z.strictObject({
    itemsToParse: jq.optional(),
    itemsToParseName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a field name').default('item'),
    itemsToParseTopLevelTransform: z.boolean().optional(),
    entity: z.strictObject({ mappings: mappingsSchema }),
  }),
});

export const portAppConfigSchema = z.looseObject({
  // Port's default is true, which cascades deletes into entities this integration does not own.
  deleteDependentEntities: z.boolean().default(false),
  createMissingRelatedEntities: z.boolean().default(true),
  enableMergeEntity: z.boolean().default(true),
  entityDeletionThreshold: z.number().min(0).max(1).default(0.9),
  // An empty mapping would make every kind look empty and delete everything: refuse it (as Ocean does).
  resources: z.array(resourceSchema).min(1, 'at least one resource'),
});

export type PortAppConfig = z.infer<typeof portAppConfigSchema>;
export type ResourceConfig = z.infer<typeof resourceSchema>;
