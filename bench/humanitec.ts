// Humanitec benchmark (issue "3 of 4"): orgs of ~1,000 and ~40,000 entities (the simulator's
// `orgOfSize`) sync into the Port simulator through a `port-sync worker` process on a fresh dev server,
// with `latencyMs` added to every Humanitec and every Port answer, Port's budgets scaled by `scale` over
// `windowSeconds` windows (so that the bulk budget binds for the large org) and a fixed Humanitec
// `readConcurrency`. Each org syncs twice: a first sync (every entity created) and an unchanged one.
// Measured as in bench/resync.ts: wall time, requests per API, the worker's peak RSS, history events and
// bytes over the continue-as-new chain. Compared with
//   the floor = max(bulk calls ÷ bulk budget per window × window,
//                   Humanitec reads needed × latency ÷ readConcurrency)
// where bulk calls = Σ over blueprints ⌈written ÷ 20⌉ (the fewest bulk calls that write them) and the
// reads needed are the distinct reads of the org's data (one per list: apps, each app's envs, values,
// value set versions, sets, deltas; each env's resources, values, last graph; secret stores, users,
// pipeline pages of 100, each group's members), counted from the model;
// and with the guide script's request pattern (reference/humanitec.md B.2–B.3): its Humanitec reads
// (sequential, resources read twice per env, one pipeline page), then a token fetch and a
// single-entity upsert per entity, its time estimated as requests × latency, one after the other.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { configSchema, type ConfigInput } from '../config/schema';
import { startOrAttach } from '../client/runSync';
import { countEntities, orgOfSize } from '../sim/humanitec/generator';
import type { OrgModel } from '../sim/humanitec/model';
import { HumanitecSim } from '../sim/humanitec/server';
import { PORT_BUDGETS } from '../sim/port/rateLimit';
import { PortSim } from '../sim/port/server';
import { freePort } from '../tests/helpers/ports';
import { syncWorkflowId, type KindProgress, type SyncReport } from '../workflows/definitions';
import { chainHistory, portRequests, sum } from './resync';
import { startBenchStack } from './stack';
import { peakRssMb, resetPeakRss, startBenchWorker } from './worker';

export interface HumanitecBenchOptions {
  /** Target entity counts, one org each (orgOfSize). */
  orgs: number[];
  seed: number;
  /** Added to every Humanitec and Port answer. */
  latencyMs: number;
  /** The integration's `options.readConcurrency`. */
  readConcurrency: number;
  /** Port's budgets are multiplied by this... */
  scale: number;
  /** ...over windows of this many seconds (Port: 300). */
  windowSeconds: number;
  profileDir?: string;
}

export interface HumanitecRow {
  work: string;
  seconds: number;
  entities: number;
  written: number;
  requests: Record<string, number>;
  workerPeakRssMb: number;
  historyEvents: number;
  historyBytes: number;
  runs: number;
  /** Seconds from the run's start at which each kind finished. */
  kindsDoneAt: Record<string, number>;
  floorSeconds?: number;
  vsFloor?: string;
  vsSeed?: string;
}

/** The distinct Humanitec reads the org's data needs (each list read once), per endpoint. */
export function readsNeeded(model: OrgModel) {
  const apps = model.apps.length;
  const envs = model.apps.reduce((n, a) => n + a.envs.length, 0);
  const graphs = model.apps.reduce((n, a) => n + a.envs.filter((e) => e.last_deploy?.dependency_graph_id).length, 0);
  const pipelines = model.apps.reduce((n, a) => n + a.pipelines.length, 0);
  const groups = model.subjects.filter((s) => s.type === 'group').length;
  const needed = {
    apps: 1,
    envs: apps,
    resources: envs,
    graphs,
    secretstores: 1,
    appValues: apps,
    envValues: envs,
    valueSetVersions: apps,
    sets: apps,
    pipelinePages: Math.max(1, Math.ceil(pipelines / 100)),
    deltas: apps,
    users: 1,
    groupMembers: groups,
  };
  // The guide script (B.2): the same lists, but active resources twice per env (B.6.10) and only the
  // first page of pipelines.
  const script = { ...needed, resources: 2 * envs, pipelinePages: 1 };
  const total = (r: Record<string, number>) => Object.values(r).reduce((n, c) => n + c, 0);
  return { apps, envs, graphs, groups, needed: total(needed), script: total(script) };
}

