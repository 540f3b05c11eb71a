// Every side effect of a sync, as Temporal activities. Workflows import only the type of this
// object; the worker builds it from the loaded configuration.
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ZodError } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config/schema';
import type { EventRef } from '../workflows/definitions';
import { findIntegration } from './connectors';
import { DigestBuilder } from './engine/digest';
import { emptyOutcome, reconcileRun, type ReconcileOutcome, type RunKind } from './engine/reconcileRun';
import type { SourceScope } from './connector';
import { emptyCounts, syncPage, type PageCounts } from './engine/syncPage';
import { processMetrics } from './metrics';
import { toActivityFailure, withHttpFailures } from './http/errors';
import { countingRequests, type RequestCounts } from './http/requestCount';
import { lifecycle } from './lifecycle';
import { createRuntime, type IntegrationRuntime } from './runtime';

export interface KindChunkInput {
  integration: string;
  kind: string;
  cursor?: string;
  dryRun: boolean;
  /** Part of the source this run is limited to. */
  scope?: SourceScope;
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

export interface KindChunk extends PageCounts {
  pages: number;
  /** A few readable reasons for failed items. */
  failures: string[];
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
}

export interface SyncPlan {
  kinds: string[];
  /** Kinds the mapping names that the source does not offer. */
  ignoredKinds: string[];
  /** The task queue of the connector's API: its rate limit holds across all worker replicas. */
  taskQueue: string;
  /** Where a scoped run may delete (from the connector); absent for a full run. */
  identifierPrefix?: string;
}

export interface ReconcileInput {
  integration: string;
  startedAt: string;
  dryRun: boolean;
  kinds: RunKind[];
  identifierPrefix?: string;
  /** A scoped run deletes only inside its identifier prefix; without one, nothing. */
  scoped?: boolean;
}

export const apiTaskQueue = (mainQueue: string, api: string) => `${mainQueue}.${api}`;

function planScope(runtime: IntegrationRuntime, integration: string, scope: SourceScope) {
  if (!runtime.connector.planScope) {
    throw ApplicationFailure.nonRetryable(`integration "${integration}" cannot run scoped (scope ${JSON.stringify(scope)})`, 'UnknownScope');
  }
  try {
    return runtime.connector.planScope(scope);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`integration "${integration}": ${(err as Error).message}`, 'UnknownScope');
  }
}

