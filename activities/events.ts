// Webhook events as an activity: one object's events applied in order, and the targeted refreshes
// they ask for collected for the object's workflow.
import { cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import type { EventRef } from '../workflows/definitions';
import type { SourceScope } from './connector';
import { toActivityFailure } from './http/errors';
import type { IntegrationRuntime } from './runtime';

/**
 * Applies one object's events in the order Temporal accepted them (a local activity: no heartbeats).
 * An event that can never apply (a 4xx, a malformed reference) is logged and counted, and the rest
 * go on; a transient failure fails the attempt, so the batch is retried in order.
 */
export async function applyEvents(runtime: IntegrationRuntime, input: { integration: string; events: EventRef[] }): Promise<{ applied: number; failed: number; refresh: SourceScope[] }> {
  const { connector } = runtime;
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
}
