// One page of a kind through the engine: map the raw items, compare with what the target holds, write
// only what changed, in bulk. Everything the page produced goes into the run's digest, including
// items whose write failed or whose mapping failed after their identifier was known: their entities
// are kept by reconcile. I/O comes in as the target, so a dry run is the same code without writes.
import { setImmediate } from 'node:timers/promises';
import type { CompiledMapping, MapResult } from '../mapping';
import type { DigestBuilder } from './digest';
import { describeChanges, planWrites } from './diff';
import type { Entity } from './entity';
import type { Target } from './target';

export interface PageCounts {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Items that failed to map or to write. */
  failed: number;
  /** Items the selector left out. */
  filtered: number;
  /** Items whose identifier could not be computed: their kind is incomplete and the run deletes nothing. */
  unidentified: number;
}

export interface PageOutcome extends PageCounts {
  /** Readable reasons, one per failed item. */
  failures: string[];
  /** Why the kind cannot be reconciled, when this page makes it so. */
  incomplete?: string;
  /** Entries of writtenBefore this page counted. */
  carried: [blueprint: string, identifier: string][];
  /** Dry run: what a real run would write, one line per entity (`update service "a": url: ... -> ...`), at most PLAN_LINES. */
  plan: string[];
}

/** Plan lines one page reports; the counts are always complete. */
export const PLAN_LINES = 100;

export interface PageInput {
  integration: string;
  kind: string;
  items: unknown[];
  mapping: CompiledMapping;
  target: Target;
  dryRun: boolean;
  digest: DigestBuilder;
  signal: AbortSignal;
  /** Upsert calls in flight at once. */
  concurrency: number;
  /** Each entity written, as it is written, so an attempt that fails mid-page can hand it on. */
  onWritten?: (blueprint: string, identifier: string, as: WriteKind) => void;
  /**
   * What an earlier, failed attempt wrote and never counted: those entities now read back unchanged,
   * but the run changed them, and the report says so (once: see PageOutcome.carried).
   */
  writtenBefore?: WrittenLog;
}

export type WriteKind = 'created' | 'updated';
/** Entities written but not yet counted, by blueprint and identifier. */
export type WrittenLog = Record<string, Record<string, WriteKind>>;

export const emptyCounts = (): PageCounts => ({ fetched: 0, created: 0, updated: 0, unchanged: 0, failed: 0, filtered: 0, unidentified: 0 });

/** A page mapped and compared with nothing yet: what the target holds for its entities, read. */
export interface PageRead {
  mapped: MapResult;
  /** Per blueprint: the entities as mapped, as the target stores them (normalized), their identifiers (once each) and what the target holds now. */
  groups: { blueprint: string; mapped: Entity[]; entities: Entity[]; identifiers: string[]; existing: Map<string, Entity> }[];
}

/** Maps the page and reads what the target holds for it. Reads only: a page can be read while the one before it is written. */
export async function readPage(input: Pick<PageInput, 'kind' | 'items' | 'mapping' | 'target' | 'signal'>): Promise<PageRead> {
  const { kind, mapping, target } = input;
  const mapped = await mapInSlices(mapping, kind, input.items);
  const groups: PageRead['groups'] = [];
  for (const [blueprint, mappedEntities] of groupBy(mapped.entities, (e) => e.blueprint)) {
    const entities = target.normalize ? await target.normalize(mappedEntities, input.signal) : mappedEntities;
    const identifiers = [...new Set(entities.map((e) => e.identifier))];
    const existing = await target.getMany(blueprint, identifiers, input.signal, mapping.fieldsOf(kind));
    groups.push({ blueprint, mapped: mappedEntities, entities, identifiers, existing });
  }
  return { mapped, groups };
}

export async function syncPage(input: PageInput): Promise<PageOutcome> {
  return writePage(input, await readPage(input));
}

/**
 * Writes what a read page changes. `writtenSinceRead`: entities written after the page was read (by the
 * page before it, written meanwhile); those of them the page holds too are read again first, so the
 * later item wins as it would one page after the other.
 */
