// Webhook intake benchmark (issue "1 of 4"), on a fresh dev server:
//   1. the ceiling: bare signal-with-start calls from 50 concurrent callers over 1,000 objects;
//   2. the receiver alone (no worker): 50 senders POST signed deliveries for 30 s over 1,000 objects;
//   3. a worker process starts and applies that backlog; 4. receiver and worker together: events/s,
//      p50/p99 time to 202, p99 receipt -> applied, and every accepted event applied (zero lost).
// Everything runs on this machine (2 cores): the dev server, the worker, the receiver and the senders.
import { existsSync, readFileSync } from 'node:fs';
import { startReceiver } from '../client/webhooks/receiver';
import { signDemoDelivery } from '../sim/demo/emitter';
import type { ConfigInput } from '../config/schema';
import { freePort } from '../tests/helpers/ports';
import { spawnPortSync, writeConfigFile } from '../tests/helpers/process';
import { startScratchServer } from '../tests/helpers/scratchServer';
import { eventSignal, objectWorkflowId } from '../workflows/definitions';

export interface IntakeOptions {
  seconds: number;
  senders: number;
  objects: number;
}

export interface BenchRow {
  work: string;
  seconds: number;
  requests: number;
  perSecond: number;
  p50ms?: number;
  p99ms?: number;
  appliedP99ms?: number;
  lost?: number;
  /** The bench process: senders and the receiver. */
  peakRssMb: number;
  workerPeakRssMb?: number;
  serverPeakRssMb?: number;
  vsFloor?: string;
  vsSeed?: string;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function peakRss(pid?: number): number {
  if (!pid) return process.resourceUsage().maxRSS / 1024;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return hwm ? Number(hwm[1]) / 1024 : NaN;
}

/** Runs `senders` loops for `seconds`, each calling `once` back to back; returns the latencies. */
async function load(opts: IntakeOptions, once: (object: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let failures = 0;
  const end = Date.now() + opts.seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.senders }, async () => {
      while (Date.now() < end) {
        const object = next++ % opts.objects;
        const start = performance.now();
        if (await once(object)) latencies.push(performance.now() - start);
        else failures += 1;
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

/** Open loop: starts `rate` calls per second for `seconds`, whatever the latency (how real senders behave). */
async function paced(seconds: number, rate: number, objects: number, once: (object: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let failures = 0;
  const calls: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < seconds * rate; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    calls.push(once(i % objects).then((ok) => void (ok ? latencies.push(performance.now() - t) : (failures += 1))));
  }
  await Promise.all(calls);
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

export async function benchWebhookIntake(opts: IntakeOptions): Promise<BenchRow[]> {
  // SQLite on tmpfs when there is one: this VM's disk fsync latency varies 5x between runs and would
  // drown what is measured here (port-sync's own overhead). Say so in the output.
  const server = await startScratchServer({ name: 'bench', parent: existsSync('/dev/shm') ? '/dev/shm' : undefined });
  process.env.TEMPORAL_ADDRESS = server.address;
  const { connectTemporal, demoSetup, testLogger } = await import('../tests/helpers/temporal');
  const temporal = await connectTemporal();
  const setup = await demoSetup({ items: 0, overrides: { events: { idleTimeout: '2m' } } });
  // The worker runs as its own process, as in production: the receiver's event loop is not shared.
  const healthPort = await freePort();
  const configFile = writeConfigFile({ ...setup.config, worker: { ...setup.config.worker, healthPort, metricsPort: await freePort() } } as ConfigInput);
  let stopWorker = async () => {};
  const rows: BenchRow[] = [];
  try {
    // 1. Ceiling: what the dev server accepts from bare signal-with-start calls.
    let seq = 0;
    const ceiling = await load(opts, async (object) => {
      const objectKey = `ceiling/o${object}`;
      try {
        await temporal.client.workflow.signalWithStart('objectEvents', {
          workflowId: objectWorkflowId(`${setup.integration}-ceiling`, objectKey),
          taskQueue: `${setup.config.worker.taskQueue}-unpolled`,
          args: [{ integration: setup.integration, objectKey }],
          signal: eventSignal,
          signalArgs: [{ deliveryId: `c${seq++}`, objectKey, type: 'item.updated', receivedAt: new Date().toISOString() }],
        });
        return true;
      } catch {
        return false;
      }
    });
    const ceilingRate = ceiling.latencies.length / opts.seconds;
    rows.push({
      work: `bare signal-with-start, ${opts.senders} callers, ${opts.objects} objects`,
      seconds: opts.seconds,
      requests: ceiling.latencies.length + ceiling.failures,
      perSecond: ceilingRate,
      p50ms: pct(ceiling.latencies, 50),
      p99ms: pct(ceiling.latencies, 99),
      lost: ceiling.failures,
      peakRssMb: peakRss(),
      serverPeakRssMb: peakRss(server.process.pid),
      vsFloor: '1.00 (the ceiling)',
    });

    // 2-4. Through the receiver. Every event is a new version of its object: one catalog write when applied.
    const receiver = await startReceiver({ config: setup.config, client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
    const url = `${receiver.url}/webhooks/${setup.integration}`;
    const versions = new Array<number>(opts.objects).fill(0);
    const accepted = new Array<number>(opts.objects).fill(0);
    const sentAt = new Map<string, number>();
    let appliedLatency: number[] = [];
    setup.sim.onWrite = (item) => {
      const t = sentAt.get(`${item.id}@${item.version}`);
      if (t !== undefined) appliedLatency.push(performance.now() - t);
    };
    const send = async (object: number) => {
      const version = ++versions[object]!;
      const item = { id: `o${object}`, kind: 'service', name: `object ${object}`, version };
      const body = JSON.stringify({ type: 'item.updated', item });
      sentAt.set(`${item.id}@${version}`, performance.now());
      const res = await fetch(url, { method: 'POST', headers: signDemoDelivery(body, setup.webhookSecret), body }).catch(() => undefined);
      await res?.arrayBuffer();
      if (res?.status !== 202) return false;
      accepted[object]! += 1;
      return true;
    };
    const applied = (o: number) => setup.sim.writes.get(`service/o${o}`)?.length ?? 0;
    const backlog = () => accepted.reduce((sum, n, o) => sum + Math.max(0, n - applied(o)), 0);
    const drain = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && backlog() > 0) await new Promise((r) => setTimeout(r, 100));
    };
    const seed = 'seed scripts have no webhooks: a change waits for the next cron run (up to 1 week)';

    // 2. Receiver overhead: intake alone, no worker polling (events are durably queued in Temporal).
    const intakeOnly = await load(opts, send);
    const intakeRate = intakeOnly.latencies.length / opts.seconds;
    rows.push({
      work: `receiver intake only (no worker): signed POST -> 202, ${opts.senders} senders`,
      seconds: opts.seconds,
      requests: intakeOnly.latencies.length + intakeOnly.failures,
      perSecond: intakeRate,
      p50ms: pct(intakeOnly.latencies, 50),
      p99ms: pct(intakeOnly.latencies, 99),
      lost: intakeOnly.failures,
      peakRssMb: peakRss(),
      serverPeakRssMb: peakRss(server.process.pid),
      vsFloor: `${(intakeRate / ceilingRate).toFixed(2)} of ceiling (target >= 0.70)`,
      vsSeed: seed,
    });

    // 2b. The same receiver at half the ceiling, open loop: latency when the server is not saturated.
    const halfRate = Math.max(1, Math.round(ceilingRate / 2));
    const calm = await paced(Math.min(opts.seconds, 15), halfRate, opts.objects, send);
    rows.push({
      work: `receiver intake only, open loop at ${halfRate}/s (half the ceiling)`,
      seconds: Math.min(opts.seconds, 15),
      requests: calm.latencies.length + calm.failures,
      perSecond: calm.latencies.length / Math.min(opts.seconds, 15),
      p50ms: pct(calm.latencies, 50),
      p99ms: pct(calm.latencies, 99),
      lost: calm.failures,
      peakRssMb: peakRss(),
      serverPeakRssMb: peakRss(server.process.pid),
    });

    // 3. The worker starts and applies the backlog.
    const queued = backlog();
    const drainStart = performance.now();
    const worker = spawnPortSync(['--config', configFile, 'worker'], { ...setup.env, LOG_LEVEL: 'warn' });
    stopWorker = () => worker.terminate(30_000).then(() => undefined, () => worker.kill());
    await drain(300_000);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    rows.push({
      work: `worker applies the backlog of ${queued} events (start-up included)`,
      seconds: Number(drainSeconds.toFixed(1)),
      requests: queued,
      perSecond: (queued - backlog()) / drainSeconds,
      lost: backlog(),
      peakRssMb: peakRss(),
      workerPeakRssMb: peakRss(worker.child.pid),
      serverPeakRssMb: peakRss(server.process.pid),
    });

    // 4. Everything at once: intake while the worker applies, and receipt -> applied latency.
    appliedLatency = [];
    const full = await load(opts, send);
    await drain(300_000);
    const fullRate = full.latencies.length / opts.seconds;
    appliedLatency.sort((a, b) => a - b);
    rows.push({
      work: `receiver + worker together: POST -> 202 -> applied, ${opts.senders} senders`,
      seconds: opts.seconds,
      requests: full.latencies.length + full.failures,
      perSecond: fullRate,
      p50ms: pct(full.latencies, 50),
      p99ms: pct(full.latencies, 99),
      appliedP99ms: pct(appliedLatency, 99),
      lost: backlog() + full.failures,
      peakRssMb: peakRss(),
      workerPeakRssMb: peakRss(worker.child.pid),
      serverPeakRssMb: peakRss(server.process.pid),
      vsFloor: `${(fullRate / ceilingRate).toFixed(2)} of ceiling`,
      vsSeed: seed,
    });

    // 5. Together at a sustainable rate (half of what the worker applied): receipt -> applied in normal operation.
    const applyRate = Math.max(1, Math.round(rows.at(-2)!.perSecond / 2));
    appliedLatency = [];
    const steady = await paced(Math.min(opts.seconds, 15), applyRate, opts.objects, send);
    await drain(120_000);
    appliedLatency.sort((a, b) => a - b);
    rows.push({
      work: `receiver + worker, open loop at ${applyRate}/s (half the apply rate)`,
      seconds: Math.min(opts.seconds, 15),
      requests: steady.latencies.length + steady.failures,
      perSecond: steady.latencies.length / Math.min(opts.seconds, 15),
      p50ms: pct(steady.latencies, 50),
      p99ms: pct(steady.latencies, 99),
      appliedP99ms: pct(appliedLatency, 99),
      lost: backlog() + steady.failures,
      peakRssMb: peakRss(),
      workerPeakRssMb: peakRss(worker.child.pid),
      serverPeakRssMb: peakRss(server.process.pid),
      vsSeed: seed,
    });
    await receiver.close();
  } finally {
    await stopWorker();
    await setup.sim.stop();
    await temporal.close();
    await server.dispose();
  }
  return rows;
}
