// Port -> incident.io benchmark: `services` Port services (PortSim, the guide's
// `service` blueprint, tests/helpers/incidentio.ts) sync into one incident.io catalog type
// (IncidentIoSim) through a `port-sync worker` process on a fresh dev server, under incident.io's
// per-key token bucket: burst 1,200, refilled at 1,200 per minute. Time is scaled by `scale`: the
// bucket keeps its 1,200 but refills over 60 × scale s (0.1: 6 s, 200 requests/s instead of 20), so
// every rate-bound time is `scale` times the real one and the burst is worth the same share of it.
// Port is not rate limited here (its budgets never bind at this size).
//   port-sync: a first sync (every service created), an unchanged one, one with `changed` services
//   changed in Port. Each starts with a full bucket.
//   the guide's pattern (Port's "Sync Port services to incident.io", reference/incidentio.md A.9): one
//   token, one unpaginated GET of every Port service, one GET of the catalog type, then one
//   POST /v3/catalog_entries per service, one after the other, on every run. It has no 429 handling;
//   here it waits out Retry-After and tries again, so that it finishes, and its 429s are counted. Run
//   twice against a type of its own: its first run and a later one (which re-posts everything).
// Measured: wall time, incident.io requests (writes / reads, 429-answered ones included), Port
// requests, 429s, the worker's peak RSS. The floor of a run is what incident.io's bucket allows for
// the incident.io requests it needs: max(0, needed − burst) ÷ refill rate.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigInput } from '../config/schema';
import { startOrAttach } from '../client/runSync';
import { WRITE_ROUTES, type IncidentIoSim } from '../sim/incidentio/server';
import type { PortSim } from '../sim/port/server';
import { freePort } from '../tests/helpers/ports';
import type { SyncReport } from '../workflows/definitions';
import { sum } from './resync';
import { startBenchStack } from './stack';
import { peakRssMb, resetPeakRss, startBenchWorker } from './worker';

export interface IncidentIoBenchOptions {
  /** Port services, all of blueprint `service`. */
  services: number;
  /** The bucket (1,200) refills over 60 × scale s; times at the real rate are these ÷ scale. */
  scale: number;
  /** Services changed in Port before the third port-sync run. */
  changed: number;
  profileDir?: string;
}

export interface IncidentIoRow {
  work: string;
  seconds: number;
  /** incident.io requests, 429-answered ones included. */
  writes: number;
  reads: number;
  port: number;
  throttled: number;
  workerPeakRssMb?: number;
  /** Entries created / updated as reported (port-sync) or posted (guide). */
  written: number;
  /** incident.io requests the run needs at least, and the time the bucket allows for them. */
  needed: number;
  floorSeconds: number;
  vsFloor?: number;
  /** This run's time ÷ the guide's run of the same kind (first or later). */
  vsGuide?: number;
  /** Where the time over the floor went. */
  timing?: Timing;
}

/**
 * A run's time = before its first incident.io request + between its first and last + after its last.
 * Between them the bucket gave burst + refill × that time; what was not sent of it (`idleTokens`: burst
 * left unspent at the end, or refill lost while the bucket sat full) is the time lost to pacing:
 * first-to-last = (requests − burst + idleTokens) ÷ refill exactly.
 */
export interface Timing {
  beforeFirst: number;
  afterLast: number;
  idleTokens: number;
  idleSeconds: number;
}

export interface IncidentIoResult {
  rows: IncidentIoRow[];
  /** The two targets, one line each. */
  verdicts: string[];
  scale: number;
  burst: number;
  refillPerSecond: number;
}

export const INCIDENT_IO_BURST = 1200;
const LIST_PAGE = 250;
const BULK_UPDATE = 100;

function incidentRequests(incident: IncidentIoSim) {
  let writes = 0;
  let reads = 0;
  for (const [label, n] of incident.http.requests) {
    if (WRITE_ROUTES.has(label)) writes += n;
    else reads += n;
  }
  return { writes, reads };
}