export async function writePage(input: PageInput & { writtenSinceRead?: (blueprint: string, identifier: string) => boolean }, read: PageRead): Promise<PageOutcome> {
  const { kind, mapping, target } = input;
  const { mapped } = read;
  const outcome: PageOutcome = {
    ...emptyCounts(),
    fetched: input.items.length,
    filtered: mapped.filtered,
    unidentified: mapped.unidentified,
    failed: mapped.failures.length,
    carried: [],
    plan: [],
    failures: mapped.failures.map(
      (f) => `integration "${input.integration}", kind "${kind}", item ${f.identifier ? `"${f.identifier}"` : '(no identifier)'}: ${f.field} = ${f.expression}: ${f.message}`,
    ),
  };
  if (mapped.unidentified > 0) outcome.incomplete = `${mapped.unidentified} item(s) of kind "${kind}" have no identifier`;

  // An item that failed to map keeps its entity, when we know which one it is.
  const blueprints = mapping.blueprintsOf(kind);
  for (const failure of mapped.failures) {
    if (!failure.identifier) continue;
    if (blueprints) for (const bp of blueprints) input.digest.add(bp, failure.identifier);
    else outcome.incomplete ??= `an item of kind "${kind}" failed to map and its blueprint is computed per item`;
  }

  for (const { blueprint, mapped: mappedEntities, entities, identifiers, existing } of read.groups) {
    for (const e of mappedEntities) input.digest.add(blueprint, e.identifier);
    const since = input.writtenSinceRead;
    const again = since ? identifiers.filter((id) => since(blueprint, id)) : [];
    if (again.length > 0) {
      const now = await target.getMany(blueprint, again, input.signal, mapping.fieldsOf(kind));
      for (const id of again) {
        const held = now.get(id);
        if (held) existing.set(id, held);
        else existing.delete(id);
      }
    }
    const plan = planWrites(entities, existing, mapping.flags.enableMergeEntity);
    outcome.unchanged += plan.unchanged;
    const before = input.writtenBefore?.[blueprint];
    if (before) {
      const planned = new Set([...plan.creates, ...plan.updates].map((e) => e.identifier));
      for (const id of identifiers) {
        const as = before[id];
        if (!as) continue;
        outcome.carried.push([blueprint, id]);
        if (planned.has(id)) continue; // written again now, and counted as such
        outcome.unchanged -= 1;
        outcome[as] += 1;
      }
    }
    if (input.dryRun) {
      outcome.created += plan.creates.length;
      outcome.updated += plan.updates.length;
      const name = target.fieldName?.bind(target);
      for (const e of plan.creates.slice(0, PLAN_LINES - outcome.plan.length)) outcome.plan.push(`create ${blueprint} "${e.identifier}"`);
      for (const e of plan.updates.slice(0, PLAN_LINES - outcome.plan.length)) {
        outcome.plan.push(`update ${blueprint} "${e.identifier}": ${describeChanges(e, existing.get(e.identifier)!, name).join('; ')}`);
      }
      continue;
    }
    const creates = new Set(plan.creates.map((e) => e.identifier));
    const batches = chunk([...plan.creates, ...plan.updates], target.maxBatch);
    await forEachLimit(batches, input.concurrency, async (batch) => {
      const result = await target.upsert(blueprint, batch, {
        createMissingRelatedEntities: mapping.flags.createMissingRelatedEntities,
        merge: mapping.flags.enableMergeEntity,
        signal: input.signal,
      });
      for (const id of result.written) {
        const as = creates.has(id) ? 'created' : 'updated';
        outcome[as] += 1;
        input.onWritten?.(blueprint, id, as);
      }
      outcome.failed += result.failed.length;
      for (const f of result.failed) outcome.failures.push(`integration "${input.integration}", kind "${kind}", ${blueprint} "${f.identifier}": ${f.message}`);
    });
  }
  return outcome;
}

/**
 * Items mapped in one turn of the event loop. Mapping a batch of 1,000 items at once holds the worker's
 * only thread for tens of ms, and meanwhile no answer of the source's other requests in flight is
 * handled and no next request is sent; in slices the reads keep going while a batch is mapped.
 */
const MAP_SLICE = 100;

async function mapInSlices(mapping: CompiledMapping, kind: string, items: unknown[]): Promise<MapResult> {
  if (items.length <= MAP_SLICE) return mapping.map(kind, items);
  const out: MapResult = { entities: [], failures: [], unidentified: 0, filtered: 0 };
  for (let i = 0; i < items.length; i += MAP_SLICE) {
    if (i > 0) await setImmediate();
    const part = mapping.map(kind, items.slice(i, i + MAP_SLICE));
    for (const e of part.entities) out.entities.push(e);
    out.failures.push(...part.failures);
    out.unidentified += part.unidentified;
    out.filtered += part.filtered;
  }
  return out;
}

export function groupBy(entities: Entity[], key: (e: Entity) => string): Map<string, Entity[]> {
  const groups = new Map<string, Entity[]>();
  for (const e of entities) {
    const group = groups.get(key(e));
    if (group) group.push(e);
    else groups.set(key(e), [e]);
  }
  return groups;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs fn over items with at most `limit` in flight; the first failure rejects once the others settle. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++]!;
      await fn(item).catch((err: unknown) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
}
