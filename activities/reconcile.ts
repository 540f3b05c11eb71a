// The delete phase as an activity: what the integration owns and the run did not produce goes, only
// when that is certain (invariant 4; engine/reconcileRun.ts), with metrics and a reason when it refuses.
import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { emptyOutcome, reconcileRun, type ReconcileOutcome, type RunKind } from './engine/reconcileRun';
import { withHttpFailures } from './http/errors';
import { countingRequests, type RequestCounts } from './http/requestCount';
import { processMetrics } from './metrics';
import type { IntegrationRuntime } from './runtime';

export interface ReconcileInput {
  integration: string;
  startedAt: string;
  dryRun: boolean;
  kinds: RunKind[];
  identifierPrefix?: string;
  /** A scoped run deletes only inside its identifier prefix; without one, nothing. */
  scoped?: boolean;
}

/** Deletes what the integration owns and the run did not produce, only when that is certain (invariant 4). */
export async function reconcile(runtime: IntegrationRuntime, input: ReconcileInput): Promise<ReconcileOutcome & { requests: RequestCounts }> {
  const requests: RequestCounts = {};
  runtime.target.beginRun?.(input.startedAt);
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
    const reason = /threshold/.test(outcome.reason!) ? 'threshold' : /returned none/.test(outcome.reason!) ? 'empty_source' : 'incomplete';
    processMetrics()?.deletionsRefused(input.integration, reason, 1);
    log.warn('reconcile refused', { integration: input.integration, reason: outcome.reason });
  }
  return { ...outcome, requests };
}