/**
 * The guide's loop with plain fetch: a token, every service in one GET, the type's attribute ids by
 * name, then per service one POST (a missing property sent as "", as its jq does). A 429 is waited
 * out (Retry-After) and the same POST sent again; the guide itself would drop that entity.
 */
async function guideRun(port: PortSim, incident: IncidentIoSim, apiKey: string, typeId: string): Promise<{ posted: number; throttled: number }> {
  const tokenRes = await fetch(`${port.url}/v1/auth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(port.credentials),
  });
  const { accessToken } = (await tokenRes.json()) as { accessToken: string };
  const listRes = await fetch(`${port.url}/v1/blueprints/service/entities`, { headers: { authorization: `Bearer ${accessToken}` } });
  const { entities } = (await listRes.json()) as { entities: Array<{ identifier: string; title?: string; properties: Record<string, unknown> }> };
  if (!listRes.ok) throw new Error(`guide: Port list answered ${listRes.status}`);

  let throttled = 0;
  const incidentFetch = async (path: string, init: RequestInit = {}): Promise<Response> => {
    for (;;) {
      const res = await fetch(`${incident.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers },
      });
      if (res.status !== 429) return res;
      throttled += 1;
      await res.arrayBuffer();
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    }
  };
  const typeRes = await incidentFetch(`/v3/catalog_types/${typeId}`);
  const { catalog_type: type } = (await typeRes.json()) as { catalog_type: { schema: { attributes: Array<{ id: string; name: string }> } } };
  const ids = new Map(type.schema.attributes.map((a) => [a.name, a.id]));
  const attributes = ['url', 'readme', 'language', 'lifecycle', 'type'];

  let posted = 0;
  for (const e of entities) {
    if (!e.title) continue;
    const values = Object.fromEntries(attributes.map((name) => [ids.get(name)!, { value: { literal: String(e.properties[name] ?? '') } }]));
    const res = await incidentFetch('/v3/catalog_entries', {
      method: 'POST',
      body: JSON.stringify({ catalog_type_id: typeId, name: e.title, external_id: e.identifier, attribute_values: values }),
    });
    const body = await res.text();
    if (res.status !== 200 && res.status !== 201) throw new Error(`guide: POST /v3/catalog_entries for ${e.identifier} answered ${res.status}: ${body}`);
    posted += 1;
  }
  return { posted, throttled };
}

const describe = (t: Timing) =>
  `first incident.io request after ${t.beforeFirst.toFixed(1)} s, ${t.afterLast.toFixed(1)} s after the last; ${t.idleTokens.toFixed(0)} requests of the bucket unsent = ${t.idleSeconds.toFixed(1)} s`;

