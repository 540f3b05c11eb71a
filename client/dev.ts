// `port-sync dev`: the whole product on one machine in one command. The Temporal dev server (SQLite
// under the data folder, Web UI), the worker, the webhook receiver and the schedules; without real
// credentials also the simulators with a demo organisation, so syncs run in the Web UI within a minute.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { LoadedConfig } from '../config/load';
import { configSchema, DEFAULT_TASK_QUEUE, type Config } from '../config/schema';
import { hasExternalTemporal, temporalTarget, type TemporalTarget } from '../config/temporal';
import { registerSecret } from '../worker/logger';
import { DemoSim } from '../sim/demo/server';
import { createServiceType, seedPortServices } from '../sim/incidentio/demo';
import { IncidentIoSim } from '../sim/incidentio/server';
import { PortSim } from '../sim/port/server';
import { startEmitter } from '../sim/demo/emitter';
import { connectClient, prepareProcess } from './connect';
import { ensureTemporalBinary, startDevServer, type DevServer } from './devServer';
import { startOrAttach } from './runSync';
import { applySchedules } from './schedules';
import { startReceiverService, startWorkerService, stopOnSignal, type Service } from './services';

export interface DevOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  webhooksPort: number;
  metricsPort: number;
  demoItems: number;
}

interface Demo {
  config: Config;
  /** The integrations whose first sync starts at once (the others wait for their schedule). */
  firstSyncs: string[];
  stop: () => Promise<void>;
  startEmitting: (receiverUrl: string) => void;
}

/**
 * The demo organisation: the demo API simulator as the source, the Port simulator as the target, and a
 * `demo` integration between them. Its webhook events go to the demo API's own catalog (the platform's
 * event path); its resyncs create blueprints and entities in the Port simulator. Beside it, Port ->
 * incident.io as in the guide: the Port simulator holds the guide's `service` blueprint with a few
 * dozen services (written as a seed script would), the incident.io simulator the guide's catalog type
 * "Service", and an `incidentio` integration copies the one into the other.
 */
async function startDemo(base: Config, items: number): Promise<Demo> {
  const apiKey = randomBytes(16).toString('hex');
  const webhookSecret = randomBytes(16).toString('hex');
  // A key of your own in DEMO_INCIDENT_IO_API_KEY lets you query the incident.io simulator (curl, tests).
  const incidentKey = process.env.DEMO_INCIDENT_IO_API_KEY || randomBytes(16).toString('hex');
  const port = new PortSim({ clientId: `demo-${randomBytes(4).toString('hex')}`, clientSecret: randomBytes(16).toString('hex') });
  // Names of our own, so credentials of a real Port org in this shell are neither used nor clobbered.
  process.env.DEMO_API_KEY = apiKey;
  process.env.DEMO_WEBHOOK_SECRET = webhookSecret;
  process.env.DEMO_PORT_CLIENT_ID = port.credentials.clientId;
  process.env.DEMO_PORT_CLIENT_SECRET = port.credentials.clientSecret;
  process.env.DEMO_INCIDENT_IO_API_KEY = incidentKey;
  for (const secret of [apiKey, webhookSecret, port.credentials.clientSecret, incidentKey]) registerSecret(secret);
  const sim = new DemoSim({ apiKey, pageDelayMs: 200 });
  sim.seed(['team', 'service'], items);
  const services = seedPortServices(port);
  const incident = new IncidentIoSim({ apiKey: incidentKey });
  const serviceType = createServiceType(incident);
  const url = await sim.start();
  const portUrl = await port.start();
  const incidentUrl = await incident.start();
  say(`Port simulator at ${portUrl} (blueprint "service" holds ${services} services; the demo's first sync adds "team" and its own services)`);
  say(`incident.io simulator at ${incidentUrl} (catalog type "Service" ${serviceType.id}: the incidentio sync copies Port's services into it)`);
  const config = configSchema.parse({
    ...base,
    port: { apiUrl: portUrl, clientIdEnv: 'DEMO_PORT_CLIENT_ID', clientSecretEnv: 'DEMO_PORT_CLIENT_SECRET' },
    integrations: [
      {
        id: 'demo',
        type: 'demo',
        schedule: { cron: '*/2 * * * *', timezone: 'UTC' },
        options: { apiUrl: url, pageSize: 50, target: 'port' },
        webhook: { secretEnv: 'DEMO_WEBHOOK_SECRET' },
      },
      {
        id: 'incidentio',
        type: 'incidentio',
        // The guide's schedule (and the zero-config default): every two hours.
        schedule: { cron: '0 */2 * * *', timezone: 'UTC' },
        options: { catalogTypeId: serviceType.id, apiUrl: incidentUrl, apiKeyEnv: 'DEMO_INCIDENT_IO_API_KEY' },
      },
    ],
  });
  let stopEmitter = () => {};
  return {
    config,
    firstSyncs: ['demo', 'incidentio'],
    startEmitting: (receiverUrl) => (stopEmitter = startEmitter(sim, { url: `${receiverUrl}/webhooks/demo`, secret: webhookSecret, everyMs: 3_000 })),
    stop: async () => {
      stopEmitter();
      await sim.stop();
      await port.stop();
      await incident.stop();
    },
  };
}

