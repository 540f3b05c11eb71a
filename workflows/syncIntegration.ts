// A full (or kind-scoped) sync of one integration. Every way a sync starts converges on one execution
// per integration, `sync:<integration>`: a schedule or a Web UI start runs under another id and only
// delegates to that execution, or reports "skipped" when it is already running. So two syncs of the
// same integration never run side by side, whoever started them.
import {
  ActivityFailure,
  ApplicationFailure,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
  patched,
  sleep,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities, KindChunk } from '../activities';
import type { ReconcileOutcome } from '../activities/engine/reconcileRun';
import { isRunning, nextProbeMs, PROBE_FIRST_MS } from './isRunning';
import {
  INTEGRATION_ATTR,
  KINDS_ATTR,
  TRIGGER_ATTR,
  progressQuery,
  runningProbeSignal,
  syncWorkflowId,
  type KindProgress,
  type ReconcileReport,
  type SyncInput,
  type SyncReport,
  type Trigger,
} from './definitions';

/** Patch id: kinds that do not wait for each other run side by side (runs started before replay one by one). */
const KINDS_SIDE_BY_SIDE = 'kinds-side-by-side';

/**
 * Patch id: planSync and recordSyncOutcome run as local activities (runs started before replay them as
 * activities). Both are in-process work of a few milliseconds; as local activities they run inside the
 * workflow task that needs them, which saves two round trips through the server each (docs/workflows.md).
 */
const CONTROL_LOCAL = 'control-local-activities';

/**
 * Patch id: a scoped run (one app, some kinds) starts only once the integration's full sync is not
 * running, whoever started it. The full sync may hold reads from before (read ahead, handed over between
 * kinds) and would write them over the scoped run's newer ones. Webhook refreshes waited already
 * (objectEvents); CLI and Web UI starts ran beside it.
 */
const SCOPED_AFTER_FULL_SYNC = 'scoped-after-full-sync';

const NON_RETRYABLE = ['UnknownIntegration', 'UnknownKind', 'UnknownScope', 'ConnectorUnavailable', 'InvalidMapping', 'MissingSecret'];

const CONTROL = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
} as const;
const control = proxyActivities<Activities>(CONTROL);
const local = proxyLocalActivities<Activities>(CONTROL);

/** Reads what the integration owns and deletes the stale part: long for big catalogs, so it heartbeats. */
const reconciling = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
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
  const canonicalId = syncWorkflowId(input.integration, input.scope);
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
      reconcile: emptyReconcile('skipped'),
      requests: {},
    };
  }
}