const BULK_MAX = 20;

export async function benchHumanitec(opts: HumanitecBenchOptions): Promise<HumanitecRow[]> {
  const stack = await startBenchStack('bench-humanitec');
  const { temporal, cleanups } = stack;
  const { uniqueId } = await import('../tests/helpers/temporal');
  const rows: HumanitecRow[] = [];
  const bulkBudget = Math.max(1, Math.floor(PORT_BUDGETS['entities-bulk-upsert'] * opts.scale));
  const latency = opts.latencyMs / 1000;

  try {
    for (const target of opts.orgs) {
      // Built outside the timing (2–3 s for 40k).
      const model = orgOfSize(target, opts.seed);
      const counted = countEntities(model).total;
      const reads = readsNeeded(model);

      const humanitec = new HumanitecSim({ model });
      await humanitec.start();
      humanitec.http.faults.latencyMs = opts.latencyMs;
      const port = new PortSim({ rateLimits: { scale: opts.scale, windowSeconds: opts.windowSeconds } });
      await port.start();
      port.http.faults.latencyMs = opts.latencyMs;
      cleanups.push(() => humanitec.stop(), () => port.stop());

      const integration = uniqueId('humanitec');
      const prefix = integration.replace(/-/g, '_').toUpperCase();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        [`${prefix}_KEY`]: humanitec.token,
        [`${prefix}_PORT_ID`]: port.credentials.clientId,
        [`${prefix}_PORT_SECRET`]: port.credentials.clientSecret,
      };
      const input: ConfigInput = {
        port: { apiUrl: port.url, clientIdEnv: `${prefix}_PORT_ID`, clientSecretEnv: `${prefix}_PORT_SECRET` },
        worker: { taskQueue: uniqueId('tq'), healthPort: await freePort(), metricsPort: await freePort(), shutdownGraceTime: '2s' },
        webhooks: { host: '127.0.0.1', port: 0 },
        integrations: [
          {
            id: integration,
            type: 'humanitec',
            options: { orgId: humanitec.orgId, apiUrl: humanitec.url, apiKeyEnv: `${prefix}_KEY`, readConcurrency: opts.readConcurrency },
          },
        ],
      };
      const config = configSchema.parse(input);
      const { pid, stop: stopWorker } = await startBenchWorker(input, env, cleanups, opts.profileDir);

      const label = `~${target.toLocaleString('en-US')} org (${reads.apps} apps, ${reads.envs} envs)`;
      let firstSeconds = NaN;
      let floorSeconds = NaN;
      for (const run of ['first', 'unchanged'] as const) {
        resetPeakRss(pid);
        const hReqBefore = sum(humanitec.http.requests);
        const before = portRequests(port);
        const started = performance.now();
        const { handle, started: fresh } = await startOrAttach(temporal.client, config, { integration });
        if (!fresh) throw new Error('a sync of the bench integration was already running');
        // Which kind finished when (the progress query, every 250 ms).
        const kindsDoneAt: Record<string, number> = {};
        let polling = true;
        const poll = (async () => {
          while (polling) {
            try {
              const progress = await handle.query<SyncReport>('progress');
              for (const k of progress.kinds) {
                if ((k.status === 'done' || k.status === 'failed') && kindsDoneAt[k.kind] === undefined) kindsDoneAt[k.kind] = Number(((performance.now() - started) / 1000).toFixed(1));
              }
            } catch {
              // not yet answerable, or continued as new between two polls
            }
            await new Promise((r) => setTimeout(r, 250));
          }
        })();
        const report: SyncReport = await handle.result();
        const seconds = (performance.now() - started) / 1000;
        polling = false;
        await poll;
        const portReq = diff(portRequests(port), before);
        const humanitecReq = sum(humanitec.http.requests) - hReqBefore;
        const history = await chainHistory(temporal.client, syncWorkflowId(integration), (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
        const written = report.kinds.reduce((n, k) => n + k.created + k.updated, 0);
        const produced = report.kinds.reduce((n, k) => n + k.produced, 0);
        const failed = report.kinds.reduce((n, k) => n + k.failed, 0);
        if (report.status !== 'completed' || failed > 0) {
          throw new Error(`${label}, ${run} sync: ${report.status}, ${failed} failed: ${JSON.stringify(report.kinds.map((k: KindProgress) => [k.kind, k.error, k.failures]))}`);
        }
        if (run === 'unchanged' && portReq['port bulk'] !== 0) throw new Error(`${label}: the unchanged sync wrote (${portReq['port bulk']} bulk calls)`);
        const row: HumanitecRow = {
          work: `${label}: ${run === 'first' ? 'first sync' : 'unchanged sync'}`,
          seconds,
          entities: produced,
          written,
          requests: { humanitec: humanitecReq, 'humanitec needed': reads.needed, ...portReq },
          workerPeakRssMb: peakRssMb(pid),
          historyEvents: history.events,
          historyBytes: history.bytes,
          runs: history.runs,
          kindsDoneAt,
        };
        if (run === 'first') {
          firstSeconds = seconds;
          // The fewest bulk calls that write what this sync wrote: per blueprint (kind), ⌈n / 20⌉.
          const bulkCalls = report.kinds.reduce((n, k) => n + Math.ceil((k.created + k.updated) / BULK_MAX), 0);
          const bulkFloor = (bulkCalls / bulkBudget) * opts.windowSeconds;
          const readFloor = (reads.needed * latency) / opts.readConcurrency;
          floorSeconds = Math.max(bulkFloor, readFloor);
          row.floorSeconds = floorSeconds;
          row.vsFloor = `${(seconds / floorSeconds).toFixed(2)}x of ${floorSeconds.toFixed(1)} s floor (${bulkFloor >= readFloor ? 'bulk' : 'reads'}: bulk ${bulkCalls} calls / ${bulkBudget} per ${opts.windowSeconds} s = ${bulkFloor.toFixed(1)} s; reads ${reads.needed} x ${opts.latencyMs} ms / ${opts.readConcurrency} = ${readFloor.toFixed(1)} s)`;
        } else {
          row.vsFloor = `${(firstSeconds / seconds).toFixed(1)}x faster than first`;
        }
        // The script: its reads, then per entity a token fetch and a single upsert, all one after the other.
        const seedRequests = reads.script + 2 * produced;
        const seedSeconds = seedRequests * latency;
        const ours = humanitecReq + (portReq.port ?? 0);
        row.vsSeed = `seed: ${seedRequests} req (Humanitec ${reads.script} + Port ${2 * produced}), ~${seedSeconds.toFixed(0)} s sequential at ${opts.latencyMs} ms; ours ${(seedSeconds / seconds).toFixed(1)}x faster, ${(seedRequests / Math.max(1, ours)).toFixed(1)}x fewer requests`;
        rows.push(row);
        console.error(`[humanitec] ${row.work}: ${seconds.toFixed(1)} s, ${written} written of ${produced} (orgOfSize counted ${counted}), Humanitec ${humanitecReq} req, Port ${portReq.port}, rss ${row.workerPeakRssMb.toFixed(0)} MB, kinds done at ${JSON.stringify(kindsDoneAt)}`);
      }
      await stopWorker();
    }
  } finally {
    await stack.close();
  }
  return rows;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}
