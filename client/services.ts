// The long-running services of port-sync, started by `port-sync worker`, `port-sync webhooks` and
// together by `port-sync dev`. Each returns a stop() that finishes in-flight work first.
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { TemporalTarget } from '../config/temporal';
import { startHealthServer } from '../worker/health';
import { startWorkers } from '../worker/run';
import { flushTracing } from '../worker/telemetry';
import { connectClient, connectWorker } from './connect';
import { checkSearchAttributes } from './searchAttributes';
import { startReceiver } from './webhooks/receiver';

export interface Service {
  url?: string;
  stop(): Promise<void>;
  /** Rejects if the service dies by itself; the process then stops and exits non-zero. */
  failed?: Promise<never>;
}

export async function startWorkerService(
  config: Config,
  target: TemporalTarget,
  logger: Logger,
  opts: { checkAttributes: boolean; healthHost?: string },
): Promise<Service> {
  if (opts.checkAttributes) {
    const client = await connectClient(target);
    try {
      await checkSearchAttributes(client, target.namespace);
    } finally {
      await client.connection.close();
    }
  }
  const connection = await connectWorker(target);
  const workers = await startWorkers(config, { connection, namespace: target.namespace, logger });
  const health = await startHealthServer(config.worker.healthPort, opts.healthHost ?? '0.0.0.0', async () => ({
    ready: workers.isRunning(),
    detail: { taskQueues: workers.taskQueues },
  }));
  let failure: unknown;
  const failed = workers.done.then(
    () => new Promise<never>(() => {}),
    (err: unknown) => {
      failure = err;
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'worker failed');
      throw err;
    },
  );
  failed.catch(() => undefined);
  return {
    url: health.url,
    failed,
    stop: async () => {
      logger.info('worker shutting down: running activities get the grace time to finish');
      workers.shutdown();
      await workers.done.catch(() => undefined);
      health.server.close();
      await connection.close();
      await flushTracing();
      if (failure) throw failure;
    },
  };
}

export async function startReceiverService(config: Config, target: TemporalTarget, logger: Logger, opts: { port?: number } = {}): Promise<Service> {
  const client = await connectClient(target);
  const receiver = await startReceiver({ config, client, logger, meter: Runtime.instance().metricMeter, port: opts.port });
  logger.info({ url: receiver.url }, 'webhook receiver listening');
  return {
    url: receiver.url,
    stop: async () => {
      await receiver.close();
      await client.connection.close();
    },
  };
}

/** Runs until SIGINT/SIGTERM, then stops the services in reverse order of start. */
export function stopOnSignal(services: Service[], logger: Logger, extra: () => Promise<void> = async () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      try {
        for (const service of [...services].reverse()) await service.stop();
        await extra();
        resolve();
      } catch (err) {
        reject(err);
      }
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    for (const service of services) {
      service.failed?.catch(async (err: unknown) => {
        if (stopping) return;
        stopping = true;
        for (const other of [...services].reverse()) await other.stop().catch(() => undefined);
        await extra().catch(() => undefined);
        reject(err);
      });
    }
  });
}