async function runSync(input: SyncInput & { trigger: Trigger }): Promise<SyncReport> {
  const report: SyncReport = {
    integration: input.integration,
    ...(input.scope ? { scope: input.scope } : {}),
    status: 'completed',
    dryRun: input.dryRun ?? false,
    trigger: input.trigger,
    startedAt: input.resume?.startedAt ?? new Date().toISOString(),
    runs: (input.resume?.runs ?? 0) + 1,
    kinds: input.resume?.kinds ?? [],
    reconcile: emptyReconcile('pending'),
    requests: input.resume?.requests ?? {},
  };
  // Decided once per run, before its first command: a run replays with the activities it started with.
  const inProcess = patched(CONTROL_LOCAL) ? local : control;
  setHandler(progressQuery, () => report);
  setHandler(runningProbeSignal, () => undefined); // a scoped refresh asking whether this run still goes
  // Kept out of the report (and the progress query): compact, but one string per chunk.
  const digests: Record<string, string[]> = input.resume?.digests ?? {};

  let taskQueue = input.resume?.taskQueue;
  // A scope decides where its run may delete; carried through continue-as-new with the resume state.
  let identifierPrefix = input.resume?.identifierPrefix ?? input.identifierPrefix;
  // Without a plan's dependencies (a run from before), every kind waits for the ones before it.
  let after = input.resume?.after ?? {};
  let parallelKinds = input.resume?.parallelKinds ?? 1;
  let startOrder = input.resume?.startOrder;
  if (!taskQueue) {
    // A mapping that does not compile fails here, before any write.
    const plan = await inProcess.planSync({ integration: input.integration, kinds: input.kinds, scope: input.scope });
    report.kinds = plan.kinds.map(emptyProgress);
    identifierPrefix = plan.identifierPrefix ?? identifierPrefix;
    after = plan.after;
    parallelKinds = plan.parallelKinds;
    startOrder = plan.startOrder;
    taskQueue = plan.taskQueue;
    upsertSearchAttributes([
      { key: INTEGRATION_ATTR, value: input.integration },
      { key: KINDS_ATTR, value: plan.kinds },
      { key: TRIGGER_ATTR, value: input.trigger },
    ]);
    // Planned first, so a bad scope fails at once; nothing is written before the full sync has ended.
    if (input.scope && patched(SCOPED_AFTER_FULL_SYNC)) await waitForFullSync(input, report);
    if (!report.dryRun) addRequests(report, (await control.prepareTarget({ integration: input.integration })).requests);
  }
  const pages = proxyActivities<Activities>({ ...PAGE_ACTIVITY, taskQueue });
  const resume = () => ({ startedAt: report.startedAt, kinds: report.kinds, digests, requests: report.requests, runs: report.runs, taskQueue: taskQueue!, identifierPrefix, after, parallelKinds, startOrder });

  /** Pages a kind until it is done, fails for good, or (side by side) the history asks for continue-as-new. */
  const syncKind = async (kind: KindProgress, sideBySide: boolean, urgent = false) => {
    kind.status = 'running';
    try {
      for (;;) {
        const chunk = await pages.syncKindChunk({ integration: input.integration, kind: kind.kind, cursor: kind.cursor, dryRun: report.dryRun, scope: input.scope, startedAt: report.startedAt, ...(urgent ? { urgent } : {}) });
        addChunk(kind, chunk);
        addRequests(report, chunk.requests);
        if (chunk.digest) (digests[kind.kind] ??= []).push(chunk.digest);
        if (!chunk.cursor) {
          kind.status = 'done';
          return;
        }
        if (workflowInfo().continueAsNewSuggested) {
          // Stays "running" at its cursor; the scheduler continues as new once every running kind is here.
          if (sideBySide) return;
          // Only cursors, counts and digests cross over: history stays small however big the source is.
          await continueAsNew<typeof syncIntegration>({ ...input, resume: resume() });
        }
      }
    } catch (err) {
      // A kind that fails for good does not stop the others from getting fresh data; it stops all deletes.
      if (!(err instanceof ActivityFailure)) throw err;
      kind.status = 'failed';
      kind.error = messageOf(err);
    }
  };

  try {
    if (patched(KINDS_SIDE_BY_SIDE)) {
      // A kind starts once the kinds it waits for (its relation targets) have ended, in the plan's start
      // order (the kinds most others wait for first).
      const ended = (name: string) => ['done', 'failed'].includes(report.kinds.find((k) => k.kind === name)?.status ?? 'done');
      const running = new Map<string, Promise<string>>();
      const awaited = new Set(Object.values(after).flat());
      const byName = new Map(report.kinds.map((k) => [k.kind, k]));
      const order = (startOrder ?? report.kinds.map((k) => k.kind)).flatMap((name) => byName.get(name) ?? []);
      for (;;) {
        if (!workflowInfo().continueAsNewSuggested) {
          for (const kind of order) {
            if (kind.status === 'done' || kind.status === 'failed' || running.has(kind.kind)) continue;
            if (!(after[kind.kind] ?? []).every(ended)) continue;
            // Kinds others wait for are on the way to the end: they start as soon as they may. The limit
            // holds for the kinds nothing waits for, which fill the lanes meanwhile.
            if (!awaited.has(kind.kind) && running.size >= parallelKinds) continue;
            running.set(kind.kind, syncKind(kind, true, awaited.has(kind.kind)).then(() => kind.kind));
          }
        }
        if (running.size === 0) break;
        running.delete(await Promise.race(running.values()));
      }
      if (report.kinds.some((k) => k.status === 'pending' || k.status === 'running')) {
        await continueAsNew<typeof syncIntegration>({ ...input, resume: resume() });
      }
    } else {
      // Runs from before kinds ran side by side replay one kind after the other.
      for (const kind of report.kinds) {
        if (kind.status === 'done' || kind.status === 'failed') continue;
        await syncKind(kind, false);
      }
    }
    const failed = report.kinds.filter((k) => k.status === 'failed');
    if (failed.length > 0) {
      const why = failed.map((k) => `kind "${k.kind}" failed: ${k.error}`).join('; ');
      report.reconcile = { ...emptyReconcile('skipped'), reason: `nothing deleted: ${why}` };
      throw ApplicationFailure.nonRetryable(`sync of "${input.integration}" incomplete, nothing deleted: ${why}`, 'SyncIncomplete');
    }
    const outcome = await reconciling.reconcile({
      integration: input.integration,
      startedAt: report.startedAt,
      dryRun: report.dryRun,
      identifierPrefix,
      scoped: input.scope !== undefined,
      kinds: report.kinds.map((k) => ({ kind: k.kind, complete: !k.incomplete, incomplete: k.incomplete, digests: digests[k.kind] ?? [], produced: k.produced, failed: k.failed })),
    });
    addReconcile(report, outcome);
    addRequests(report, outcome.requests);
  } catch (err) {
    // continueAsNew() ends this run by throwing: that is not a failure.
    if (err instanceof ContinueAsNew) throw err;
    for (const kind of report.kinds.filter((k) => k.status === 'running')) {
      kind.status = 'failed';
      kind.error = messageOf(err);
    }
    if (report.reconcile.status === 'pending') report.reconcile = { ...emptyReconcile('skipped'), reason: 'nothing deleted: the run failed' };
    report.status = 'failed';
    await inProcess.recordSyncOutcome({ integration: input.integration, status: 'failed', dryRun: report.dryRun });
    throw err;
  }
  report.finishedAt = new Date().toISOString();
  report.durationSeconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  await inProcess.recordSyncOutcome({ integration: input.integration, status: 'completed', dryRun: report.dryRun });
  return report;
}

