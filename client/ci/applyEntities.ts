// Writes entity files to Port the way the GitOps and CI guides mean it, and better than their curl:
// each entity is read first and written only when it differs, so a pipeline that runs again writes
// nothing (no audit-log noise, no $updatedAt bump, no automations fired for nothing), and every change
// is reported field by field. One entity that Port refuses does not stop the others.
import { HTTPError } from 'ky';
import { describeChanges, sameEntity } from '../../activities/engine/diff';
import { itemErrorMessage } from '../../activities/http/errors';
import type { Entity } from '../../activities/engine/entity';
import type { PortClient } from '../../activities/port/client';
import { toEntity } from '../../activities/port/target';
import type { Blueprint } from '../../activities/port/schemas';
import type { EntityFileEntry } from './entityFiles';

export type EntityOutcome = {
  source: string;
  blueprint: string;
  identifier: string;
} & (
  | { result: 'created'; changes?: undefined }
  | { result: 'updated'; changes: string[] }
  | { result: 'unchanged'; changes?: undefined }
  | { result: 'failed'; error: string }
);

export interface ApplyOptions {
  /** Port's merge: only the fields the file gives change. Otherwise the file is the whole entity. */
  merge: boolean;
  createMissingRelatedEntities: boolean;
  /** Read and compare only; the outcome says what a real run would do. */
  dryRun: boolean;
}

export async function applyEntities(
  port: Pick<PortClient, 'getBlueprint' | 'getEntity' | 'upsertEntity'>,
  entries: EntityFileEntry[],
  opts: ApplyOptions,
): Promise<EntityOutcome[]> {
  // Each blueprint once: a missing one is named as such (not as a missing entity), and its declared
  // properties and relations are what a replacing write clears (Port also answers calculated ones).
  const blueprints = new Map<string, Blueprint | undefined>();
  for (const blueprint of new Set(entries.map((e) => e.blueprint))) blueprints.set(blueprint, await port.getBlueprint(blueprint));
  const outcomes: EntityOutcome[] = [];
  for (const { source, blueprint, entity } of entries) {
    const at = { source, blueprint, identifier: entity.identifier };
    try {
      const schema = blueprints.get(blueprint);
      if (!schema) throw new Error(`blueprint "${blueprint}" does not exist in Port`);
      const current = await port.getEntity(blueprint, entity.identifier);
      const held = current && toEntity(blueprint, current);
      const desired = asDesired(blueprint, entity, held, opts.merge ? undefined : schema);
      const changes = held && [...describeChanges(desired, held), ...clearedMeta(entity, held, opts.merge)];
      if (changes && changes.length === 0 && sameEntity(desired, held)) {
        outcomes.push({ ...at, result: 'unchanged' });
        continue;
      }
      if (!opts.dryRun) await port.upsertEntity(blueprint, entity, { merge: opts.merge, createMissingRelatedEntities: opts.createMissingRelatedEntities });
      outcomes.push(changes ? { ...at, result: 'updated', changes } : { ...at, result: 'created' });
    } catch (err) {
      // Port's own reason (status and message); anything else (Port unreachable, a timeout) as it came.
      const error = err instanceof HTTPError ? await itemErrorMessage(err) : err instanceof Error ? err.message : String(err);
      outcomes.push({ ...at, result: 'failed', error });
    }
  }
  return outcomes;
}

/**
 * The entity as it will be once written. Replacing (`replacing` is the blueprint), Port clears what the
 * file leaves out: a declared property or relation the entity holds counts as null here, so a leftover
 * value is a change. Merging, only what the file gives is compared.
 */
function asDesired(blueprint: string, entity: EntityFileEntry['entity'], held: Entity | undefined, replacing: Blueprint | undefined): Entity {
  const cleared = (values: Record<string, unknown> | undefined, declared: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.keys(values ?? {}).filter((k) => replacing && k in (declared ?? {})).map((k) => [k, null]));
  return {
    identifier: entity.identifier,
    blueprint,
    ...(entity.title !== undefined ? { title: entity.title } : {}),
    ...(entity.icon !== undefined ? { icon: entity.icon } : {}),
    ...(entity.team !== undefined ? { team: entity.team } : {}),
    properties: { ...cleared(held?.properties, replacing?.schema.properties), ...entity.properties },
    relations: { ...(cleared(held?.relations, replacing?.relations) as Entity['relations']), ...entity.relations },
  };
}

/** Replacing, a title, icon or team the file leaves out is cleared too. */
function clearedMeta(entity: EntityFileEntry['entity'], held: Entity, merge: boolean): string[] {
  if (merge) return [];
  const cleared: string[] = [];
  if (entity.title === undefined && held.title !== undefined) cleared.push('title: cleared');
  if (entity.icon === undefined && held.icon !== undefined) cleared.push('icon: cleared');
  if (entity.team === undefined && held.team !== undefined && [held.team].flat().length > 0) cleared.push('team: cleared');
  return cleared;
}
