// Our own metrics, recorded through Temporal's metric meter so they appear on the same Prometheus
// endpoint as the Temporal runtime metrics. Operators alert on the last-success time and on refusals.
import type { MetricMeter } from '@temporalio/common';

export interface SyncMetrics {
  entities: (outcome: 'written' | 'unchanged' | 'failed' | 'deleted', n: number, tags: { integration: string; kind: string }) => void;
  lastSuccess: (integration: string, at: Date) => void;
  deletionsRefused: (integration: string, reason: string, n: number) => void;
  httpRequest: (api: string, status: number) => void;
  webhookEvent: (integration: string, outcome: string) => void;
}

const cache = new WeakMap<MetricMeter, SyncMetrics>();

export function syncMetrics(meter: MetricMeter): SyncMetrics {
  const cached = cache.get(meter);
  if (cached) return cached;
  const entities = meter.createCounter('port_sync_entities', 'entities', 'Entities handled by syncs, by outcome');
  const lastSuccess = meter.createGauge(
    'port_sync_last_success_timestamp_seconds',
    'int',
    's',
    'Unix time of the last successful full sync',
  );
  const refused = meter.createCounter('port_sync_deletions_refused', 'entities', 'Deletions refused by safety rules');
  const requests = meter.createCounter('port_sync_http_requests', 'requests', 'Outbound API requests');
  const throttled = meter.createCounter('port_sync_http_throttled', 'requests', 'Outbound API requests answered 429');
  const events = meter.createCounter('port_sync_webhook_events', 'events', 'Webhook deliveries, by outcome');
  const metrics: SyncMetrics = {
    entities: (outcome, n, tags) => n > 0 && entities.add(n, { ...tags, outcome }),
    lastSuccess: (integration, at) => lastSuccess.set(Math.floor(at.getTime() / 1000), { integration }),
    deletionsRefused: (integration, reason, n) => refused.add(n, { integration, reason }),
    httpRequest: (api, status) => {
      requests.add(1, { api, status: String(status) });
      if (status === 429) throttled.add(1, { api });
    },
    webhookEvent: (integration, outcome) => events.add(1, { integration, outcome }),
  };
  cache.set(meter, metrics);
  return metrics;
}

let processMeter: SyncMetrics | undefined;

/**
 * Installs the worker process's meter (the Temporal runtime's). Activities record on it rather than on
 * the activity-context meter, whose instruments would keep the tags of the activity that made them.
 */
export function useProcessMeter(meter: MetricMeter): void {
  processMeter = syncMetrics(meter);
}

/** The process's metrics; undefined where no worker runs (CLI commands, unit tests). */
export function processMetrics(): SyncMetrics | undefined {
  return processMeter;
}
