// Which kinds a kind must wait for. Kinds come in the source's dependency order; a kind only has to
// wait for the earlier kinds whose blueprints its relations point to (so relation targets exist first)
// and the earlier kinds that write one of its own blueprints (so the later item still wins); the others
// run beside it. Relation targets come from the blueprint definitions (the connector's, for its default
// mapping); where those are unknown (a custom mapping), a kind that maps no relations points nowhere,
// and one that does waits for every kind before it. A mapped `team` is Port's relation to `_team`.
// A blueprint computed per item is unknown too: that kind waits for every kind before it, and every
// later kind waits for it. A kind also waits for the kinds whose reads it takes over (the connector's
// `readsAfter`).
import type { BlueprintBody } from '../port/schemas';

/** Port's built-in blueprint of teams: an entity's `team` names entities of it. */
const TEAM_BLUEPRINT = '_team';

export function kindDependencies(
  kinds: string[],
  blueprintsOf: (kind: string) => string[] | undefined,
  blueprints: BlueprintBody[] | undefined,
  /** Earlier kinds a kind waits for whatever its blueprints (it takes over their reads). */
  readsAfter: Record<string, string[]> = {},
  /** Whether a kind's mapping sets any relation; without blueprint definitions, one that does not points nowhere. */
  mapsRelations: (kind: string) => boolean = () => true,
  /** Whether a kind's mapping sets `team`, which points to Port's `_team` blueprint. */
  mapsTeam: (kind: string) => boolean = () => false,
): Record<string, string[]> {
  const targets = new Map<string, Set<string>>();
  for (const bp of blueprints ?? []) targets.set(bp.identifier, new Set(Object.values(bp.relations ?? {}).map((r) => r.target)));
  /** The blueprints a kind's relations point to; undefined when they cannot be known. */
  const pointsTo = (kind: string, own: string[]): Set<string> | undefined => {
    if (own.every((bp) => targets.has(bp))) return new Set(own.flatMap((bp) => [...targets.get(bp)!]));
    return mapsRelations(kind) ? undefined : new Set();
  };
  const after: Record<string, string[]> = {};
  kinds.forEach((kind, i) => {
    const earlier = kinds.slice(0, i);
    const own = blueprintsOf(kind);
    const wanted = own && pointsTo(kind, own);
    if (!own || !wanted) {
      after[kind] = earlier;
      return;
    }
    for (const bp of own) wanted.add(bp);
    if (mapsTeam(kind)) wanted.add(TEAM_BLUEPRINT);
    after[kind] = earlier.filter((other) => {
      const theirs = blueprintsOf(other);
      return !theirs || theirs.some((bp) => wanted.has(bp)) || (readsAfter[kind] ?? []).includes(other);
    });
  });
  return after;
}

/**
 * The order in which kinds that may run are started: the kinds most others wait for (directly or not)
 * first, so the chain to the last kinds is short; otherwise the source's order. Humanitec: application,
 * environment, then workload and resourceGraph, which the write-only `resource` kind waits for, before
 * the kinds nothing waits for.
 */
export function startOrder(kinds: string[], after: Record<string, string[]>): string[] {
  const waitingFor = (kind: string): Set<string> => {
    const out = new Set<string>();
    const visit = (k: string) => {
      for (const other of kinds) {
        if (!(after[other] ?? []).includes(k) || out.has(other)) continue;
        out.add(other);
        visit(other);
      }
    };
    visit(kind);
    return out;
  };
  const waiting = new Map(kinds.map((k) => [k, waitingFor(k).size]));
  return kinds.map((k, i) => ({ k, i })).sort((a, b) => waiting.get(b.k)! - waiting.get(a.k)! || a.i - b.i).map(({ k }) => k);
}
