// incident.io v3 Catalog API responses, checked at the edge (docs: /work/shared/specs/incident-io-openapi3.json,
// the catalog-importer copy). Objects are loose, so fields incident.io adds later pass through; only what
// the sync reads is required. Request payloads are plain TS types: we build them ourselves.
import { z } from 'zod';

const id = z.string().min(1);

/** `CatalogTypeAttributeV3`: one attribute of a type's schema; `attribute_values` are keyed by its `id`. */
export const attributeSchema = z.looseObject({
  id,
  name: z.string(),
  type: z.string(),
  array: z.boolean(),
  mode: z.string().optional(),
  backlink_attribute: z.string().optional(),
  path: z.array(z.looseObject({ attribute_id: z.string() })).optional(),
});
export type CatalogAttribute = z.infer<typeof attributeSchema>;

/** `CatalogTypeV3`: `schema.version` is the optimistic-concurrency token of update_schema. */
export const catalogTypeSchema = z.looseObject({
  id,
  name: z.string(),
  schema: z.looseObject({ version: z.int(), attributes: z.array(attributeSchema) }),
});
export type CatalogType = z.infer<typeof catalogTypeSchema>;

/** `CatalogEntryEngineParamBindingValueV3`: `label` is the referenced entry's name for reference types. */
const bindingValueSchema = z.looseObject({ literal: z.string().optional(), label: z.string().optional() });

/** `CatalogEntryEngineParamBindingV3`: `value` for single attributes, `array_value` for arrays. */
export const valueBindingSchema = z.looseObject({
  value: bindingValueSchema.optional(),
  array_value: z.array(bindingValueSchema).optional(),
});
export type ValueBinding = z.infer<typeof valueBindingSchema>;

/** `CatalogEntryV3`. Archived entries carry `archived_at` (GET by id shows them; lists do not). */
export const catalogEntrySchema = z.looseObject({
  id,
  catalog_type_id: z.string(),
  name: z.string(),
  external_id: z.string().nullish(),
  aliases: z.array(z.string()),
  rank: z.number(),
  attribute_values: z.record(z.string(), valueBindingSchema),
  archived_at: z.string().nullish(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

/** `CatalogListEntriesResultV3`: `pagination_meta.after` is there only when another page follows. */
export const listEntriesSchema = z.looseObject({
  catalog_entries: z.array(catalogEntrySchema),
  pagination_meta: z.looseObject({ after: z.string().nullish(), page_size: z.number() }),
});

/** Create (201) and update (200) of an entry. */
export const entryEnvelopeSchema = z.looseObject({ catalog_entry: catalogEntrySchema });

/** Show type and update_schema. */
export const typeEnvelopeSchema = z.looseObject({ catalog_type: catalogTypeSchema });

// --- request payloads ------------------------------------------------------------------------------

/**
 * Values by attribute id. Literals are always strings (numbers and bools stringified); array attributes
 * take `array_value`, others `value`; an attribute left out has no value. Never derived (backlink/path) ones.
 */
export type EntryValues = Record<string, { value: { literal: string } } | { array_value: { literal: string }[] }>;

/** `CatalogCreateEntryPayloadV3`: an existing entry with the same (type, external_id) is updated, even revived. */
export interface CreateEntryPayload {
  catalog_type_id: string;
  name: string;
  external_id?: string;
  aliases?: string[];
  rank?: number;
  attribute_values: EntryValues;
}

/**
 * `PartialEntryPayloadV3`, one item of bulk_update: omitted name, external_id and aliases are kept,
 * but an omitted `rank` is reset (to null), so send it whenever the type is ranked.
 */
export interface PartialEntryPayload {
  entry_id: string;
  name?: string;
  external_id?: string;
  aliases?: string[];
  rank?: number;
  attribute_values: EntryValues;
}

/** `CatalogUpdateEntryPayloadV3` without `update_attributes` (a separate argument): PUT requires `name`. */
export type UpdateEntryPayload = Omit<PartialEntryPayload, 'entry_id' | 'name'> & { name: string };

/** `CatalogTypeAttributePayloadV3`: a client-chosen `id` is kept; changing it replaces the attribute. */
export interface AttributePayload {
  id?: string;
  name: string;
  type: string;
  array: boolean;
  mode?: string;
  backlink_attribute?: string;
  path?: { attribute_id: string }[];
}