export async function runDev(loaded: LoadedConfig, opts: DevOptions): Promise<void> {
  // Locally, probes are not needed: the health endpoint takes any free port.
  loaded.config.worker.healthPort = 0;
  loaded.config.worker.metricsPort = opts.metricsPort;
  const logger = prepareProcess(loaded, { name: 'port-sync-dev', metricsBind: `127.0.0.1:${opts.metricsPort}` });
  const external = hasExternalTemporal();
  let server: DevServer | undefined;
  let target: TemporalTarget;
  if (external) {
    target = temporalTarget();
    say(`using the Temporal cluster at ${target.address} (TEMPORAL_ADDRESS); nothing local is started`);
  } else {
    const dataDir = resolve(opts.dataDir);
    server = await startDevServer({ binary: await ensureTemporalBinary(), dataDir, port: opts.port, uiPort: opts.uiPort });
    target = temporalTarget({ ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
    say(`Temporal dev server ${server.address}, data in ${server.dbFile} (log ${server.logFile})`);
  }

  const demo = loaded.config.integrations.length === 0 ? await startDemo(loaded.config, opts.demoItems) : undefined;
  const config = demo?.config ?? loaded.config;
  if (demo && external && config.worker.taskQueue === DEFAULT_TASK_QUEUE) {
    // A shared cluster's real deployment may use the default queue: the demo's worker must not take its
    // tasks, nor its schedules (schedules apply refuses a schedule of another task queue).
    config.worker.taskQueue = `${DEFAULT_TASK_QUEUE}-dev-${hostname()}`;
    say(`the demo uses task queue ${config.worker.taskQueue} on the shared cluster`);
  }
  if (demo) {
    // Other terminals can use the demo too: `port-sync --config <file> status|run demo`.
    const file = join(resolve(opts.dataDir), 'demo.port-sync.yaml');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# written by port-sync dev for other commands; secrets stay in the dev process\n${stringify(config)}`);
    say('no credentials configured: running the demo organisation on the simulators');
    const address = external || target.address === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${target.address} `;
    say(`from another terminal: ${address}npx port-sync --config ${relative(process.cwd(), file)} status`);
  }

  const services: Service[] = [];
  try {
    services.push(await startWorkerService(config, target, logger, { checkAttributes: external, healthHost: '127.0.0.1' }));
    const receiver = await startReceiverService({ ...config, webhooks: { ...config.webhooks, host: '127.0.0.1' } }, target, logger, { port: opts.webhooksPort });
    services.push(receiver);
    const client = await connectClient(target);
    // Never prunes: pointed at a shared cluster, dev must not delete the real deployment's schedules.
    for (const r of await applySchedules(client, config, { prune: false })) say(`schedule ${r.scheduleId} ${r.change}${r.cron ? ` (${r.cron})` : ''}`);
    if (demo) {
      demo.startEmitting(receiver.url!);
      for (const integration of demo.firstSyncs) {
        const { handle, started } = await startOrAttach(client, config, { integration, trigger: 'cli' });
        say(`${started ? 'started' : 'attached to'} ${handle.workflowId}`);
      }
      say('demo webhooks arrive every 3 s');
    }
    await client.connection.close();
    if (server?.uiUrl) say(`Web UI: ${server.uiUrl}`);
    say(`webhooks: ${receiver.url}/webhooks/<integration>   metrics: http://127.0.0.1:${config.worker.metricsPort}/metrics`);
    say('Ctrl-C stops everything; history is kept for the next start');
  } catch (err) {
    for (const s of services.reverse()) await s.stop().catch(() => undefined);
    await demo?.stop();
    await server?.stop();
    throw err;
  }
  await stopOnSignal(services, logger, async () => {
    await demo?.stop();
    await server?.stop();
  });
  say('stopped');
}

function say(line: string) {
  process.stderr.write(`port-sync: ${line}\n`);
}
