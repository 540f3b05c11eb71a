// Resync benchmark (issue "2 of 4"): the demo source with `entities` items over `kinds` kinds resyncs
// into the Port simulator through a `port-sync worker` process, on a fresh dev server:
//   (a) no rate limit; (b) Port's budgets scaled by `scale` over `windowSeconds` windows, so that they
//   bind (50,000 entities are 2,500 bulk calls: inside one real 5-minute window, even its 10 % burst).
// Each case runs twice: a first resync (every entity created) and an unchanged one (zero writes).
// Measured: wall time, entities/s, requests per API (as the simulators counted them), the worker's
// peak RSS, and history events and bytes summed over the continue-as-new chain. Compared with the
// floor of the scaled bulk-upsert budget and with the seed scripts' approach (per entity: a token
// fetch, then a single-entity upsert, one after the other), a sample of which is timed against the
// same simulator and extrapolated.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { ConfigInput } from '../config/schema';
import { startOrAttach } from '../client/runSync';
import { PortSim } from '../sim/port/server';
import { PORT_BUDGETS } from '../sim/port/rateLimit';
import { freePort } from '../tests/helpers/ports';
import { syncWorkflowId, type SyncReport } from '../workflows/definitions';
import { startBenchStack } from './stack';
import { cpuSeconds, peakRssMb, resetPeakRss, startBenchWorker } from './worker';

export interface ResyncOptions {
  /** Entities in all, spread evenly over the kinds. */
  entities: number;
  kinds: number;
  /** Items per source page. */
  pageSize: number;
  /** Added to every answer of both simulators (0: as fast as they go). */
  latencyMs: number;
  /** Print each run's activities with their start and end (ms from the run's start). */
  timeline?: boolean;
  /** Port's budgets are multiplied by this in case (b)... */
  scale: number;
  /** ...over windows of this many seconds (Port: 300). */
  windowSeconds: number;
  /** Entities the seed-script approach is timed on (then extrapolated). */
  seedSample: number;
  /** Cases to run: 'unlimited', 'limited'. */
  cases: Array<'unlimited' | 'limited'>;
  /** Write the worker's CPU profiles (node --cpu-prof) into this folder. */
  profileDir?: string;
  /** Runs of each case (a fresh stack of simulators and a fresh worker each time); rows give the median. */
  repeat?: number;
  /** The worker's `parallelKinds` (default: the config default). */
  parallelKinds?: number;
}

export interface ResyncRow {
  work: string;
  seconds: number;
  entities: number;
  entitiesPerSecond: number;
  /** Per API, as the simulators counted them; Port also per route family. */
  requests: Record<string, number>;
  workerPeakRssMb: number;
  /** CPU time the worker process used in the run (all its threads). */
  workerCpuSeconds: number;
  historyEvents: number;
  historyBytes: number;
  runs: number;
  writes: number;
  vsFloor?: string;
  vsSeed?: string;
  /** Unchanged runs: the first run's seconds over this run's. */
  speedup?: number;
  /** With --repeat: the fastest and slowest of the runs this median row stands for. */
  secondsRange?: [number, number];
}

const KIND_NAMES = ['team', 'service', 'repository', 'environment', 'deployment', 'incident', 'pipeline', 'user'];

/** A port-app-config for the bench's kinds: each to its own blueprint, as config/mappings/demo.yaml does for two. */
function mappingYaml(kinds: string[]): string {
  const resources = kinds.map(
    (kind) => `  - kind: ${kind}
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"${kind}"'
          properties:
            version: .version
            kind: .kind`,
  );
  return ['deleteDependentEntities: false', 'createMissingRelatedEntities: true', 'enableMergeEntity: true', 'entityDeletionThreshold: 0.9', 'resources:', ...resources, ''].join('\n');
}

/** Events and encoded bytes of every run of a continue-as-new chain, from its first run on. */
export async function chainHistory(client: Client, workflowId: string, firstRunId: string) {
  let runId: string | undefined = firstRunId;
  let events = 0;
  let bytes = 0;
  let runs = 0;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs += 1;
    events += history.events?.length ?? 0;
    bytes += protos.temporal.api.history.v1.History.encode(history).finish().length;
    const last = history.events?.at(-1);
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { events, bytes, runs };
}

/**
 * One line per run: each activity as `name scheduled/start-end`, in ms from the workflow's start
 * (continue-as-new not followed): the gaps between one end and the next schedule are workflow tasks.
 */
async function printTimeline(client: Client, workflowId: string, runId: string) {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const ms = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const t0 = events[0] ? ms(events[0]) : 0;
  const types = new Map<string, string>();
  const scheduledAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const parts: string[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) {
      types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      scheduledAt.set(String(e.eventId), ms(e) - t0);
    }
    const id = String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '');
    if (e.activityTaskStartedEventAttributes) startedAt.set(id, ms(e) - t0);
    if (e.activityTaskCompletedEventAttributes) {
      parts.push(`${types.get(id)} ${scheduledAt.get(id)?.toFixed(0)}/${startedAt.get(id)?.toFixed(0)}-${(ms(e) - t0).toFixed(0)}`);
    }
  }
  console.error(`[resync] ${parts.join(' | ')} | end ${events.length > 0 ? (ms(events.at(-1)!) - t0).toFixed(0) : '?'}`);
}

