// One workflow per object (`events:<integration>:<objectKey>`), fed by the webhook receiver with
// signal-with-start. It drops duplicate deliveries, applies its object's events in the order Temporal
// accepted them, ends after a quiet period, and continues-as-new before its history grows large.
import {
  ChildWorkflowFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  INTEGRATION_ATTR,
  TRIGGER_ATTR,
  eventSignal,
  eventsStatusQuery,
  syncWorkflowId,
  type EventRef,
  type ObjectEventsInput,
  type ObjectEventsStatus,
  type SyncScope,
} from './definitions';
import { isRunning, nextProbeMs, PROBE_FIRST_MS } from './isRunning';
import { syncIntegration } from './syncIntegration';

/** Delivery ids remembered for deduplication; senders redeliver within minutes, not thousands of events later. */
const SEEN_WINDOW = 512;
/** Events handed to one activity; the activity applies them one by one, in order. */
const BATCH = 100;

// A local activity: the write runs inside the workflow task, so an event costs one workflow task on the
// server instead of two plus an activity task. Applies are short (one HTTP write per event).
const { applyEvents } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function objectEvents(input: ObjectEventsInput): Promise<ObjectEventsStatus> {
  const seen = new Set(input.seen ?? []);
  const pending: EventRef[] = [...(input.pending ?? [])];
  const status: ObjectEventsStatus = {
    integration: input.integration,
    objectKey: input.objectKey,
    applied: input.applied ?? 0,
    duplicates: input.duplicates ?? 0,
    failed: input.failed ?? 0,
    pending: pending.length,
  };

  setHandler(eventSignal, (event) => {
    if (seen.has(event.deliveryId)) {
      status.duplicates += 1;
      return;
    }
    seen.add(event.deliveryId);
    if (seen.size > SEEN_WINDOW) seen.delete(seen.values().next().value!);
    pending.push(event);
    status.pending = pending.length;
  });
  setHandler(eventsStatusQuery, () => status);
  if (!input.seen) {
    upsertSearchAttributes([
      { key: INTEGRATION_ATTR, value: input.integration },
      { key: TRIGGER_ATTR, value: 'webhook' },
    ]);
  }

  // Events applied while the full sync ran (the last BATCH): applied again, in order, once it has ended.
  let reapply = input.reapply ?? [];
  if (reapply.length > 0) status.waitingForFullSync = true;
  if (input.reapplied) status.reapplied = input.reapplied;
  const fullSync = syncWorkflowId(input.integration);
  let check = PROBE_FIRST_MS;

  for (;;) {
    // While events wait to be applied again, look whether the full sync has ended: soon, then less often.
    const gotEvents = await condition(() => pending.length > 0, reapply.length > 0 ? check : (input.idleTimeout ?? '10 minutes'));
    if (gotEvents) {
      const batch = pending.slice(0, BATCH);
      const result = await applyEvents({ integration: input.integration, events: batch });
      pending.splice(0, batch.length);
      status.applied += result.applied;
      status.failed += result.failed;
      status.pending = pending.length;
      status.lastDeliveryId = batch[batch.length - 1]!.deliveryId;
      for (const scope of result.refresh ?? []) {
        if (!(await refresh(input.integration, scope))) status.failed += 1;
      }
      // A full sync that runs now may have read this object before the event and write that older state
      // after it; once the sync has ended, the object is applied once more. (Refreshes wait for it instead.)
      if (result.applied > 0 && (result.refresh ?? []).length === 0 && patched(REAPPLY_AFTER_FULL_SYNC) && (await isRunning(fullSync))) {
        // All of them, in order: a connector that writes an event's own copy (not a fresh read) keeps the newest.
        reapply = [...reapply, ...batch].slice(-BATCH);
        status.waitingForFullSync = true;
      }
    } else if (reapply.length === 0) {
      return status;
    } else if (await isRunning(fullSync)) {
      check = nextProbeMs(check);
    } else {
      const result = await applyEvents({ integration: input.integration, events: reapply });
      status.failed += result.failed;
      reapply = [];
      check = PROBE_FIRST_MS;
      status.reapplied = (status.reapplied ?? 0) + 1;
      delete status.waitingForFullSync;
    }
    // Drain to at most one batch before continuing, so the carried events stay far below the payload limit.
    if (workflowInfo().continueAsNewSuggested && pending.length <= BATCH) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof objectEvents>({
        integration: input.integration,
        objectKey: input.objectKey,
        idleTimeout: input.idleTimeout,
        seen: [...seen],
        pending,
        applied: status.applied,
        duplicates: status.duplicates,
        failed: status.failed,
        ...(reapply.length > 0 ? { reapply } : {}),
        ...(status.reapplied ? { reapplied: status.reapplied } : {}),
      });
    }
  }
}

/** Patch id: an event applied while the full sync runs is applied again once that sync has ended. */
const REAPPLY_AFTER_FULL_SYNC = 'reapply-after-full-sync';

/** While a refresh of the same scope runs, it may have read before this event: wait for it, then run again. */
const REFRESH_RETRY = '10 seconds';
/** Patch id: a refresh waits while the integration's full sync runs (refreshes started before ran beside it). */
const REFRESH_AFTER_FULL_SYNC = 'refresh-after-full-sync';

/**
 * Runs a targeted refresh (a scoped resync) for events that asked for one, and waits for it, so the
 * events that come in meanwhile are covered by the next one. False when it failed: the scheduled full
 * resync catches up (the failure is in the child's history).
 *
 * It starts only while the integration's full sync does not run: that sync may hold reads from before
 * this event (read ahead, handed over between its kinds) and would write them over the refresh's.
 */
async function refresh(integration: string, scope: SyncScope): Promise<boolean> {
  const workflowId = syncWorkflowId(integration, scope);
  for (;;) {
    if (patched(REFRESH_AFTER_FULL_SYNC) && (await isRunning(syncWorkflowId(integration)))) {
      await sleep(REFRESH_RETRY);
      continue;
    }
    try {
      await executeChild(syncIntegration, {
        workflowId,
        args: [{ integration, scope, trigger: 'webhook' }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: INTEGRATION_ATTR, value: integration },
          { key: TRIGGER_ATTR, value: 'webhook' },
        ],
      });
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        await sleep(REFRESH_RETRY);
        continue;
      }
      if (err instanceof ChildWorkflowFailure) {
        log.warn('targeted refresh failed; the next scheduled resync catches up', { workflowId, error: err.cause?.message ?? err.message });
        return false;
      }
      throw err;
    }
  }
}
