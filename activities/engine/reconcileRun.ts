// The delete phase of a resync: decide which blueprints this run may reconcile, read what the
// integration owns there, plan the deletes (reconcile.ts) and carry them out in reverse dependency
// order, or only report them in a dry run.
import type { CompiledMapping } from '../mapping';
import { digestSize, distinctCount, ProducedSet } from './digest';
import type { OwnedEntity } from './entity';
import { planDeletes } from './reconcile';
import { chunk, forEachLimit, PLAN_LINES } from './syncPage';
import type { Target } from './target';

export interface RunKind {
  kind: string;
  /** Every page fetched and no item without an identifier. */
  complete: boolean;
  /** Why not complete. */
  incomplete?: string;
  digests: string[];
  /** Entities the kind's chunks reported producing: the digests must hold exactly as many. */
  produced: number;
  /** Items that failed to map or to write (absent in runs recorded before it was carried). */
  failed?: number;
}

export interface ReconcileOutcome {
  status: 'done' | 'refused' | 'dry-run';
  reason?: string;
  /** Deleted (or, in a dry run, to be deleted) per blueprint. */
  deleted: Record<string, number>;
  /** The same, credited to the first kind of the run that writes each blueprint. */
  deletedByKind: Record<string, number>;
  /** Dry run: the first deletes a real run would make (capped; `deleted` has the counts). */
  plan?: string[];
  failed: number;
  failures: string[];
  ownedInScope: number;
  /** Nothing was listed: the target's counts showed every blueprint in scope holds just what the run produced. */
  settledByCount?: boolean;
  keptWrittenDuringRun: number;
  keptAsRelationTarget: number;
}

export interface ReconcileRunInput {
  integration: string;
  target: Target;
  mapping: CompiledMapping;
  /** Kinds of this run, in dependency order. */
  kinds: RunKind[];
  startedAt: string;
  dryRun: boolean;
  identifierPrefix?: string;
  signal: AbortSignal;
  /** Called between target calls, so a long delete phase keeps its activity alive. */
  progress?: () => void;
}

const MAX_FAILURES_REPORTED = 20;
/** Blueprints whose owned entities are listed at once (each listing reads its pages one after the other). */
const LISTINGS_AT_ONCE = 4;

export const emptyOutcome = (dryRun: boolean): ReconcileOutcome => ({
  status: dryRun ? 'dry-run' : 'done',
  deleted: {},
  deletedByKind: {},
  failed: 0,
  failures: [],
  ownedInScope: 0,
  keptWrittenDuringRun: 0,
  keptAsRelationTarget: 0,
});

export async function reconcileRun(input: ReconcileRunInput): Promise<ReconcileOutcome> {
  const outcome = emptyOutcome(input.dryRun);
  const refuse = (reason: string): ReconcileOutcome => ({ ...outcome, status: 'refused', reason });

  const incomplete = input.kinds.filter((k) => !k.complete);
  if (incomplete.length > 0) {
    return refuse(`nothing deleted: ${incomplete.map((k) => `kind "${k.kind}" is incomplete (${k.incomplete ?? 'not fetched completely'})`).join('; ')}`);
  }
  // The digests are the only record of what the run produced: if any is lost or damaged, do not guess.
  const damaged = input.kinds.filter((k) => !digestsIntact(k));
  if (damaged.length > 0) {
    return refuse(`nothing deleted: the record of entities produced is incomplete for kind(s) ${damaged.map((k) => `"${k.kind}"`).join(', ')}`);
  }
  const scope = blueprintsInScope(input.mapping, input.kinds.map((k) => k.kind));
  if (scope.blueprints.length === 0) return refuse(`nothing deleted: ${scope.excluded.join('; ') || 'no blueprint to reconcile'}`);

  if (await holdOnlyWhatRunProduced(input, scope.blueprints)) {
    return { ...outcome, settledByCount: true, ...(scope.excluded.length > 0 ? { reason: `not reconciled: ${scope.excluded.join('; ')}` } : {}) };
  }

  // Blueprints are listed side by side (each one's pages follow its cursor, one after the other): at the
  // end of a Humanitec sync that is 13 listings, ~50 searches, which took ~1.5 s one after the other.
  const listed = new Map<string, OwnedEntity[]>(scope.blueprints.map((bp) => [bp, []]));
  await forEachLimit(scope.blueprints, LISTINGS_AT_ONCE, async (blueprint) => {
    for await (const page of input.target.listOwned(blueprint, input.signal)) {
      listed.get(blueprint)!.push(...page);
      input.progress?.();
    }
  });
  const owned = [...listed.values()].flat();
  const produced = new ProducedSet(input.kinds.flatMap((k) => k.digests));
  // A kind that returned nothing beside one that did, in one blueprint: the blueprint is not "returned none".
  const emptyKinds = new Map<string, string[]>();
  for (const k of input.kinds.filter((k) => k.produced === 0)) {
    for (const bp of input.mapping.blueprintsOf(k.kind) ?? []) emptyKinds.set(bp, [...(emptyKinds.get(bp) ?? []), k.kind]);
  }
  const plan = planDeletes({
    owned,
    produced,
    emptyKinds,
    runStartedAt: input.startedAt,
    threshold: input.mapping.flags.entityDeletionThreshold,
    identifierPrefix: input.identifierPrefix,
    blueprintOrder: scope.blueprints,
  });
  Object.assign(outcome, { ownedInScope: plan.ownedInScope, keptWrittenDuringRun: plan.keptWrittenDuringRun, keptAsRelationTarget: plan.keptAsRelationTarget });
  if (plan.refused) return refuse(`nothing deleted: ${plan.refused}`);
  if (scope.excluded.length > 0) outcome.reason = `not reconciled: ${scope.excluded.join('; ')}`;

  // Deletes arrive sorted by blueprint (dependents first); send them blueprint by blueprint, 100 at a time.
  for (const [blueprint, ids] of groupIds(plan.deletes)) {
    if (input.dryRun) {
      outcome.deleted[blueprint] = ids.length;
      outcome.plan ??= [];
      for (const id of ids.slice(0, PLAN_LINES - outcome.plan.length)) outcome.plan.push(`delete ${blueprint} "${id}"`);
      continue;
    }
    for (const batch of chunk(ids, 100)) {
      const result = await input.target.delete(blueprint, batch, {
        deleteDependents: input.mapping.flags.deleteDependentEntities,
        signal: input.signal,
        keepWrittenSince: input.startedAt,
      });
      outcome.deleted[blueprint] = (outcome.deleted[blueprint] ?? 0) + result.deleted.length;
      outcome.keptWrittenDuringRun += result.keptWrittenDuringRun?.length ?? 0;
      outcome.failed += result.failed.length;
      for (const f of result.failed.slice(0, MAX_FAILURES_REPORTED - outcome.failures.length)) {
        outcome.failures.push(`${blueprint} "${f.identifier}" kept: ${f.message}`);
      }
      input.progress?.();
    }
  }
  for (const [blueprint, n] of Object.entries(outcome.deleted)) {
    const kind = input.kinds.find((k) => input.mapping.blueprintsOf(k.kind)?.includes(blueprint))?.kind;
    if (kind) outcome.deletedByKind[kind] = (outcome.deletedByKind[kind] ?? 0) + n;
  }
  return outcome;
}

