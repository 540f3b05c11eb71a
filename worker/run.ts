// Runs the port-sync workers of one process: the main task queue (workflows and control activities)
// and one activity-only task queue per vendor API. An API's queue carries its rate limit as
// maxTaskQueueActivitiesPerSecond, which the Temporal server enforces for all replicas together.
import { Runtime, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Logger } from 'pino';
import { apiTaskQueue, createActivities } from '../activities';
import { createConnector, hasConnector } from '../activities/connectors';
import { lifecycle } from '../activities/lifecycle';
import { useProcessMeter } from '../activities/metrics';
import type { Config } from '../config/schema';
import { cachedBundle } from './bundle';
import { tracingEnabled, workerTelemetryOptions } from './telemetry';

const bundles = new Map<boolean, Promise<WorkflowBundle>>();

/** The workflow bundle, read once per process from the on-disk cache (bundle.ts; the bundler also refuses non-deterministic imports). */
export function workflowBundle(withTracing = tracingEnabled()): Promise<WorkflowBundle> {
  let bundle = bundles.get(withTracing);
  if (!bundle) {
    bundle = cachedBundle(withTracing);
    bundles.set(withTracing, bundle);
  }
  return bundle;
}

export interface RunningWorkers {
  taskQueues: string[];
  /** Resolves when every worker has stopped; rejects if one failed. */
  done: Promise<void>;
  /** Stops polling, lets running activities finish within shutdownGraceTime, then cancels them. */
  shutdown(): void;
  isRunning(): boolean;
}

/** The APIs whose task queues this config needs: those of configured connectors and those given limits. */
export function apisInUse(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
  const apis = new Set(Object.keys(config.apis));
  for (const integration of config.integrations) {
    if (hasConnector(integration.type)) apis.add(createConnector(integration, config.port, env).api);
  }
  return [...apis].sort();
}

export async function startWorkers(
  config: Config,
  deps: { connection: NativeConnection; namespace: string; logger: Logger; env?: NodeJS.ProcessEnv },
): Promise<RunningWorkers> {
  const env = deps.env ?? process.env;
  useProcessMeter(Runtime.instance().metricMeter);
  lifecycle.draining = false;
  const activities = createActivities(config, env);
  const telemetry = workerTelemetryOptions();
  const common = {
    connection: deps.connection,
    namespace: deps.namespace,
    activities,
    shutdownGraceTime: config.worker.shutdownGraceTime,
    // Page cursors reach the server within 2 s, so a killed worker's retry redoes at most that much.
    maxHeartbeatThrottleInterval: '2s',
    ...telemetry,
  } as const;

  const workers: Worker[] = [
    await Worker.create({
      ...common,
      taskQueue: config.worker.taskQueue,
      workflowBundle: await workflowBundle(),
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTaskExecutions,
    }),
  ];
  for (const api of apisInUse(config, env)) {
    const limit = config.apis[api];
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: apiTaskQueue(config.worker.taskQueue, api),
        maxConcurrentActivityTaskExecutions: limit?.maxConcurrent ?? 10,
        ...(limit?.activitiesPerSecond ? { maxTaskQueueActivitiesPerSecond: limit.activitiesPerSecond } : {}),
      }),
    );
  }
  const taskQueues = workers.map((w) => w.options.taskQueue);
  deps.logger.info({ taskQueues, namespace: deps.namespace }, 'worker started');
  const shutdown = () => {
    lifecycle.draining = true;
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  // One worker failing stops the others too, and `done` rejects once all have stopped.
  const runs = workers.map((w) => w.run());
  let failure: unknown;
  for (const run of runs) run.catch((err: unknown) => ((failure ??= err), shutdown()));
  const done = Promise.allSettled(runs).then(() => {
    if (failure) throw failure;
  });
  return {
    taskQueues,
    done,
    shutdown,
    isRunning: () => workers.every((w) => w.getState() === 'RUNNING'),
  };
}
