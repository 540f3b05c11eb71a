// Every side effect of a sync, as Temporal activities. Workflows import only the type of this
// object; the worker builds it from the loaded configuration.
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ZodError } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config/schema';
import type { EventRef } from '../workflows/definitions';
import type { Connector } from './connector';
import { createConnector, findIntegration } from './connectors';
import { processMetrics } from './metrics';
import { toActivityFailure, withHttpFailures } from './http/errors';
import { lifecycle } from './lifecycle';

export interface KindChunkInput {
  integration: string;
  kind: string;
  cursor?: string;
  dryRun: boolean;
}

/** A paging activity returns after this long (or worker.pagesPerActivity pages) so progress lands in history. */
const CHUNK_MS = 20_000;

export interface KindChunk {
  pages: number;
  fetched: number;
  written: number;
  unchanged: number;
  failed: number;
  /** Next page to fetch; absent when the kind is complete. */
  cursor?: string;
}

export interface SyncPlan {
  kinds: string[];
  /** The task queue of the connector's API: its rate limit holds across all worker replicas. */
  taskQueue: string;
}

export const apiTaskQueue = (mainQueue: string, api: string) => `${mainQueue}.${api}`;

export function createActivities(config: Config, env: NodeJS.ProcessEnv = process.env) {
  // One connector (and HTTP client) per integration for the life of the worker, not one per activity.
  const connectors = new Map<string, Connector>();
  const connectorFor = (integrationId: string) => {
    let connector = connectors.get(integrationId);
    if (!connector) {
      connector = createConnector(findIntegration(config, integrationId), env);
      connectors.set(integrationId, connector);
    }
    return connector;
  };

  return {
    async planSync(input: { integration: string; kinds?: string[] }): Promise<SyncPlan> {
      const connector = connectorFor(input.integration);
      const all = connector.kinds();
      const unknown = (input.kinds ?? []).filter((k) => !all.includes(k));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `integration "${input.integration}" has no kind ${unknown.map((k) => `"${k}"`).join(', ')} (kinds: ${all.join(', ')})`,
          'UnknownKind',
        );
      }
      // Keep dependency order whatever order the caller listed the kinds in.
      const kinds = input.kinds?.length ? all.filter((k) => input.kinds!.includes(k)) : all;
      return { kinds, taskQueue: apiTaskQueue(config.worker.taskQueue, connector.api) };
    },

    /** Pages through one kind from a cursor, heartbeating each page so a retry resumes where it was. */
    async syncKindChunk(input: KindChunkInput): Promise<KindChunk> {
      const connector = connectorFor(input.integration);
      const signal = cancellationSignal();
      const resumed = activityInfo().heartbeatDetails as KindChunk | undefined;
      const chunk: KindChunk = resumed ?? { pages: 0, fetched: 0, written: 0, unchanged: 0, failed: 0, cursor: input.cursor };
      const deadline = Date.now() + CHUNK_MS;
      let pagesThisAttempt = 0;
      const metrics = processMetrics();
      const tags = { integration: input.integration, kind: input.kind };
      return withHttpFailures(connector.api, async () => {
        do {
          const page = await connector.fetchPage(input.kind, chunk.cursor, signal);
          const result = await connector.writeItems(input.kind, page.items, { dryRun: input.dryRun, signal });
          chunk.pages += 1;
          pagesThisAttempt += 1;
          chunk.fetched += page.items.length;
          chunk.written += result.written;
          chunk.unchanged += result.unchanged;
          chunk.failed += result.failed;
          chunk.cursor = page.next;
          heartbeat(chunk);
          metrics?.entities('written', result.written, tags);
          metrics?.entities('unchanged', result.unchanged, tags);
          metrics?.entities('failed', result.failed, tags);
        } while (chunk.cursor && Date.now() < deadline && pagesThisAttempt < config.worker.pagesPerActivity && !lifecycle.draining);
        return chunk;
      });
    },

    async recordSyncOutcome(input: { integration: string; status: 'completed' | 'failed'; dryRun: boolean }) {
      if (input.status === 'completed' && !input.dryRun) processMetrics()?.lastSuccess(input.integration, new Date());
    },

    /**
     * Applies one object's events in the order Temporal accepted them (a local activity: no heartbeats).
     * An event that can never apply (a 4xx, a malformed reference) is logged and counted, and the rest
     * go on; a transient failure fails the attempt, so the batch is retried in order.
     */
    async applyEvents(input: { integration: string; events: EventRef[] }): Promise<{ applied: number; failed: number }> {
      const connector = connectorFor(input.integration);
      const signal = cancellationSignal();
      let failed = 0;
      for (const event of input.events) {
        try {
          await connector.applyEvent(event, signal);
        } catch (err) {
          const failure = await toActivityFailure(err, connector.api);
          const permanent = (failure instanceof ApplicationFailure && failure.nonRetryable) || err instanceof ZodError;
          if (!permanent) throw failure;
          failed += 1;
          log.warn('event not applied', { integration: input.integration, deliveryId: event.deliveryId, objectKey: event.objectKey, error: (failure as Error).message });
        }
      }
      return { applied: input.events.length - failed, failed };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
