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
import type { PortEntity } from '../../activities/port/schemas';
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
  port: Pick<PortClient, 'getEntity' | 'upsertEntity'>,
  entries: EntityFileEntry[],
  opts: ApplyOptions,
): Promise<EntityOutcome[]> {
  const outcomes: EntityOutcome[] = [];
  for (const { source, blueprint, entity } of entries) {
    const at = { source, blueprint, identifier: entity.identifier };
    try {
      const current = await port.getEntity(blueprint, entity.identifier);
      const desired = asDesired(blueprint, entity, current, opts.merge);
      const held = current && toEntity(blueprint, current);
      if (held && sameEntity(desired, held)) {
        outcomes.push({ ...at, result: 'unchanged' });
        continue;
      }
      if (!opts.dryRun) await port.upsertEntity(blueprint, entity, { merge: opts.merge, createMissingRelatedEntities: opts.createMissingRelatedEntities });
      outcomes.push(held ? { ...at, result: 'updated', changes: describeChanges(desired, held) } : { ...at, result: 'created' });
    } catch (err) {
      // Port's own reason (status and message); anything else (Port unreachable, a timeout) as it came.
      const error = err instanceof HTTPError ? await itemErrorMessage(err) : err instanceof Error ? err.message : String(err);
      outcomes.push({ ...at, result: 'failed', error });
    }
  }
  return outcomes;
}

/**
 * The entity as it will be once written. Without merge, Port replaces the whole entity: a property or
 * relation the file leaves out is cleared, so it counts as null here and a leftover value is a change.
 */
function asDesired(blueprint: string, entity: EntityFileEntry['entity'], current: PortEntity | undefined, merge: boolean): Entity {
  const cleared = (held: Record<string, unknown> | undefined) => (merge ? {} : Object.fromEntries(Object.keys(held ?? {}).map((k) => [k, null])));
  return {
    identifier: entity.identifier,
    blueprint,
    ...(entity.title !== undefined ? { title: entity.title } : {}),
    ...(entity.icon !== undefined ? { icon: entity.icon } : {}),
    ...(entity.team !== undefined ? { team: entity.team } : {}),
    properties: { ...cleared(current?.properties), ...entity.properties },
    relations: { ...(cleared(current?.relations) as Entity['relations']), ...entity.relations },
  };
}
