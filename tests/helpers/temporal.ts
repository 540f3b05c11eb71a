// Integration-test plumbing: a client and worker connection to the real Temporal server of the run
// (TEMPORAL_ADDRESS, set by scripts/test.ts), a demo simulator, and a config with a task queue and
// integration id of the test's own, so test files can share one server.
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { SyncReport } from '../../workflows/definitions';
import { NativeConnection } from '@temporalio/worker';
import { configSchema, type Config, type ConfigInput } from '../../config/schema';
import { temporalTarget, type TemporalTarget } from '../../config/temporal';
import { connectClient } from '../../client/connect';
import { DemoSim } from '../../sim/demo/server';
import { PortSim, type PortSimOptions } from '../../sim/port/server';
import { createLogger, registerSecret } from '../../worker/logger';
import { startWorkers, type RunningWorkers } from '../../worker/run';
import { installRuntime } from '../../worker/telemetry';

export interface TestTemporal {
  target: TemporalTarget;
  client: Client;
  connection: NativeConnection;
  close(): Promise<void>;
}

/** Captured log lines of this test process (the Temporal runtime logs through the same logger). */
export const logLines: string[] = [];
export const testLogger = createLogger({
  name: 'test',
  level: process.env.LOG_LEVEL ?? 'info',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (process.env.TEST_LOGS) process.stderr.write(chunk);
      done();
    },
  }),
});

/** Connects to the run's server, or to `address` (a test's own server). */
export async function connectTemporal(address = process.env.TEMPORAL_ADDRESS): Promise<TestTemporal> {
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run integration tests through `npm test`');
  installRuntime(testLogger);
  const target = temporalTarget({ ...process.env, TEMPORAL_ADDRESS: address });
  const client = await connectClient(target);
  const connection = await NativeConnection.connect(target.connectionOptions);
  return {
    target,
    client,
    connection,
    close: async () => {
      await client.connection.close();
      await connection.close();
    },
  };
}

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface DemoSetup {
  sim: DemoSim;
  /** The Port simulator the integration writes to, when the target is Port. */
  port?: PortSim;
  apiKey: string;
  webhookSecret: string;
  integration: string;
  config: Config;
  /** Environment a worker of this config needs (the demo API key and webhook secret). */
  env: NodeJS.ProcessEnv;
}

/**
 * A seeded demo simulator and a config whose only integration reads it. Its items go to the demo
 * catalog, or with `port`, to a Port simulator of the test's own.
 */
export async function demoSetup(
  opts: {
    items?: number;
    kinds?: string[];
    pageSize?: number;
    overrides?: Partial<ConfigInput>;
    schedule?: unknown;
    port?: PortSimOptions;
    mapping?: string;
  } = {},
): Promise<DemoSetup> {
  const apiKey = `demo-key-${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec-${randomBytes(12).toString('hex')}`;
  registerSecret(apiKey);
  registerSecret(webhookSecret);
  const kinds = opts.kinds ?? ['team', 'service'];
  const sim = new DemoSim({ apiKey });
  sim.seed(kinds, opts.items ?? 30);
  const url = await sim.start();
  const integration = uniqueId('demo');
  const apiKeyEnv = `DEMO_KEY_${integration.replace(/-/g, '_').toUpperCase()}`;
  const secretEnv = `DEMO_WEBHOOK_${integration.replace(/-/g, '_').toUpperCase()}`;
  const env: NodeJS.ProcessEnv = { ...process.env, [apiKeyEnv]: apiKey, [secretEnv]: webhookSecret };
  let port: PortSim | undefined;
  let portConfig: ConfigInput['port'];
  if (opts.port) {
    port = new PortSim(opts.port);
    const prefix = integration.replace(/-/g, '_').toUpperCase();
    portConfig = { apiUrl: await port.start(), clientIdEnv: `${prefix}_PORT_ID`, clientSecretEnv: `${prefix}_PORT_SECRET` };
    env[portConfig.clientIdEnv!] = port.credentials.clientId;
    env[portConfig.clientSecretEnv!] = port.credentials.clientSecret;
    registerSecret(port.credentials.clientSecret);
  }
  const config = configSchema.parse({
    ...(portConfig ? { port: portConfig } : {}),
    ...opts.overrides,
    worker: { taskQueue: uniqueId('tq'), healthPort: 0, metricsPort: 0, shutdownGraceTime: '2s', ...opts.overrides?.worker },
    webhooks: { host: '127.0.0.1', port: 0, ...opts.overrides?.webhooks },
    integrations: [
      {
        id: integration,
        type: 'demo',
        ...(opts.schedule ? { schedule: opts.schedule } : {}),
        options: { apiUrl: url, kinds, pageSize: opts.pageSize ?? 10, apiKeyEnv, target: port ? 'port' : 'demo' },
        ...(opts.mapping ? { mapping: opts.mapping } : {}),
        webhook: { secretEnv },
      },
    ],
  });
  return { sim, port, apiKey, webhookSecret, integration, config, env };
}

export async function startTestWorkers(temporal: TestTemporal, setup: DemoSetup): Promise<RunningWorkers> {
  return startWorkers(setup.config, { connection: temporal.connection, namespace: temporal.target.namespace, logger: testLogger, env: setup.env });
}

/** Polls until `check` returns a truthy value or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A report's created, updated, deleted and failed counts over all its kinds. */
export function reportTotals(report: SyncReport) {
  return report.kinds.reduce((t, k) => ({ created: t.created + k.created, updated: t.updated + k.updated, deleted: t.deleted + k.deleted, failed: t.failed + k.failed }), {
    created: 0,
    updated: 0,
    deleted: 0,
    failed: 0,
  });
}
