// Webhook events as an activity: one object's events applied in order, and the targeted refreshes
// they ask for collected for the object's workflow.
import { cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import type { EventRef } from '../workflows/definitions';
import type { EventOutcome, SourceScope } from './connector';
import { DigestBuilder } from './engine/digest';
import { groupBy, syncPage } from './engine/syncPage';
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
      if (outcome?.items || outcome?.gone) failed += await writeThrough(runtime, input.integration, outcome, signal);
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

/**
 * An event's items go through the engine at once: mapped, compared with the target and written if they
 * differ; an entity gone from the source goes from the target, if this integration owns it. Returns the
 * number of items that could not be mapped or written (logged; the next resync tries again).
 */
async function writeThrough(runtime: IntegrationRuntime, integration: string, outcome: EventOutcome, signal: AbortSignal): Promise<number> {
  const { mapping, target } = runtime;
  const kind = (outcome.items ?? outcome.gone)!.kind;
  if (!runtime.kinds.includes(kind)) {
    log.info('event for a kind this integration does not sync', { integration, kind });
    return 0;
  }
  let failed = 0;
  if (outcome.items) {
    const mapped = mapping.map(kind, outcome.items.items);
    for (const [blueprint, entities] of groupBy(mapped.entities, (e) => e.blueprint)) {
      await target.reload?.(blueprint, entities.map((e) => e.identifier), signal);
    }
    const page = await syncPage({ integration, kind, items: outcome.items.items, mapping, target, dryRun: false, digest: new DigestBuilder(), signal, concurrency: 1 });
    for (const reason of page.failures) log.warn('event item not synced', { integration, reason });
    failed += page.failed + page.unidentified;
  }
  if (outcome.gone) {
    for (const blueprint of mapping.blueprintsOf(kind) ?? []) {
      const ids = outcome.gone.identifiers;
      await target.reload?.(blueprint, ids, signal);
      const owned = await target.ownedAmong?.(blueprint, ids, signal);
      if (!owned) {
        log.info('entity gone from the source; the next resync reconciles it', { integration, blueprint, identifiers: ids });
        continue;
      }
      if (owned.length === 0) continue;
      const result = await target.delete(blueprint, owned, { deleteDependents: mapping.flags.deleteDependentEntities, signal });
      for (const f of result.failed) log.warn('entity not deleted', { integration, blueprint, identifier: f.identifier, reason: f.message });
      failed += result.failed.length;
    }
  }
  return failed;
}