async function waitForFullSync(input: SyncInput, report: SyncReport): Promise<void> {
  const full = syncWorkflowId(input.integration);
  // A scoped start the Web UI gave the full sync's id delegates to this run: that launcher is no full sync.
  if (workflowInfo().parent?.workflowId === full) return;
  for (let wait = PROBE_FIRST_MS; await isRunning(full); wait = nextProbeMs(wait)) {
    report.reason = `waiting for the full sync ${full} to end`;
    // A long wait goes on in a fresh run rather than grow this one's history.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof syncIntegration>(input);
    await sleep(wait);
  }
  delete report.reason;
}

/** The innermost message: an activity failure wraps the activity's own error. */
function messageOf(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}

function emptyProgress(kind: string): KindProgress {
  return { kind, status: 'pending', pages: 0, fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0, filtered: 0, produced: 0, unidentified: 0, failures: [] };
}

function emptyReconcile(status: ReconcileReport['status']): ReconcileReport {
  return { status, deleted: 0, failed: 0, failures: [], keptWrittenDuringRun: 0, keptAsRelationTarget: 0 };
}

const REASONS_PER_KIND = 10;
/** Dry-run plan lines a kind reports (history stays small; the counts are complete). */
const PLAN_PER_KIND = 200;

function addChunk(progress: KindProgress, chunk: KindChunk) {
  progress.pages += chunk.pages;
  progress.fetched += chunk.fetched;
  progress.created += chunk.created;
  progress.updated += chunk.updated;
  progress.unchanged += chunk.unchanged;
  progress.failed += chunk.failed;
  progress.filtered += chunk.filtered;
  progress.produced += chunk.produced;
  progress.unidentified += chunk.unidentified;
  progress.failures.push(...chunk.failures.slice(0, REASONS_PER_KIND - progress.failures.length));
  if (chunk.plan?.length) (progress.plan ??= []).push(...chunk.plan.slice(0, PLAN_PER_KIND - progress.plan.length));
  progress.incomplete ??= chunk.incomplete;
  progress.cursor = chunk.cursor;
}

function addRequests(report: SyncReport, requests: Record<string, number>) {
  for (const [api, n] of Object.entries(requests)) report.requests[api] = (report.requests[api] ?? 0) + n;
}

function addReconcile(report: SyncReport, outcome: ReconcileOutcome) {
  const { status, reason, failed, failures, keptWrittenDuringRun, keptAsRelationTarget } = outcome;
  const deleted = Object.values(outcome.deleted).reduce((n, d) => n + d, 0);
  report.reconcile = { status, reason, deleted, failed, failures, keptWrittenDuringRun, keptAsRelationTarget, ...(outcome.plan ? { plan: outcome.plan } : {}) };
  for (const kind of report.kinds) {
    kind.deleted = outcome.deletedByKind[kind.kind] ?? 0;
  }
}

