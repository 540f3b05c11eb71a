// Port's validation of blueprint and entity bodies, written from the OpenAPI spec's patterns and
// Port's documented rules. Failures throw PortError 422 `invalid_request` with a message naming the
// field, as Port does ("relations/owner must be string").
import { invalid, type Blueprint, type BlueprintBody, type EntityBody, type PropertySchema, type RelationSchema, type RelationValue } from './types';

export const BLUEPRINT_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u;
export const ENTITY_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
export const FIELD_ID = /^[A-Za-z0-9@_=\\-]+$/;
const TYPES = new Set(['string', 'number', 'boolean', 'object', 'array']);
const FORMATS = new Set([
  'date-time', 'url', 'email', 'idn-email', 'ipv4', 'ipv6', 'markdown', 'yaml', 'user', 'blueprints', 'team', 'timer', 'proto', 'labeled-url',
]);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkEntityIdentifier(id: unknown, where = 'identifier'): string {
  if (typeof id !== 'string') throw invalid(`${where} must be string`);
  if (id.length > 1000) throw invalid(`${where} must NOT have more than 1000 characters`);
  if (!ENTITY_ID.test(id)) throw invalid(`${where} must match pattern "${ENTITY_ID.source}"`);
  return id;
}

/** The parts of a blueprint body that need no other blueprint; relation targets are the store's business. */
export function checkBlueprintBody(body: unknown, partial = false): asserts body is BlueprintBody {
  if (!isObject(body)) throw invalid('body must be object');
  if (!partial || body.identifier !== undefined) {
    if (typeof body.identifier !== 'string') throw invalid('body must have required property \'identifier\'');
    if (body.identifier.length > 100 || !BLUEPRINT_ID.test(body.identifier)) {
      throw invalid(`identifier must match pattern "${BLUEPRINT_ID.source}" and have at most 100 characters`);
    }
  }
  if (!partial || body.title !== undefined) {
    if (typeof body.title !== 'string' || body.title.length < 1 || body.title.length > 100) {
      throw invalid('title must be a string of 1 to 100 characters');
    }
  }
  if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > 200)) {
    throw invalid('description must be a string of at most 200 characters');
  }
  if (!partial || body.schema !== undefined) {
    const schema = body.schema;
    if (!isObject(schema)) throw invalid('body must have required property \'schema\'');
    if (!partial || schema.properties !== undefined) {
      if (!isObject(schema.properties)) throw invalid('schema must have required property \'properties\'');
    }
    for (const [id, prop] of Object.entries(schema.properties ?? {})) checkPropertySchema(id, prop);
    if (schema.required !== undefined) {
      if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string')) {
        throw invalid('schema/required must be array of strings');
      }
    }
  }
  if (body.relations !== undefined) {
    if (!isObject(body.relations)) throw invalid('relations must be object');
    for (const [id, rel] of Object.entries(body.relations)) checkRelationSchema(id, rel);
  }
}

function checkPropertySchema(id: string, prop: unknown) {
  if (id.length > 100 || !FIELD_ID.test(id)) throw invalid(`schema/properties property name "${id}" must match pattern "${FIELD_ID.source}"`);
  if (!isObject(prop)) throw invalid(`schema/properties/${id} must be object`);
  if (typeof prop.type !== 'string' || !TYPES.has(prop.type)) {
    throw invalid(`schema/properties/${id}/type must be equal to one of the allowed values (string, number, boolean, object, array)`);
  }
  if (prop.format !== undefined && (typeof prop.format !== 'string' || !FORMATS.has(prop.format))) {
    throw invalid(`schema/properties/${id}/format must be equal to one of the allowed values`);
  }
  if (prop.enum !== undefined && !Array.isArray(prop.enum)) throw invalid(`schema/properties/${id}/enum must be array`);
}

function checkRelationSchema(id: string, rel: unknown): asserts rel is RelationSchema {
  if (id.length > 100 || !FIELD_ID.test(id)) throw invalid(`relations property name "${id}" must match pattern "${FIELD_ID.source}"`);
  if (!isObject(rel)) throw invalid(`relations/${id} must be object`);
  for (const key of ['target', 'required', 'many'] as const) {
    if (rel[key] === undefined) throw invalid(`relations/${id} must have required property '${key}'`);
  }
  if (typeof rel.target !== 'string') throw invalid(`relations/${id}/target must be string`);
  if (typeof rel.required !== 'boolean' || typeof rel.many !== 'boolean') throw invalid(`relations/${id}/required and many must be boolean`);
}

