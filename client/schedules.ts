// `port-sync schedules apply`: one Temporal schedule per scheduled integration, made to match the
// config idempotently. A schedule's action starts syncIntegration, which hands over to the one
// canonical sync of its integration (single flight); overlap SKIP keeps a schedule from piling up runs.
//
// Decisions (docs/schedules.md): a schedule whose integration was removed from the config, or whose
// schedule was set to false, is deleted (the config is the source of truth; an orphan would only fail),
// but only when it starts its runs on this config's task queue: another deployment may share the namespace.
// A pause made by an operator in the Web UI survives re-applying an unchanged config.
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Config, IntegrationConfig, ScheduleConfig } from '../config/schema';
import { INTEGRATION_ATTR, TRIGGER_ATTR, scheduleId, type SyncInput } from '../workflows/definitions';
import type { syncIntegration } from '../workflows/syncIntegration';

const SCHEDULE_PREFIX = scheduleId('');
const MANAGED_MEMO = 'portSyncConfigHash';

export type ScheduleChange = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface ScheduleResult {
  integration: string;
  scheduleId: string;
  change: ScheduleChange;
  cron?: string;
}

type SyncScheduleOptions = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof syncIntegration>>;

export function desiredSchedule(integration: IntegrationConfig, schedule: ScheduleConfig, taskQueue: string): SyncScheduleOptions {
  const input: SyncInput = { integration: integration.id, trigger: 'schedule' };
  const hash = createHash('sha256').update(JSON.stringify({ schedule, input, taskQueue })).digest('hex').slice(0, 16);
  return {
    scheduleId: scheduleId(integration.id),
    spec: {
      cronExpressions: [schedule.cron],
      timezone: schedule.timezone,
      ...(schedule.jitter ? { jitter: schedule.jitter as `${number}s` } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'syncIntegration',
      // The server appends the scheduled time to this id; the run then delegates to sync:<integration>.
      workflowId: `scheduled-sync:${integration.id}`,
      taskQueue,
      args: [input],
      memo: { [MANAGED_MEMO]: hash },
      typedSearchAttributes: [
        { key: INTEGRATION_ATTR, value: integration.id },
        { key: TRIGGER_ATTR, value: 'schedule' },
      ],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: schedule.catchupWindow as `${number}h`,
      pauseOnFailure: schedule.pauseOnFailure,
    },
    state: { paused: schedule.paused, note: schedule.paused ? 'paused in port-sync config' : 'managed by port-sync' },
    memo: { managedBy: 'port-sync' },
  };
}

/**
 * @param opts.prune delete this config's orphans (default); `dev` does not, as it may point at a shared
 * cluster whose real deployment uses the same task queue.
 */
export async function applySchedules(client: Client, config: Config, opts: { prune?: boolean } = {}): Promise<ScheduleResult[]> {
  const results: ScheduleResult[] = [];
  const wanted = new Set<string>();
  const conflicts: string[] = [];
  for (const integration of config.integrations) {
    if (!integration.schedule) continue;
    const desired = desiredSchedule(integration, integration.schedule, config.worker.taskQueue);
    wanted.add(desired.scheduleId);
    const change = await upsert(client, desired);
    if (typeof change === 'object') {
      conflicts.push(`schedule ${desired.scheduleId} starts its runs on task queue "${change.taskQueue}", not this config's "${config.worker.taskQueue}": another deployment in this namespace has an integration "${integration.id}" (give this one another id, or delete that schedule)`);
      continue;
    }
    results.push({ integration: integration.id, scheduleId: desired.scheduleId, change, cron: integration.schedule.cron });
  }
  if (conflicts.length > 0) throw new Error(conflicts.join('; '));
  if (opts.prune === false) return results;
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith(SCHEDULE_PREFIX) || wanted.has(summary.scheduleId)) continue;
    if (summary.memo?.managedBy !== 'port-sync') continue;
    // Another deployment (another task queue) may share the namespace: delete only this config's orphans.
    const handle = client.schedule.getHandle(summary.scheduleId);
    const current = await handle.describe().catch(ignoreNotFound);
    if (!current || current.action.taskQueue !== config.worker.taskQueue) continue;
    await handle.delete().catch(ignoreNotFound);
    results.push({ integration: summary.scheduleId.slice(SCHEDULE_PREFIX.length), scheduleId: summary.scheduleId, change: 'deleted' });
  }
  return results;
}

/** The schedule list is eventually consistent: a listed schedule may already be gone. */
function ignoreNotFound(err: unknown): undefined {
  if (err instanceof ScheduleNotFoundError) return undefined;
  throw err;
}

/** The change made, or the task queue of a schedule of the same id that another deployment owns (left alone). */
async function upsert(client: Client, desired: SyncScheduleOptions): Promise<ScheduleChange | { taskQueue: string }> {
  try {
    await client.schedule.create(desired);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(desired.scheduleId);
  const current = await handle.describe();
  if (current.action.type === 'startWorkflow' && current.action.taskQueue !== desired.action.taskQueue) return { taskQueue: current.action.taskQueue };
  if (current.action.memo?.[MANAGED_MEMO] === desired.action.memo?.[MANAGED_MEMO]) return 'unchanged';
  await handle.update((prev) => ({ ...prev, spec: desired.spec, action: desired.action, policies: desired.policies, state: { ...prev.state, ...desired.state } }));
  return 'updated';
}
