// GitOps with deletes: when a set of entity files is the source of truth, an entity whose file was
// removed should leave Port too (the guide's curl never deletes, so its entities outlive their
// services). The files are the run's source and the writer (`--as`) is the owner, and the engine's own
// reconcile rules decide (engine/reconcile.ts): only what this writer wrote, only in the blueprints the
// files name, never an entity written since the command started, never the relation target of an entity
// the files name, never more than the threshold of a blueprint.
import { planDeletes } from '../../activities/engine/reconcile';
import type { OwnedEntity } from '../../activities/engine/entity';
import { TEAM_RELATION, type PortTarget } from '../../activities/port/target';
import type { EntityFileEntry } from './entityFiles';

export interface PruneOptions {
  /** When the command started (ISO): anything written since is fresh, never stale. */
  startedAt: string;
  /** Largest share of one blueprint's owned entities that may go (0..1). */
  threshold: number;
  dryRun: boolean;
}

export interface PruneOutcome {
  /** Deleted (or, in a dry run, to be deleted). */
  deleted: Array<{ blueprint: string; identifier: string }>;
  failed: Array<{ blueprint: string; identifier: string; error: string }>;
  /** Why nothing was deleted, when the rules refused. */
  refused?: string;
  keptWrittenDuringRun: number;
  keptAsRelationTarget: number;
}

export async function pruneEntities(
  target: Pick<PortTarget, 'listOwned' | 'delete'>,
  entries: EntityFileEntry[],
  opts: PruneOptions,
): Promise<PruneOutcome> {
  const signal = new AbortController().signal;
  const blueprints = [...new Set(entries.map((e) => e.blueprint))];
  const named = new Set(entries.map((e) => key(e.blueprint, e.entity.identifier)));
  const owned: OwnedEntity[] = [];
  for (const blueprint of blueprints) for await (const page of target.listOwned(blueprint, signal)) owned.push(...page);
  const plan = planDeletes({
    owned,
    produced: { has: (blueprint, identifier) => named.has(key(blueprint, identifier)) },
    runStartedAt: opts.startedAt,
    threshold: opts.threshold,
    // The files' order: relation targets usually come first; a delete Port refuses is reported, not forced.
    blueprintOrder: blueprints,
    // Whoever wrote them, the entities the files name stay, and so does what they point at.
    alsoKept: entries.map(({ blueprint, entity }) => ({
      blueprint,
      identifier: entity.identifier,
      updatedAt: opts.startedAt,
      relations: entity.team === undefined ? entity.relations : { ...entity.relations, [TEAM_RELATION]: entity.team },
    })),
  });
  const outcome: PruneOutcome = { deleted: [], failed: [], refused: plan.refused, keptWrittenDuringRun: plan.keptWrittenDuringRun, keptAsRelationTarget: plan.keptAsRelationTarget };
  if (plan.refused) return outcome;
  if (opts.dryRun) {
    outcome.deleted = plan.deletes.map(({ blueprint, identifier }) => ({ blueprint, identifier }));
    return outcome;
  }
  // plan.deletes runs blueprint by blueprint, dependents first; each blueprint goes as one batch.
  for (const blueprint of [...new Set(plan.deletes.map((e) => e.blueprint))]) {
    const ids = plan.deletes.filter((e) => e.blueprint === blueprint).map((e) => e.identifier);
    const result = await target.delete(blueprint, ids, { deleteDependents: false, signal });
    outcome.deleted.push(...result.deleted.map((identifier) => ({ blueprint, identifier })));
    outcome.failed.push(...result.failed.map((f) => ({ blueprint, identifier: f.identifier, error: f.message })));
  }
  return outcome;
}

const key = (blueprint: string, identifier: string) => `${blueprint}\u0000${identifier}`;
