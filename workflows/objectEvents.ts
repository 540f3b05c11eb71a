// One workflow per object (`events:<integration>:<objectKey>`), fed by the webhook receiver with
// signal-with-start. It drops duplicate deliveries, applies its object's events in the order Temporal
// accepted them, ends after a quiet period, and continues-as-new before its history grows large.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  INTEGRATION_ATTR,
  TRIGGER_ATTR,
  eventSignal,
  eventsStatusQuery,
  type EventRef,
  type ObjectEventsInput,
  type ObjectEventsStatus,
} from './definitions';

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

  for (;;) {
    const gotEvents = await condition(() => pending.length > 0, input.idleTimeout ?? '10 minutes');
    if (!gotEvents) return status;
    const batch = pending.slice(0, BATCH);
    const result = await applyEvents({ integration: input.integration, events: batch });
    pending.splice(0, batch.length);
    status.applied += result.applied;
    status.failed += result.failed;
    status.pending = pending.length;
    status.lastDeliveryId = batch[batch.length - 1]!.deliveryId;
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
      });
    }
  }
}
