// The paging activity: one kind, from a cursor, batch by batch through the engine (map, diff, bulk
// write), heartbeating its cursor, counts and digest so a retry resumes where it was.
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { Config } from '../config/schema';
import type { SourceScope } from './connector';
import { DigestBuilder } from './engine/digest';
import { BatchPipeline } from './engine/batchPipeline';
import { PageReader } from './engine/pageReader';
import { emptyCounts, PLAN_LINES, readPage, writePage, type PageCounts, type WrittenLog } from './engine/syncPage';
import { withHttpFailures } from './http/errors';
import { countingRequests, type RequestCounts } from './http/requestCount';
import { lifecycle } from './lifecycle';
import { processMetrics } from './metrics';
import type { IntegrationRuntime } from './runtime';

export interface KindChunkInput {
  integration: string;
  kind: string;
  cursor?: string;
  dryRun: boolean;
  /** Part of the source this run is limited to. */
  scope?: SourceScope;
  /** When the run started (ISO): the target's caches from before are stale. */
  startedAt?: string;
  /** Other kinds of the run wait for this one (side by side): its source requests may go first. */
  urgent?: boolean;
}

/** A paging activity returns after this long (or worker.pagesPerActivity pages) so progress lands in history. */
const CHUNK_MS = 20_000;
/** ...or after this many items, which keeps its heartbeat (which carries the digest) small. */
const CHUNK_ITEMS = 20_000;
/** Failure reasons one chunk reports; the counts are always complete. */
const REASONS_PER_CHUNK = 5;
/** Upsert calls one page has in flight; the API's limiter paces them. */
const UPSERT_CONCURRENCY = 8;
/**
 * Source pages are gathered into batches of up to this many items before the diff: one target read
 * (Port's search page: 1,000) covers the batch instead of one read per source page, and writes go out
 * many calls at a time. Measured on the resync benchmark (docs/benchmarks.md): 10x fewer searches.
 */
const BATCH_ITEMS = 1000;
/** ...or fewer, once the batch's first page is this old: a slow source still checkpoints often. */
const BATCH_MS = 250;
/**
 * Pages read ahead of the one being read, where the source names them (Page.ahead): offset pagination
 * is then no longer one request after the other. The API's limiter still paces them.
 */
const PAGES_AHEAD = 8;
/** Batches read (source and target) ahead of the one being written, for a fast source. */
const BATCHES_AHEAD = 2;

export interface KindChunk extends PageCounts {
  pages: number;
  /** A few readable reasons for failed items. */
  failures: string[];
  /** Dry run: the first writes a real run would make, field by field (capped; the counts are complete). */
  plan?: string[];
  /** Why the kind cannot be reconciled (an item without identifier), if so. */
  incomplete?: string;
  /** Next page to fetch; absent when the kind is complete. */
  cursor?: string;
  /** The entities this chunk produced, as a compact digest (never a list in history). */
  digest: string;
  /** How many entities the digest holds, so a lost or damaged digest is noticed. */
  produced: number;
  /** HTTP requests sent, per API. */
  requests: RequestCounts;
  /**
   * Entities written since the last whole batch, or by a failed attempt and not yet counted. Heartbeat
   * only: a retry counts them as written when it reads them back unchanged. Never in the result.
   */
  inFlight?: WrittenLog;
}

