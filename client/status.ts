// `port-sync status`: per integration, its schedule and its sync (running with live progress, or the
// last result), read from Temporal.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { progressQuery, scheduleId, syncWorkflowId, type SyncReport } from '../workflows/definitions';

export interface IntegrationStatus {
  integration: string;
  type: string;
  schedule?: { cron: string; paused: boolean; nextRun?: string; lastRun?: string; skippedOverlaps: number; exists: boolean };
  sync?: { status: string; startedAt?: string; closedAt?: string; progress?: SyncReport };
}

export async function integrationStatus(client: Client, config: Config, only?: string): Promise<IntegrationStatus[]> {
  const out: IntegrationStatus[] = [];
  for (const integration of config.integrations) {
    if (only && integration.id !== only) continue;
    const status: IntegrationStatus = { integration: integration.id, type: integration.type };
    if (integration.schedule) {
      status.schedule = { cron: integration.schedule.cron, paused: integration.schedule.paused, skippedOverlaps: 0, exists: false };
      try {
        const d = await client.schedule.getHandle(scheduleId(integration.id)).describe();
        status.schedule = {
          cron: integration.schedule.cron,
          paused: d.state.paused,
          nextRun: d.info.nextActionTimes[0]?.toISOString(),
          lastRun: d.info.recentActions.at(-1)?.takenAt.toISOString(),
          skippedOverlaps: d.info.numActionsSkippedOverlap,
          exists: true,
        };
      } catch {
        // not applied yet: `port-sync schedules apply`
      }
    }
    try {
      const handle = client.workflow.getHandle(syncWorkflowId(integration.id));
      const d = await handle.describe();
      status.sync = { status: d.status.name, startedAt: d.startTime.toISOString(), closedAt: d.closeTime?.toISOString() };
      if (d.status.name === 'RUNNING') status.sync.progress = await handle.query(progressQuery).catch(() => undefined);
      else if (d.status.name === 'COMPLETED') status.sync.progress = (await handle.result().catch(() => undefined)) as SyncReport | undefined;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    out.push(status);
  }
  return out;
}
