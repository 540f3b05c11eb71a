// Process start-up shared by the long-running commands: redacting logger, Temporal runtime, connections.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load';
import { secretEnvNames } from '../config/secrets';
import type { TemporalTarget } from '../config/temporal';
import { createLogger, registerSecretsFromEnv } from '../worker/logger';
import { clientInterceptors, installRuntime } from '../worker/telemetry';

/** Registers every secret the config names, then gives the process its logger and Temporal runtime. */
export function prepareProcess(loaded: LoadedConfig, opts: { name: string; metricsBind?: string; env?: NodeJS.ProcessEnv }): Logger {
  const env = opts.env ?? process.env;
  registerSecretsFromEnv(env, secretEnvNames(loaded.config));
  const logger = createLogger({ name: opts.name });
  installRuntime(logger, opts.metricsBind);
  return logger;
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata } as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace: target.namespace, interceptors: clientInterceptors() });
}

export function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(target.connectionOptions);
}