/** Required properties must be declared ones. */
export function checkRequiredDeclared(bp: BlueprintBody) {
  for (const r of bp.schema.required ?? []) {
    if (!(r in bp.schema.properties)) throw invalid(`schema/required names "${r}", which is not a property of the blueprint`);
  }
}

// Format checks kept to the ones whose violations integrations actually hit.
const FORMAT_CHECKS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)),
  url: (v) => URL.canParse(v),
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v),
};

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

export function checkPropertyValue(id: string, schema: PropertySchema, value: unknown) {
  if (value === null) return; // null clears the property
  const actual = typeOf(value);
  if (actual !== schema.type) throw invalid(`properties/${id} must be ${schema.type}`);
  if (schema.type === 'string' && schema.format) {
    const check = FORMAT_CHECKS[schema.format];
    if (check && !check(value as string)) throw invalid(`properties/${id} must match format "${schema.format}"`);
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) throw invalid(`properties/${id} must be equal to one of the allowed values`);
  if (schema.type === 'array' && schema.items?.type) {
    for (const [i, item] of (value as unknown[]).entries()) {
      if (typeOf(item) !== schema.items.type) throw invalid(`properties/${id}/${i} must be ${schema.items.type}`);
    }
  }
}

/** Checks the fields of an entity body against its blueprint; relation targets are checked by the store. */
export function checkEntityBody(body: unknown, bp: Blueprint): asserts body is EntityBody {
  if (!isObject(body)) throw invalid('body must be object');
  if (body.title !== undefined && body.title !== null && typeof body.title !== 'string') throw invalid('title must be string');
  if (body.icon !== undefined && body.icon !== null && typeof body.icon !== 'string') throw invalid('icon must be string');
  if (body.team !== undefined && body.team !== null) {
    const ok = typeof body.team === 'string' || (Array.isArray(body.team) && body.team.every((t) => typeof t === 'string'));
    if (!ok) throw invalid('team must be string or array of strings');
  }
  if (body.properties !== undefined) {
    if (!isObject(body.properties)) throw invalid('properties must be object');
    for (const [id, value] of Object.entries(body.properties)) {
      const schema = bp.schema.properties[id];
      if (!schema) throw invalid(`properties must NOT have additional properties ("${id}" is not a property of blueprint "${bp.identifier}")`);
      checkPropertyValue(id, schema, value);
    }
  }
  if (body.relations !== undefined) {
    if (!isObject(body.relations)) throw invalid('relations must be object');
    for (const [id, value] of Object.entries(body.relations)) {
      const rel = bp.relations[id];
      if (!rel) throw invalid(`relations must NOT have additional properties ("${id}" is not a relation of blueprint "${bp.identifier}")`);
      checkRelationValue(id, rel, value);
    }
  }
}

function checkRelationValue(id: string, rel: RelationSchema, value: unknown): asserts value is RelationValue | null {
  if (value === null) return;
  if (rel.many) {
    if (!Array.isArray(value)) throw invalid(`relations/${id} must be array`);
    value.forEach((v, i) => checkEntityIdentifier(v, `relations/${id}/${i}`));
  } else {
    if (typeof value !== 'string') throw invalid(`relations/${id} must be string`);
    checkEntityIdentifier(value, `relations/${id}`);
  }
}

/** After a write is assembled: every required property and relation is set. */
export function checkRequired(bp: Blueprint, properties: Record<string, unknown>, relations: Record<string, RelationValue>) {
  for (const r of bp.schema.required ?? []) {
    if (properties[r] === undefined) throw invalid(`properties must have required property '${r}'`);
  }
  for (const [id, rel] of Object.entries(bp.relations)) {
    const v = relations[id];
    if (rel.required && (v === undefined || (Array.isArray(v) && v.length === 0))) throw invalid(`relations must have required property '${id}'`);
  }
}