export async function benchIncidentIo(opts: IncidentIoBenchOptions): Promise<IncidentIoResult> {
  const windowSeconds = 60 * opts.scale;
  const refill = INCIDENT_IO_BURST / windowSeconds;
  const floor = (needed: number) => Math.max(0, needed - INCIDENT_IO_BURST) / refill;
  const timing = (started: number, seconds: number, seen: { first: number; last: number }, requests: number): Timing => {
    const span = (seen.last - seen.first) / 1000;
    const idleTokens = Math.max(0, INCIDENT_IO_BURST + refill * span - requests);
    return { beforeFirst: (seen.first - started) / 1000, afterLast: seconds - (seen.last - started) / 1000, idleTokens, idleSeconds: idleTokens / refill };
  };
  // A bucket that was drained is full again after at most one window.
  const refilled = () => sleep(windowSeconds * 1000 + 500);

  const stack = await startBenchStack('bench-incidentio');
  const { temporal, cleanups } = stack;
  const { GUIDE_ATTRIBUTES, incidentIoSetup, putService, service } = await import('../tests/helpers/incidentio');
  const rows: IncidentIoRow[] = [];
  const label = `${opts.services.toLocaleString('en-US')} services`;

  try {
    const setup = await incidentIoSetup({ services: opts.services, incident: { rateLimit: { perMinute: INCIDENT_IO_BURST, windowSeconds } } });
    const { port, incident } = setup;
    cleanups.push(() => port.stop(), () => incident.stop());
    let throttled = 0;
    // When this run's first and last incident.io requests were answered (ms, performance.now()).
    const seen = { first: 0, last: 0 };
    const remember = incident.http.onExchange;
    incident.http.onExchange = (x) => {
      if (x.status === 429) throttled += 1;
      seen.last = performance.now();
      seen.first ||= seen.last;
      remember?.(x);
    };
    const snapshot = () => ({ ...incidentRequests(incident), port: sum(port.http.requests), throttled });

    const { pid, stop: stopWorker } = await startBenchWorker({ ...setup.config, worker: { ...setup.config.worker, healthPort: await freePort(), metricsPort: await freePort() } } as ConfigInput, setup.env, cleanups, opts.profileDir);

    const listPages = (entries: number) => Math.max(1, Math.ceil(entries / LIST_PAGE));
    const changed = Array.from({ length: opts.changed }, (_, i) => Math.floor((i * opts.services) / opts.changed));
    const runs = [
      // The type's GET, its (empty) entry list, one create per service.
      { run: 'first sync', needed: 1 + listPages(0) + opts.services, expect: { created: opts.services, updated: 0 } },
      { run: 'unchanged sync', needed: 1 + listPages(opts.services), expect: { created: 0, updated: 0 } },
      // Spread evenly over the services (one every services ÷ changed): one bulk update per Port batch of 1,000.
      {
        run: `${((100 * opts.changed) / opts.services).toFixed(0)} % changed sync (${opts.changed})`,
        needed: 1 + listPages(opts.services) + Math.ceil(opts.changed / BULK_UPDATE),
        expect: { created: 0, updated: opts.changed },
      },
    ];
    for (const { run, needed, expect } of runs) {
      if (expect.updated > 0) {
        for (const i of changed) {
          const s = service(i);
          putService(port, { ...s, properties: { ...s.properties, url: `${String(s.properties.url)}/moved` } });
        }
      }
      await refilled();
      resetPeakRss(pid);
      const before = snapshot();
      const started = performance.now();
      seen.first = 0;
      const { handle, started: fresh } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
      if (!fresh) throw new Error('a sync of the bench integration was already running');
      const report: SyncReport = await handle.result();
      const seconds = (performance.now() - started) / 1000;
      const after = snapshot();
      const t = report.kinds.reduce((a, k) => ({ created: a.created + k.created, updated: a.updated + k.updated, deleted: a.deleted + k.deleted, failed: a.failed + k.failed }), {
        created: 0,
        updated: 0,
        deleted: 0,
        failed: 0,
      });
      const row: IncidentIoRow = {
        work: `port-sync, ${label}: ${run}`,
        seconds,
        writes: after.writes - before.writes,
        reads: after.reads - before.reads,
        port: after.port - before.port,
        throttled: after.throttled - before.throttled,
        workerPeakRssMb: peakRssMb(pid),
        written: t.created + t.updated,
        needed,
        floorSeconds: floor(needed),
      };
      if (row.floorSeconds > 0) row.vsFloor = seconds / row.floorSeconds;
      // Only a rate-bound run (more requests than the burst) has time over its floor to account for.
      if (row.floorSeconds > 0) row.timing = timing(started, seconds, seen, row.writes + row.reads);
      console.error(`[incidentio] ${row.work}: ${seconds.toFixed(1)} s${row.timing ? ` (${describe(row.timing)})` : ''}, ${JSON.stringify(t)}, incident.io ${row.writes} writes / ${row.reads} reads, ${row.throttled} 429s, Port ${row.port}`);
      if (report.status !== 'completed' || t.failed > 0 || t.deleted > 0 || t.created !== expect.created || t.updated !== expect.updated) {
        throw new Error(`${row.work}: ${report.status}, ${JSON.stringify(t)}, expected ${JSON.stringify(expect)}: ${JSON.stringify(report.kinds.map((k) => k.failures))}`);
      }
      if (expect.created + expect.updated === 0 && row.writes !== 0) throw new Error(`${row.work}: ${row.writes} write requests`);
      rows.push(row);
    }
    await stopWorker();

    // The guide: a type of its own (same attributes) on the same simulator, bucket and Port.
    const guideType = incident.createType({
      name: 'Service (guide)',
      description: 'The guide script',
      type_name: 'Custom["ServiceGuide"]',
      attributes: GUIDE_ATTRIBUTES.map((name) => ({ name, type: name === 'readme' ? 'Text' : 'String' })),
    });
    for (const run of ['first run', 'every later run'] as const) {
      await refilled();
      const before = snapshot();
      const started = performance.now();
      seen.first = 0;
      const { posted } = await guideRun(port, incident, setup.apiKey, guideType.id);
      const seconds = (performance.now() - started) / 1000;
      const after = snapshot();
      const needed = 1 + posted;
      const row: IncidentIoRow = {
        work: `guide's pattern, ${label}: ${run}`,
        seconds,
        writes: after.writes - before.writes,
        reads: after.reads - before.reads,
        port: after.port - before.port,
        throttled: after.throttled - before.throttled,
        written: posted,
        needed,
        floorSeconds: floor(needed),
      };
      if (row.floorSeconds > 0) row.vsFloor = seconds / row.floorSeconds;
      row.timing = timing(started, seconds, seen, row.writes + row.reads);
      console.error(`[incidentio] ${row.work}: ${seconds.toFixed(1)} s (${describe(row.timing)}), ${posted} posted, incident.io ${row.writes} writes / ${row.reads} reads, ${row.throttled} 429s, Port ${row.port}`);
      rows.push(row);
    }
  } finally {
    await stack.close();
  }

  const [first, unchanged, changed, guideFirst, guideLater] = rows as [IncidentIoRow, IncidentIoRow, IncidentIoRow, IncidentIoRow, IncidentIoRow];
  first.vsGuide = first.seconds / guideFirst.seconds;
  unchanged.vsGuide = unchanged.seconds / guideLater.seconds;
  changed.vsGuide = changed.seconds / guideLater.seconds;
  guideFirst.vsGuide = 1;
  guideLater.vsGuide = 1;
  // At the real rate the guide's run is rate-bound (÷ scale); the unchanged sync is not (its requests fit
  // in the burst), so its time stays what it is.
  const realGuide = guideLater.floorSeconds / opts.scale;
  const verdicts = [
    `unchanged sync: ${unchanged.writes} writes, ${(100 * unchanged.vsGuide).toFixed(1)} % of the guide's time (target: no writes and < 5 %): ` +
      `${unchanged.writes === 0 && unchanged.vsGuide < 0.05 ? 'met' : 'MISSED'} at x${opts.scale}; ` +
      (realGuide > 0
        ? `at the real rate <= ${((100 * unchanged.seconds) / realGuide).toFixed(1)} % (${unchanged.seconds.toFixed(1)} s of the guide's >= ${realGuide.toFixed(0)} s floor)`
        : "the guide's run fits in the burst"),
    first.vsFloor === undefined || !first.timing
      ? `first sync: ${first.needed} incident.io requests fit in the burst: no floor to compare with`
      : `first sync: ${first.vsFloor.toFixed(3)}x the floor of ${first.floorSeconds.toFixed(1)} s (target <= 1.1): ${first.vsFloor <= 1.1 ? 'met' : 'MISSED'}; ` +
        `over the floor: ${describe(first.timing)}`,
  ];
  return { rows, verdicts, scale: opts.scale, burst: INCIDENT_IO_BURST, refillPerSecond: refill };
}
