// Which owned entities a completed run may delete (DESIGN.md invariant 4). Pure: the activity feeds
// it what the target holds and the run's digest, and executes (or, in a dry run, only reports) the
// result. Every rule here errs towards keeping an entity.
import type { OwnedEntity } from './entity';

export interface Produced {
  has(blueprint: string, identifier: string): boolean;
}

export interface ReconcileInput {
  /** Every entity this integration owns in the blueprints being reconciled. */
  owned: OwnedEntity[];
  produced: Produced;
  /** ISO time the run started: anything written since then is someone's fresh data, never stale. */
  runStartedAt: string;
  /** Largest share of one blueprint's owned entities in scope that one run may delete (0..1). */
  threshold: number;
  /** A run scoped to part of the source (one app) deletes only identifiers with this prefix. */
  identifierPrefix?: string;
  /** Blueprints in dependency order (relation targets first); deletes go the other way. */
  blueprintOrder: string[];
  /** Per blueprint, the kinds writing it whose source returned nothing in this run. */
  emptyKinds?: Map<string, string[]>;
  /**
   * Entities that stay though they are not owned (a GitOps run's files name them, whoever wrote them):
   * what they relate to is kept too, as for kept owned entities.
   */
  alsoKept?: OwnedEntity[];
}

export interface ReconcilePlan {
  deletes: OwnedEntity[];
  ownedInScope: number;
  keptWrittenDuringRun: number;
  keptAsRelationTarget: number;
  /** Set when the run deletes nothing for safety, saying why. */
  refused?: string;
}

export function planDeletes(input: ReconcileInput): ReconcilePlan {
  const inScope = input.owned.filter((e) => !input.identifierPrefix || e.identifier.startsWith(input.identifierPrefix));
  const plan: ReconcilePlan = { deletes: [], ownedInScope: inScope.length, keptWrittenDuringRun: 0, keptAsRelationTarget: 0 };
  const runStart = Date.parse(input.runStartedAt);

  const stale = new Map<string, OwnedEntity>();
  const perBlueprint = new Map<string, { owned: number; produced: number }>();
  for (const entity of inScope) {
    const counts = perBlueprint.get(entity.blueprint) ?? { owned: 0, produced: 0 };
    perBlueprint.set(entity.blueprint, counts);
    counts.owned += 1;
    if (input.produced.has(entity.blueprint, entity.identifier)) {
      counts.produced += 1;
      continue;
    }
    if (Date.parse(entity.updatedAt) >= runStart) {
      plan.keptWrittenDuringRun += 1;
      continue;
    }
    stale.set(key(entity), entity);
  }
  if (stale.size === 0) return plan;

  keepRelationTargets([...input.owned, ...(input.alsoKept ?? [])], stale, plan);

  // Judged per blueprint, and per kind within it: a source that returns nothing for one kind must not
  // empty its blueprint, or its share of one, just because the other kinds look healthy.
  const staleCounts = new Map<string, number>();
  for (const e of stale.values()) staleCounts.set(e.blueprint, (staleCounts.get(e.blueprint) ?? 0) + 1);
  const refusals: string[] = [];
  for (const [blueprint, n] of staleCounts) {
    const counts = perBlueprint.get(blueprint)!;
    const empty = input.emptyKinds?.get(blueprint) ?? [];
    if (counts.produced === 0) {
      refusals.push(`the source returned none of the ${counts.owned} owned "${blueprint}" entities`);
    } else if (empty.length > 0) {
      refusals.push(
        `kind(s) ${empty.map((k) => `"${k}"`).join(', ')} returned nothing, so which of the ${n} owned "${blueprint}" entities the run did not produce are stale is unknown`,
      );
    } else if (n / counts.owned > input.threshold) {
      refusals.push(
        `${n} of ${counts.owned} owned "${blueprint}" entities (${percent(n / counts.owned)}) would be deleted, above the threshold of ${percent(input.threshold)} (entityDeletionThreshold)`,
      );
    }
  }
  if (refusals.length > 0) return { ...plan, refused: refusals.join('; ') };

  const rank = new Map(input.blueprintOrder.map((bp, i) => [bp, i]));
  plan.deletes = [...stale.values()].sort((a, b) => (rank.get(b.blueprint) ?? -1) - (rank.get(a.blueprint) ?? -1));
  return plan;
}

/**
 * An entity a kept entity points to stays, and so on transitively. Relations name only an identifier,
 * so a match in any blueprint counts: it may keep one too many, never deletes one too many.
 */
function keepRelationTargets(owned: OwnedEntity[], stale: Map<string, OwnedEntity>, plan: ReconcilePlan) {
  const staleById = new Map<string, OwnedEntity[]>();
  for (const entity of stale.values()) staleById.set(entity.identifier, [...(staleById.get(entity.identifier) ?? []), entity]);
  let frontier = owned.filter((e) => !stale.has(key(e)));
  while (frontier.length > 0) {
    const next: OwnedEntity[] = [];
    for (const entity of frontier) {
      for (const value of Object.values(entity.relations)) {
        for (const target of value === null ? [] : Array.isArray(value) ? value : [value]) {
          for (const kept of staleById.get(target) ?? []) {
            if (stale.delete(key(kept))) {
              plan.keptAsRelationTarget += 1;
              next.push(kept);
            }
          }
        }
      }
    }
    frontier = next;
  }
}

const key = (e: OwnedEntity) => `${e.blueprint}\u0000${e.identifier}`;
const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;
