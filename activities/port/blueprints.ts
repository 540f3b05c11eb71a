// Making sure the blueprints a sync writes to exist, without ever taking anything from a user's own
// blueprint. Missing ones are created first without relations (a relation's target must exist, so
// self-relations and cycles need a second step), then relations are PATCHed in. Existing blueprints
// only gain the properties and relations they lack; nothing there is changed or removed. A create that
// Port refuses (409 in the simulator; the spec lists only 422) may have lost a race with another run or
// a user: when the blueprint exists by then, it is treated as existing; otherwise the refusal stands.
import { HTTPError } from 'ky';
import { parseRequest } from '../http/parse';
import type { PortClient } from './client';
import { blueprintBodySchema, type Blueprint, type BlueprintBody } from './schemas';

/** Blueprint fields that may point at other blueprints or relations: added in the second step. */
const LINKED = ['relations', 'mirrorProperties', 'aggregationProperties', 'ownership'] as const;
/** Keyed maps whose missing keys are added to an existing blueprint. */
const MAPS = ['relations', 'mirrorProperties', 'calculationProperties', 'aggregationProperties'] as const;

export interface EnsureResult {
  created: string[];
  /** Existing (or just created) blueprints that were PATCHed, with what was added (`properties.x`, `relations.y`). */
  changed: Array<{ blueprint: string; added: string[] }>;
}

type Json = Record<string, unknown>;

export async function ensureBlueprints(client: PortClient, wanted: BlueprintBody[], opts: { signal?: AbortSignal } = {}): Promise<EnsureResult> {
  const { signal } = opts;
  const bodies = wanted.map((bp) => parseRequest('port', `blueprint "${String(bp.identifier)}"`, blueprintBodySchema, bp));
  const result: EnsureResult = { created: [], changed: [] };
  // Within each step the requests are independent, so they go out together: three round trips for the
  // 13 Humanitec blueprints instead of ~36 one after the other.
  const existing = new Map<string, Blueprint>();
  await Promise.all(
    bodies.map(async (body) => {
      const current = await client.getBlueprint(body.identifier, signal);
      if (current) existing.set(body.identifier, current);
    }),
  );

  // 1. Create what is missing, without anything that links to other blueprints.
  const created = new Map<string, Blueprint>();
  const missing = bodies.filter((body) => !existing.has(body.identifier));
  await Promise.all(
    missing.map(async (body) => {
      const bare: Json = { ...body };
      for (const key of LINKED) delete bare[key];
      try {
        created.set(body.identifier, await client.createBlueprint(bare as BlueprintBody, signal));
      } catch (err) {
        // Created since our GET (two runs starting together): continue as with any existing blueprint.
        const current = isRefusal(err) ? await client.getBlueprint(body.identifier, signal) : undefined;
        if (!current) throw err;
        existing.set(body.identifier, current);
      }
    }),
  );
  result.created.push(...missing.map((body) => body.identifier).filter((id) => created.has(id)));

  // 2. Now every target exists: add the links to new blueprints, what is missing to existing ones.
  const patches = bodies.flatMap((body) => {
    const isNew = created.has(body.identifier);
    const current = (created.get(body.identifier) ?? existing.get(body.identifier))!;
    const { patch, added } = isNew ? linksOf(body) : missingParts(body, current);
    return added.length === 0 ? [] : [{ body, isNew, patch, added }];
  });
  await Promise.all(patches.map(({ body, patch }) => client.patchBlueprint(body.identifier, patch, signal)));
  for (const { body, isNew, added } of patches) if (!isNew) result.changed.push({ blueprint: body.identifier, added });
  return result;
}

/** Port's answer to a create whose identifier is taken is not documented: any 4xx is checked by a read. */
const isRefusal = (err: unknown) => err instanceof HTTPError && err.response.status >= 400 && err.response.status < 500;

function linksOf(body: BlueprintBody): { patch: Json; added: string[] } {
  const patch: Json = {};
  const added: string[] = [];
  for (const key of LINKED) {
    const value = (body as Json)[key];
    if (value === undefined) continue;
    patch[key] = value;
    added.push(...(key === 'ownership' ? [key] : Object.keys(value as Json).map((k) => `${key}.${k}`)));
  }
  return { patch, added };
}

/**
 * What `body` has that `current` lacks. Each map is sent whole (the user's entries as Port returned
 * them, plus ours), so the PATCH keeps the user's entries whether Port merges maps by key (as the
 * simulator does) or replaces the map it is sent. `schema.required` is left as the user has it: making
 * a property required on a blueprint with entities would break their writes.
 */
function missingParts(body: BlueprintBody, current: Blueprint): { patch: Json; added: string[] } {
  const patch: Json = {};
  const added: string[] = [];
  const have = current.schema.properties;
  const newProperties = Object.keys(body.schema.properties).filter((k) => !(k in have));
  if (newProperties.length > 0) {
    const properties: Json = { ...have };
    for (const k of newProperties) properties[k] = body.schema.properties[k];
    patch.schema = { ...current.schema, properties };
    added.push(...newProperties.map((k) => `properties.${k}`));
  }
  for (const key of MAPS) {
    const ours = ((body as Json)[key] ?? {}) as Json;
    const theirs = ((current as Json)[key] ?? {}) as Json;
    const missing = Object.keys(ours).filter((k) => !(k in theirs));
    if (missing.length === 0) continue;
    patch[key] = { ...theirs, ...Object.fromEntries(missing.map((k) => [k, ours[k]])) };
    added.push(...missing.map((k) => `${key}.${k}`));
  }
  return { patch, added };
}