/** Pages through one kind from a cursor, heartbeating each page so a retry resumes where it was. */
export async function syncKindChunk(runtime: IntegrationRuntime, config: Config, input: KindChunkInput): Promise<KindChunk> {
  const signal = cancellationSignal();
  // The same for every activity of the run (startedAt crosses continue-as-new), distinct between runs.
  const { workflowExecution } = activityInfo();
  const run = `${workflowExecution?.workflowId}@${input.startedAt ?? workflowExecution?.runId}`;
  if (input.startedAt) runtime.target.beginRun?.(input.startedAt);
  const resumed = activityInfo().heartbeatDetails as KindChunk | undefined;
  const chunk: KindChunk = resumed ?? { ...emptyCounts(), pages: 0, failures: [], cursor: input.cursor, digest: '', produced: 0, requests: {} };
  const digest = DigestBuilder.from(chunk.digest);
  const deadline = Date.now() + CHUNK_MS;
  let pagesThisAttempt = 0;
  const metrics = processMetrics();
  const tags = { integration: input.integration, kind: input.kind };
  // A page that waits out a rate limit still reports in; the details are always the last whole page.
  const keepAlive = setInterval(() => heartbeat(chunk), 5_000);
  const reader = new PageReader(
    (cursor) => runtime.connector.fetchPage(input.kind, cursor, signal, input.scope, run, input.urgent),
    PAGES_AHEAD,
    config.worker.pagesPerActivity,
  );
  // One batch: whole pages, so the cursor after it is a page boundary.
  const fetchBatch = async (from: string | undefined, maxPages: number) => {
    const items: unknown[] = [];
    let pages = 0;
    let cursor = from;
    const started = Date.now();
    do {
      const page = await reader.read(cursor);
      for (const item of page.items) items.push(item);
      pages += 1;
      cursor = page.next;
    } while (cursor && items.length < BATCH_ITEMS && Date.now() - started < BATCH_MS && pages < maxPages && !lifecycle.draining);
    return { items, pages, cursor, full: items.length >= BATCH_ITEMS };
  };
  // Source pages, target reads and writes overlap: batches are read up to BATCHES_AHEAD ahead of the one written.
  const pipeline = new BatchPipeline(
    {
      fetch: fetchBatch,
      read: (batch) => readPage({ kind: input.kind, items: batch.items, mapping: runtime.mapping, target: runtime.target, signal }),
      mayReadAhead: () => Date.now() < deadline && !lifecycle.draining,
    },
    config.worker.pagesPerActivity,
    BATCHES_AHEAD,
  );
  return withHttpFailures(runtime.connector.api, () => countingRequests(chunk.requests, async () => {
    const written: [string, string][] = [];
    // The batch each entity was last written in (this attempt): a batch read before then reads it again.
    const writtenIn = new Map<string, number>();
    let batchNo = 0;
    do {
      const { items, pages, cursor, read, readAfter } = await pipeline.next(chunk.cursor);
      const outcome = await writePage({
        integration: input.integration,
        kind: input.kind,
        items,
        mapping: runtime.mapping,
        target: runtime.target,
        dryRun: input.dryRun,
        digest,
        signal,
        concurrency: UPSERT_CONCURRENCY,
        writtenBefore: chunk.inFlight,
        writtenSinceRead: (blueprint, id) => (writtenIn.get(`${blueprint}\u0000${id}`) ?? -1) >= readAfter,
        onWritten: (blueprint, id, as) => {
          ((chunk.inFlight ??= {})[blueprint] ??= {})[id] = as;
          written.push([blueprint, id]);
          writtenIn.set(`${blueprint}\u0000${id}`, batchNo);
        },
      }, read);
      pipeline.done();
      batchNo += 1;
      // Counted now: what this batch wrote, and what it took over from a failed attempt.
      forget(chunk, [...written.splice(0), ...outcome.carried]);
      for (const key of Object.keys(emptyCounts()) as (keyof PageCounts)[]) chunk[key] += outcome[key];
      chunk.failures.push(...outcome.failures.slice(0, REASONS_PER_CHUNK - chunk.failures.length));
      if (outcome.plan.length > 0) (chunk.plan ??= []).push(...outcome.plan.slice(0, PLAN_LINES - chunk.plan.length));
      chunk.incomplete ??= outcome.incomplete;
      for (const failure of outcome.failures) log.warn('item not synced', { reason: failure });
      chunk.pages += pages;
      pagesThisAttempt += pages;
      chunk.cursor = cursor;
      chunk.digest = digest.encode();
      chunk.produced = digest.size;
      heartbeat(chunk);
      metrics?.entities('written', outcome.created + outcome.updated, tags);
      metrics?.entities('unchanged', outcome.unchanged, tags);
      metrics?.entities('failed', outcome.failed, tags);
    } while (
      chunk.cursor &&
      (pipeline.readingAhead || Date.now() < deadline) &&
      pagesThisAttempt < config.worker.pagesPerActivity &&
      digest.size < CHUNK_ITEMS &&
      !lifecycle.draining
    );
    // Stopped with batches read ahead (draining, or the digest is full): they go unused, but no
    // request of this attempt outlives it.
    await pipeline.settle();
    await reader.settle();
    // Written by a failed attempt, but gone from the source since: nothing left to count them by.
    delete chunk.inFlight;
    return chunk;
  }))
    .catch(async (err: unknown) => {
      heartbeat(chunk); // what this attempt wrote reaches the retry, whatever the throttle held back
      await pipeline.settle();
      await reader.settle();
      throw err;
    })
    .finally(() => clearInterval(keepAlive));
}

function forget(chunk: KindChunk, entries: [string, string][]): void {
  if (!chunk.inFlight) return;
  for (const [blueprint, id] of entries) delete chunk.inFlight[blueprint]?.[id];
  for (const [blueprint, ids] of Object.entries(chunk.inFlight)) if (Object.keys(ids).length === 0) delete chunk.inFlight[blueprint];
  if (Object.keys(chunk.inFlight).length === 0) delete chunk.inFlight;
}