export const sum = (m: Map<string, number>) => [...m.values()].reduce((n, c) => n + c, 0);

export function portRequests(port: PortSim): Record<string, number> {
  const c = (f: string) => port.http.count(f);
  const bulk = c('POST /v1/blueprints/:blueprint/entities/bulk');
  const search = c('/entities/search');
  const token = c('/v1/auth/access_token');
  const single = c('POST /v1/blueprints/:blueprint/entities') - bulk - search;
  const total = sum(port.http.requests);
  return { port: total, 'port bulk': bulk, 'port search': search, 'port token': token, 'port single': single, 'port other': total - bulk - search - token - single };
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/**
 * The seed scripts' way (Port's Humanitec guide, reference/humanitec.md B.3): for every entity a new
 * access token, then `POST /v1/blueprints/{bp}/entities?upsert=true&merge=true`, one entity at a time.
 * No retry on 429: the first one ends the run. Returns seconds per entity, or the entity it failed at.
 */
async function seedSample(port: PortSim, blueprint: string, n: number): Promise<{ secondsPerEntity: number; done: number; failedAt?: string }> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const tokenRes = await fetch(`${port.url}/v1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(port.credentials),
    });
    const token = (await tokenRes.json()) as { accessToken?: string };
    if (!tokenRes.ok) return { secondsPerEntity: NaN, done: i, failedAt: `token fetch ${i + 1}: ${tokenRes.status}` };
    const entity = { identifier: `seed-${i}`, title: `seed ${i}`, properties: { version: 1, kind: blueprint }, relations: {} };
    const res = await fetch(`${port.url}/v1/blueprints/${blueprint}/entities?upsert=true&merge=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}` },
      body: JSON.stringify(entity),
    });
    await res.arrayBuffer();
    if (!res.ok) return { secondsPerEntity: NaN, done: i, failedAt: `upsert ${i + 1}: ${res.status}` };
  }
  return { secondsPerEntity: (performance.now() - start) / 1000 / n, done: n };
}

export async function benchResync(opts: ResyncOptions): Promise<ResyncRow[]> {
  const kinds = KIND_NAMES.slice(0, opts.kinds);
  if (kinds.length < opts.kinds) throw new Error(`at most ${KIND_NAMES.length} kinds`);
  const perKind = Math.ceil(opts.entities / kinds.length);
  const entities = perKind * kinds.length;
  const dir = mkdtempSync(join(tmpdir(), 'port-sync-bench-resync-'));
  const mapping = join(dir, 'mapping.yaml');
  writeFileSync(mapping, mappingYaml(kinds));

  const stack = await startBenchStack('bench-resync');
  const { temporal, cleanups } = stack;
  const { demoSetup } = await import('../tests/helpers/temporal');
  const rows: ResyncRow[] = [];

  try {
    for (const which of opts.cases.flatMap((c) => Array<typeof c>(opts.repeat ?? 1).fill(c))) {
      const limited = which === 'limited';
      const rateLimits = limited ? { scale: opts.scale, windowSeconds: opts.windowSeconds } : false;
      const setup = await demoSetup({ items: perKind, kinds, pageSize: opts.pageSize, port: { rateLimits }, mapping });
      const port = setup.port!;
      setup.sim.http.faults.latencyMs = opts.latencyMs;
      port.http.faults.latencyMs = opts.latencyMs;
      cleanups.push(() => setup.sim.stop(), () => port.stop());
      // A mapping of one's own does not create blueprints (createBlueprints covers the default mapping).
      for (const kind of kinds) {
        port.putBlueprint({ identifier: kind, title: kind, schema: { properties: { version: { type: 'number', title: 'Version' }, kind: { type: 'string', title: 'Kind' } } }, relations: {} });
      }

      const worker = { ...setup.config.worker, healthPort: await freePort(), metricsPort: await freePort(), ...(opts.parallelKinds ? { parallelKinds: opts.parallelKinds } : {}) };
      const { pid, stop: stopWorker } = await startBenchWorker({ ...setup.config, worker } as ConfigInput, setup.env, cleanups, opts.profileDir);

      const bulkBudget = limited ? Math.max(1, Math.floor(PORT_BUDGETS['entities-bulk-upsert'] * opts.scale)) : Infinity;
      const bulkCalls = Math.ceil(perKind / 20) * kinds.length;
      // Fixed windows: the last window's calls may go at its start, so the floor is the start of window ⌈N/B⌉.
      const floorSeconds = limited ? (Math.ceil(bulkCalls / bulkBudget) - 1) * opts.windowSeconds : undefined;

      const label = limited
        ? `Port limits x${opts.scale} per ${opts.windowSeconds} s (bulk ${bulkBudget}/window)`
        : 'no rate limit';
      let firstSeconds = NaN;
      for (const run of ['first', 'unchanged'] as const) {
        resetPeakRss(pid);
        const before = { ...portRequests(port), demo: sum(setup.sim.http.requests) };
        const started = performance.now();
        const cpuBefore = cpuSeconds(pid);
        const { handle, started: fresh } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
        if (!fresh) throw new Error('a sync of the bench integration was already running');
        const report: SyncReport = await handle.result();
        const seconds = (performance.now() - started) / 1000;
        const workerCpuSeconds = cpuSeconds(pid) - cpuBefore;
        const requests = diff({ ...portRequests(port), demo: sum(setup.sim.http.requests) }, before);
        const history = await chainHistory(temporal.client, syncWorkflowId(setup.integration), (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
        if (opts.timeline) await printTimeline(temporal.client, syncWorkflowId(setup.integration), (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
        const written = report.kinds.reduce((n, k) => n + k.created + k.updated, 0);
        const failed = report.kinds.reduce((n, k) => n + k.failed, 0);
        if (report.status !== 'completed' || failed > 0) throw new Error(`${label}, ${run} run: ${report.status}, ${failed} failed: ${JSON.stringify(report.kinds.map((k) => k.failures))}`);
        if (run === 'first') firstSeconds = seconds;
        if (run === 'first' && written !== entities) throw new Error(`${label}: first run wrote ${written} of ${entities}`);
        if (run === 'unchanged' && requests['port bulk'] !== 0) throw new Error(`${label}: the unchanged run wrote (${requests['port bulk']} bulk calls)`);
        const row: ResyncRow = {
          work: `${label}: ${run === 'first' ? 'first resync' : 'unchanged resync'}`,
          seconds,
          entities,
          entitiesPerSecond: entities / seconds,
          requests,
          workerPeakRssMb: peakRssMb(pid),
          workerCpuSeconds,
          historyEvents: history.events,
          historyBytes: history.bytes,
          runs: history.runs,
          writes: written,
        };
        if (floorSeconds !== undefined && run === 'first') row.vsFloor = `${(seconds / floorSeconds).toFixed(2)}x of ${floorSeconds} s floor (target <= 1.2)`;
        if (run === 'unchanged') {
          row.speedup = firstSeconds / seconds;
          row.vsFloor = `${row.speedup.toFixed(1)}x faster than first (target >= 5)`;
        }
        rows.push(row);
      }
      await stopWorker();

      // The seed scripts' approach against the same simulator (its budgets included).
      const sample = await seedSample(port, kinds[0]!, opts.seedSample);
      const seedRequests = 2 * entities;
      let seed: string;
      if (!limited) {
        const extrapolated = sample.secondsPerEntity * entities;
        seed = `seed: ${seedRequests} req, ~${extrapolated.toFixed(0)} s (${sample.done} timed, extrapolated)`;
      } else {
        // Bound by the token route's budget (unauthenticated family), then by single-entity upserts.
        const tokenBudget = Math.max(1, Math.floor(PORT_BUDGETS.unauthenticated * opts.scale));
        const tokenFloor = (Math.ceil(entities / tokenBudget) - 1) * opts.windowSeconds;
        seed = `seed: ${seedRequests} req, floor ${tokenFloor} s by ${tokenBudget} tokens/window${sample.failedAt ? `; aborts at ${sample.failedAt}` : ''}`;
      }
      for (const row of rows.slice(-2)) {
        const port = row.requests.port ?? 0;
        row.vsSeed = `${(seedRequests / Math.max(1, port)).toFixed(0)}x fewer Port requests; ${seed}`;
      }
      if (!limited) {
        const extrapolated = sample.secondsPerEntity * entities;
        for (const row of rows.slice(-2)) row.vsSeed = `${(extrapolated / row.seconds).toFixed(1)}x faster, ${row.vsSeed}`;
      }
    }
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return (opts.repeat ?? 1) > 1 ? medians(rows) : rows;
}

/**
 * One row per work: the run of median time among its repeats (this VM's wall times vary up to 2x from
 * run to run), with the range; an unchanged row's speedup is the median of the pairs' own ratios.
 */
export function medians(rows: ResyncRow[]): ResyncRow[] {
  const byWork = new Map<string, ResyncRow[]>();
  for (const row of rows) byWork.set(row.work, [...(byWork.get(row.work) ?? []), row]);
  return [...byWork.values()].map((runs) => {
    const middle = <T>(xs: T[], key: (x: T) => number) => [...xs].sort((a, b) => key(a) - key(b))[Math.floor((xs.length - 1) / 2)]!;
    const row: ResyncRow = { ...middle(runs, (r) => r.seconds) };
    const seconds = runs.map((r) => r.seconds);
    row.secondsRange = [Math.min(...seconds), Math.max(...seconds)];
    const speedups = runs.flatMap((r) => (r.speedup === undefined ? [] : [r.speedup]));
    if (speedups.length > 0) {
      row.speedup = middle(speedups, (x) => x);
      row.vsFloor = `${row.speedup.toFixed(1)}x faster than first, median of ${speedups.length} pairs (${Math.min(...speedups).toFixed(1)}-${Math.max(...speedups).toFixed(1)}) (target >= 5)`;
    }
    return row;
  });
}
