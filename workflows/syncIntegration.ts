// A full (or kind-scoped) sync of one integration. Every way a sync starts converges on one execution
// per integration, `sync:<integration>`: a schedule or a Web UI start runs under another id and only
// delegates to that execution, or reports "skipped" when it is already running. So two syncs of the
// same integration never run side by side, whoever started them.
import {
  ApplicationFailure,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities, KindChunk } from '../activities';
import {
  INTEGRATION_ATTR,
  KINDS_ATTR,
  TRIGGER_ATTR,
  progressQuery,
  syncWorkflowId,
  type KindProgress,
  type SyncInput,
  type SyncReport,
  type Trigger,
} from './definitions';

const control = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['UnknownIntegration', 'UnknownKind', 'ConnectorUnavailable'] },
});

const PAGE_ACTIVITY = {
  startToCloseTimeout: '10 minutes',
  // A worker that dies mid-page is noticed this fast; the retry resumes from the last heartbeat.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
} as const;

export async function syncIntegration(input: SyncInput): Promise<SyncReport> {
  if (!input?.integration) {
    throw ApplicationFailure.nonRetryable('input must name the integration, e.g. {"integration": "humanitec"}', 'InvalidInput');
  }
  // Schedules, the CLI and the receiver say who they are; a start without a trigger came from the Web UI.
  const trigger = input.trigger ?? 'ui';
  const canonicalId = syncWorkflowId(input.integration);
  if (workflowInfo().workflowId !== canonicalId) return delegate({ ...input, trigger }, canonicalId);
  return runSync({ ...input, trigger });
}

/** Schedules append a timestamp to the workflow id, and the Web UI picks any id: hand over to the canonical run. */
async function delegate(input: SyncInput & { trigger: Trigger }, canonicalId: string): Promise<SyncReport> {
  upsertSearchAttributes([{ key: INTEGRATION_ATTR, value: input.integration }, { key: TRIGGER_ATTR, value: input.trigger }]);
  try {
    return await executeChild(syncIntegration, {
      workflowId: canonicalId,
      args: [input],
      // The sync outlives a launcher that is cancelled or terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: INTEGRATION_ATTR, value: input.integration },
        { key: TRIGGER_ATTR, value: input.trigger },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log.info('sync already running; this start is skipped', { integration: input.integration, running: canonicalId });
    const now = new Date().toISOString();
    return {
      integration: input.integration,
      status: 'skipped',
      reason: `a sync of "${input.integration}" is already running as workflow ${canonicalId}`,
      dryRun: input.dryRun ?? false,
      trigger: input.trigger,
      startedAt: now,
      finishedAt: now,
      runs: 0,
      kinds: [],
    };
  }
}

async function runSync(input: SyncInput & { trigger: Trigger }): Promise<SyncReport> {
  const report: SyncReport = {
    integration: input.integration,
    status: 'completed',
    dryRun: input.dryRun ?? false,
    trigger: input.trigger,
    startedAt: input.resume?.startedAt ?? new Date().toISOString(),
    runs: (input.resume?.runs ?? 0) + 1,
    kinds: input.resume?.kinds ?? [],
  };
  setHandler(progressQuery, () => report);

  let taskQueue = input.resume?.taskQueue;
  if (!taskQueue) {
    const plan = await control.planSync({ integration: input.integration, kinds: input.kinds });
    report.kinds = plan.kinds.map(emptyProgress);
    taskQueue = plan.taskQueue;
    upsertSearchAttributes([
      { key: INTEGRATION_ATTR, value: input.integration },
      { key: KINDS_ATTR, value: plan.kinds },
      { key: TRIGGER_ATTR, value: input.trigger },
    ]);
  }
  const pages = proxyActivities<Activities>({ ...PAGE_ACTIVITY, taskQueue });

  try {
    for (const kind of report.kinds) {
      if (kind.status === 'done') continue;
      kind.status = 'running';
      for (;;) {
        const chunk = await pages.syncKindChunk({
          integration: input.integration,
          kind: kind.kind,
          cursor: kind.cursor,
          dryRun: report.dryRun,
        });
        addChunk(kind, chunk);
        if (!chunk.cursor) {
          kind.status = 'done';
          break;
        }
        if (workflowInfo().continueAsNewSuggested) {
          // Only cursors and counts cross over: history stays small however big the source is.
          await continueAsNew<typeof syncIntegration>({
            ...input,
            resume: { startedAt: report.startedAt, kinds: report.kinds, runs: report.runs, taskQueue },
          });
        }
      }
    }
  } catch (err) {
    // continueAsNew() ends this run by throwing: that is not a failure.
    if (err instanceof ContinueAsNew) throw err;
    const running = report.kinds.find((k) => k.status === 'running');
    if (running) {
      running.status = 'failed';
      running.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    report.status = 'failed';
    await control.recordSyncOutcome({ integration: input.integration, status: 'failed', dryRun: report.dryRun });
    throw err;
  }
  report.finishedAt = new Date().toISOString();
  await control.recordSyncOutcome({ integration: input.integration, status: 'completed', dryRun: report.dryRun });
  return report;
}

function emptyProgress(kind: string): KindProgress {
  return { kind, status: 'pending', pages: 0, fetched: 0, written: 0, unchanged: 0, failed: 0 };
}

function addChunk(progress: KindProgress, chunk: KindChunk) {
  progress.pages += chunk.pages;
  progress.fetched += chunk.fetched;
  progress.written += chunk.written;
  progress.unchanged += chunk.unchanged;
  progress.failed += chunk.failed;
  progress.cursor = chunk.cursor;
}