export function createActivities(config: Config, env: NodeJS.ProcessEnv = process.env) {
  // One runtime (connector, mapping, HTTP clients) per integration for the life of the worker.
  const runtimes = new Map<string, IntegrationRuntime>();
  const runtimeFor = (integrationId: string) => {
    let runtime = runtimes.get(integrationId);
    if (!runtime) {
      runtime = createRuntime(config, findIntegration(config, integrationId), env);
      runtimes.set(integrationId, runtime);
    }
    return runtime;
  };

  return {
    async planSync(input: { integration: string; kinds?: string[]; scope?: SourceScope }): Promise<SyncPlan> {
      const runtime = runtimeFor(input.integration);
      const scoped = input.scope ? planScope(runtime, input.integration, input.scope) : undefined;
      const all = scoped ? runtime.kinds.filter((k) => scoped.kinds.includes(k)) : runtime.kinds;
      const unknown = (input.kinds ?? []).filter((k) => !all.includes(k));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `integration "${input.integration}" has no kind ${unknown.map((k) => `"${k}"`).join(', ')} (kinds: ${all.join(', ')})`,
          'UnknownKind',
        );
      }
      if (runtime.ignoredKinds.length > 0) {
        log.warn('the mapping names kinds the source does not offer; they are not synced', { integration: input.integration, kinds: runtime.ignoredKinds });
      }
      // Keep dependency order whatever order the caller listed the kinds in.
      const kinds = input.kinds?.length ? all.filter((k) => input.kinds!.includes(k)) : all;
      return {
        kinds,
        ignoredKinds: runtime.ignoredKinds,
        taskQueue: apiTaskQueue(config.worker.taskQueue, runtime.connector.api),
        ...(scoped?.identifierPrefix ? { identifierPrefix: scoped.identifierPrefix } : {}),
      };
    },

    /** Creates what the target needs before the first write (Port: missing blueprints, properties, relations). */
    async prepareTarget(input: { integration: string }): Promise<{ changes: string[]; requests: RequestCounts }> {
      const runtime = runtimeFor(input.integration);
      const requests: RequestCounts = {};
      const changes = await withHttpFailures(runtime.target.api, () => countingRequests(requests, () => runtime.prepare(cancellationSignal())));
      for (const change of changes) log.info('target prepared', { integration: input.integration, change });
      return { changes, requests };
    },

    /** Pages through one kind from a cursor, heartbeating each page so a retry resumes where it was. */
    async syncKindChunk(input: KindChunkInput): Promise<KindChunk> {
      const runtime = runtimeFor(input.integration);
      const signal = cancellationSignal();
      const resumed = activityInfo().heartbeatDetails as KindChunk | undefined;
      const chunk: KindChunk = resumed ?? { ...emptyCounts(), pages: 0, failures: [], cursor: input.cursor, digest: '', produced: 0, requests: {} };
      const digest = DigestBuilder.from(chunk.digest);
      const deadline = Date.now() + CHUNK_MS;
      let pagesThisAttempt = 0;
      const metrics = processMetrics();
      const tags = { integration: input.integration, kind: input.kind };
      // A page that waits out a rate limit still reports in; the details are always the last whole page.
      const keepAlive = setInterval(() => heartbeat(chunk), 5_000);
      return withHttpFailures(runtime.connector.api, () => countingRequests(chunk.requests, async () => {
        // One batch: whole pages, so the cursor after it is a page boundary.
        const fetchBatch = async (from: string | undefined, maxPages: number) => {
          const items: unknown[] = [];
          let pages = 0;
          let cursor = from;
          const started = Date.now();
          do {
            const page = await runtime.connector.fetchPage(input.kind, cursor, signal, input.scope);
            for (const item of page.items) items.push(item);
            pages += 1;
            cursor = page.next;
          } while (cursor && items.length < BATCH_ITEMS && Date.now() - started < BATCH_MS && pages < maxPages && !lifecycle.draining);
          return { items, pages, cursor, full: items.length >= BATCH_ITEMS };
        };
        let ahead: ReturnType<typeof fetchBatch> | undefined;
        do {
          const { items, pages, cursor, full } = await (ahead ?? fetchBatch(chunk.cursor, config.worker.pagesPerActivity - pagesThisAttempt));
          ahead = undefined;
          // A fast source (the batch filled up before BATCH_MS) is read one batch ahead while this one is
          // diffed and written. A slow one is not: its pages are fetched once checkpointed pages are done.
          const left = config.worker.pagesPerActivity - pagesThisAttempt - pages;
          if (full && cursor && left > 0 && Date.now() < deadline && !lifecycle.draining) {
            ahead = fetchBatch(cursor, left);
            ahead.catch(() => undefined); // awaited below when used; a failure then fails the attempt
          }
          const outcome = await syncPage({
            integration: input.integration,
            kind: input.kind,
            items,
            mapping: runtime.mapping,
            target: runtime.target,
            dryRun: input.dryRun,
            digest,
            signal,
            concurrency: UPSERT_CONCURRENCY,
          });
          for (const key of Object.keys(emptyCounts()) as (keyof PageCounts)[]) chunk[key] += outcome[key];
          chunk.failures.push(...outcome.failures.slice(0, REASONS_PER_CHUNK - chunk.failures.length));
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
          (ahead !== undefined || Date.now() < deadline) &&
          pagesThisAttempt < config.worker.pagesPerActivity &&
          digest.size < CHUNK_ITEMS &&
          !lifecycle.draining
        );
        // Stopped with a batch read ahead (draining, or the digest is full): it goes unused, but no
        // request of this attempt outlives it.
        await ahead?.catch(() => undefined);
        return chunk;
      })).finally(() => clearInterval(keepAlive));
    },

    /** Deletes what the integration owns and the run did not produce, only when that is certain (invariant 4). */
    async reconcile(input: ReconcileInput): Promise<ReconcileOutcome & { requests: RequestCounts }> {
      const runtime = runtimeFor(input.integration);
      const requests: RequestCounts = {};
      if (input.scoped && !input.identifierPrefix) {
        return { ...emptyOutcome(input.dryRun), status: 'refused', reason: 'nothing deleted: this scope names no identifiers it may delete in', requests };
      }
      const outcome = await withHttpFailures(runtime.target.api, () => countingRequests(requests, () =>
        reconcileRun({
          integration: input.integration,
          target: runtime.target,
          mapping: runtime.mapping,
          kinds: input.kinds,
          startedAt: input.startedAt,
          dryRun: input.dryRun,
          identifierPrefix: input.identifierPrefix,
          signal: cancellationSignal(),
          progress: () => heartbeat(),
        }),
      ));
      for (const [kind, n] of Object.entries(outcome.deletedByKind)) {
        if (!input.dryRun) processMetrics()?.entities('deleted', n, { integration: input.integration, kind });
      }
      if (outcome.status === 'refused') {
        const reason = /threshold/.test(outcome.reason!) ? 'threshold' : /no entities/.test(outcome.reason!) ? 'empty_source' : 'incomplete';
        processMetrics()?.deletionsRefused(input.integration, reason, 1);
        log.warn('reconcile refused', { integration: input.integration, reason: outcome.reason });
      }
      return { ...outcome, requests };
    },

    async recordSyncOutcome(input: { integration: string; status: 'completed' | 'failed'; dryRun: boolean }) {
      if (input.status === 'completed' && !input.dryRun) processMetrics()?.lastSuccess(input.integration, new Date());
    },

    /**
     * Applies one object's events in the order Temporal accepted them (a local activity: no heartbeats).
     * An event that can never apply (a 4xx, a malformed reference) is logged and counted, and the rest
     * go on; a transient failure fails the attempt, so the batch is retried in order.
     */
    async applyEvents(input: { integration: string; events: EventRef[] }): Promise<{ applied: number; failed: number; refresh: SourceScope[] }> {
      const { connector } = runtimeFor(input.integration);
      const signal = cancellationSignal();
      let failed = 0;
      // Events that ask for a targeted refresh: one refresh per scope covers them all.
      const refresh = new Map<string, SourceScope>();
      for (const event of input.events) {
        try {
          const outcome = await connector.applyEvent(event, signal);
          if (outcome?.refresh) refresh.set(JSON.stringify(Object.entries(outcome.refresh).sort()), outcome.refresh);
        } catch (err) {
          const failure = await toActivityFailure(err, connector.api);
          const permanent = (failure instanceof ApplicationFailure && failure.nonRetryable) || err instanceof ZodError;
          if (!permanent) throw failure;
          failed += 1;
          log.warn('event not applied', { integration: input.integration, deliveryId: event.deliveryId, objectKey: event.objectKey, error: (failure as Error).message });
        }
      }
      return { applied: input.events.length - failed, failed, refresh: [...refresh.values()] };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
