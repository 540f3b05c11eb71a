// Every side effect of a sync, as Temporal activities. Workflows import only the type of this
// object; the worker builds it from the loaded configuration. Each activity lives in its own file and
// gets the integration's runtime (connector, mapping, target), built once per worker.
import type { Config } from '../config/schema';
import type { EventRef } from '../workflows/definitions';
import { findIntegration } from './connectors';
import { applyEvents } from './events';
import { syncKindChunk, type KindChunkInput } from './kindChunk';
import { processMetrics } from './metrics';
import { planSync, prepareTarget } from './plan';
import { reconcile, type ReconcileInput } from './reconcile';
import type { SourceScope } from './connector';
import { createRuntime, type IntegrationRuntime } from './runtime';

export type { KindChunk, KindChunkInput } from './kindChunk';
export type { SyncPlan } from './plan';
export type { ReconcileInput } from './reconcile';
export { apiTaskQueue } from './plan';

export function createActivities(config: Config, env: NodeJS.ProcessEnv = process.env) {
  // One runtime (connector, mapping, HTTP clients) per integration for the life of the worker.
  const runtimes = new Map<string, IntegrationRuntime>();
  const runtimeFor = (integrationId: string) => {
    let runtime = runtimes.get(integrationId);
    if (!runtime) {
      runtime = createRuntime(config, findIntegration(config, integrationId), env);
      runtimes.set(integrationId, runtime);
    }
    return runtime;
  };

  return {
    planSync: (input: { integration: string; kinds?: string[]; scope?: SourceScope }) => planSync(runtimeFor(input.integration), config, input),
    prepareTarget: (input: { integration: string }) => prepareTarget(runtimeFor(input.integration), input),
    syncKindChunk: (input: KindChunkInput) => syncKindChunk(runtimeFor(input.integration), config, input),
    reconcile: (input: ReconcileInput) => reconcile(runtimeFor(input.integration), input),
    async recordSyncOutcome(input: { integration: string; status: 'completed' | 'failed'; dryRun: boolean }) {
      if (input.status === 'completed' && !input.dryRun) processMetrics()?.lastSuccess(input.integration, new Date());
    },
    applyEvents: (input: { integration: string; events: EventRef[] }) => applyEvents(runtimeFor(input.integration), input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