/**
 * True when the target holds, in every blueprint in scope, exactly as many entities as the run produced
 * there: each of those is present (found unchanged or written, nothing failed), so nothing else is and
 * there is nothing to delete. One count per blueprint instead of listing them (at Port, 50 searches for
 * 50,000 entities). All or nothing: the relations of a blueprint that is not listed could keep a stale
 * entity of another one, so any blueprint that does not settle means listing them all.
 *
 * It can miss a stale entity only when others deleted just as many produced entities during the run; the
 * next run deletes it. It never deletes: it only decides that listing would find nothing.
 */
async function holdOnlyWhatRunProduced(input: ReconcileRunInput, blueprints: string[]): Promise<boolean> {
  const { target, mapping, kinds } = input;
  if (!target.count || input.dryRun || input.identifierPrefix) return false;
  const expected = new Map<string, number>();
  for (const blueprint of blueprints) {
    const writers = kinds.filter((k) => mapping.blueprintsOf(k.kind)?.includes(blueprint));
    // A writer's digests must name this blueprint alone, and every item it had must be in the target.
    if (writers.some((k) => k.failed !== 0 || mapping.blueprintsOf(k.kind)?.length !== 1)) return false;
    expected.set(blueprint, distinctCount(writers.flatMap((k) => k.digests)));
  }
  let settled = true;
  await forEachLimit(blueprints, LISTINGS_AT_ONCE, async (blueprint) => {
    if (settled && (await target.count!(blueprint, input.signal)) !== expected.get(blueprint)) settled = false;
  });
  return settled;
}

function digestsIntact(kind: RunKind): boolean {
  try {
    return kind.digests.reduce((n, d) => n + digestSize(d), 0) === kind.produced;
  } catch {
    return false;
  }
}

/**
 * A blueprint is reconciled only when every kind that writes to it ran completely in this run, and its
 * name is known before the run (a constant blueprint expression): otherwise deleting its owned
 * entities could remove what another kind, outside this run, produced.
 */
export function blueprintsInScope(mapping: CompiledMapping, runKinds: string[]): { blueprints: string[]; excluded: string[] } {
  const excluded: string[] = [];
  const writers = new Map<string, string[]>();
  for (const kind of mapping.kinds) {
    const bps = mapping.blueprintsOf(kind);
    if (!bps) {
      if (runKinds.includes(kind)) excluded.push(`kind "${kind}" computes its blueprint per item`);
      continue;
    }
    for (const bp of bps) writers.set(bp, [...(writers.get(bp) ?? []), kind]);
  }
  const blueprints: string[] = [];
  for (const kind of runKinds) {
    for (const bp of mapping.blueprintsOf(kind) ?? []) {
      if (blueprints.includes(bp)) continue;
      const outside = (writers.get(bp) ?? []).filter((k) => !runKinds.includes(k));
      if (outside.length > 0) excluded.push(`blueprint "${bp}" is also written by kind(s) ${outside.map((k) => `"${k}"`).join(', ')}, not part of this run`);
      else blueprints.push(bp);
    }
  }
  return { blueprints, excluded };
}

function groupIds(entities: OwnedEntity[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const e of entities) {
    const ids = groups.get(e.blueprint);
    if (ids) ids.push(e.identifier);
    else groups.set(e.blueprint, [e.identifier]);
  }
  return groups;
}
