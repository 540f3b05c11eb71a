// `port-sync run <integration>`: starts the integration's one canonical sync, or attaches to it when
// it is already running (from a schedule, the Web UI or another `run`), and optionally follows it.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../config/schema';
import { INTEGRATION_ATTR, TRIGGER_ATTR, progressQuery, syncWorkflowId, type SyncInput, type SyncReport } from '../workflows/definitions';
import type { syncIntegration } from '../workflows/syncIntegration';
import { formatTable } from './table';

export interface StartedSync {
  handle: WorkflowHandle<typeof syncIntegration>;
  /** False when an already running sync was joined instead. */
  started: boolean;
}

export async function startOrAttach(client: Client, config: Config, input: SyncInput): Promise<StartedSync> {
  const workflowId = syncWorkflowId(input.integration, input.scope);
  try {
    const handle = await client.workflow.start<typeof syncIntegration>('syncIntegration', {
      workflowId,
      taskQueue: config.worker.taskQueue,
      args: [{ ...input, trigger: input.trigger ?? 'cli' }],
      typedSearchAttributes: [
        { key: INTEGRATION_ATTR, value: input.integration },
        { key: TRIGGER_ATTR, value: input.trigger ?? 'cli' },
      ],
    });
    return { handle, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof syncIntegration>(workflowId), started: false };
  }
}

/**
 * Why attaching to the running sync would not give what was asked (a dry run joining a real run, other
 * kinds), or undefined when it does.
 */
export async function attachConflict(handle: WorkflowHandle<typeof syncIntegration>, input: SyncInput): Promise<string | undefined> {
  const running = await handle.query(progressQuery).catch(() => undefined);
  if (!running) return undefined;
  const wantedKinds = input.kinds?.length ? [...input.kinds].sort().join(',') : undefined;
  const runningKinds = running.kinds.map((k) => k.kind).sort().join(',');
  if ((input.dryRun ?? false) !== running.dryRun || (wantedKinds && wantedKinds !== runningKinds)) {
    return `a sync of "${input.integration}" is already running (${running.dryRun ? 'dry run' : 'writing'}, kinds ${runningKinds}, trigger ${running.trigger}); wait for it or cancel it first`;
  }
  return undefined;
}

/** Waits for the sync to finish, calling onProgress about once a second with the live report. */
export async function follow(handle: WorkflowHandle<typeof syncIntegration>, onProgress?: (report: SyncReport) => void): Promise<SyncReport> {
  const result = handle.result();
  if (!onProgress) return result;
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  const poll = async () => {
    while (!done) {
      try {
        onProgress(await handle.query(progressQuery));
      } catch {
        // Between continue-as-new runs, or before the first workflow task: try again shortly.
      }
      await Promise.race([new Promise((r) => setTimeout(r, 1_000)), result.catch(() => undefined)]);
    }
  };
  const [report] = await Promise.all([result, poll()]);
  return report;
}

/** One line per kind: what a person watching a terminal wants to see. */
export function progressLine(report: SyncReport): string {
  const kinds = report.kinds.map(
    (k) => `${k.kind} ${k.status} ${k.pages}p ${k.fetched} fetched ${k.created + k.updated} written${k.failed ? ` ${k.failed} failed` : ''}`,
  );
  return `${report.integration}: ${kinds.join(' | ') || 'planning'}`;
}

export function reportTable(report: SyncReport): string {
  const rows = [['KIND', 'STATUS', 'PAGES', 'FETCHED', 'CREATED', 'UPDATED', 'UNCHANGED', 'DELETED', 'FAILED']];
  for (const k of report.kinds) {
    rows.push([k.kind, k.status, ...[k.pages, k.fetched, k.created, k.updated, k.unchanged, k.deleted, k.failed].map(String)]);
  }
  const header = `${report.integration}: ${report.status}${report.reason ? ` (${report.reason})` : ''}${report.dryRun ? ' [dry run: nothing written]' : ''}, ${report.runs} run(s), trigger ${report.trigger}${report.durationSeconds !== undefined ? `, ${report.durationSeconds.toFixed(1)} s` : ''}`;
  const lines = [header, formatTable(rows)];
  const { reconcile } = report;
  if (reconcile.status !== 'pending' && reconcile.status !== 'skipped') {
    const verb = reconcile.status === 'dry-run' ? 'would delete' : 'deleted';
    lines.push(`reconcile: ${reconcile.status === 'refused' ? 'refused' : `${verb} ${reconcile.deleted}`}${reconcile.reason ? `: ${reconcile.reason}` : ''}`);
  }
  const requests = Object.entries(report.requests ?? {});
  if (requests.length > 0) lines.push(`requests: ${requests.map(([api, n]) => `${api} ${n}`).join(', ')}`);
  for (const k of report.kinds) for (const f of k.failures) lines.push(`failed: ${f}`);
  for (const f of reconcile.failures) lines.push(`not deleted: ${f}`);
  if (report.dryRun) lines.push(...planLines(report));
  return lines.join('\n');
}

/** A dry run's plan: the writes a real run would make, field by field; the first ones when there are many. */
function planLines(report: SyncReport): string[] {
  const lines: string[] = [];
  for (const k of report.kinds) {
    const plan = k.plan ?? [];
    lines.push(...plan.map((line) => `plan: ${line}`));
    const more = k.created + k.updated - plan.length;
    if (more > 0) lines.push(`plan: ... and ${more} more write(s) of kind "${k.kind}"`);
  }
  const deletes = report.reconcile.plan ?? [];
  lines.push(...deletes.map((line) => `plan: ${line}`));
  if (report.reconcile.status === 'dry-run' && report.reconcile.deleted > deletes.length) lines.push(`plan: ... and ${report.reconcile.deleted - deletes.length} more delete(s)`);
  return lines;
}
