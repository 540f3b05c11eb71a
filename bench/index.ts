// `npm run bench`: the benchmarks, each printing a table of the work, the time, requests sent, peak
// memory and the ratios to the floor (ceiling) and to the seed scripts' approach.
//   npm run bench                                all, default sizes
//   npm run bench -- --only webhooks             one of them (webhooks, resync)
//   npm run bench -- --seconds 10                shorter webhook load phases
//   npm run bench -- --only resync --entities 5000 --cases unlimited
//   npm run bench -- --only resync --cases unlimited --resync-latency 20 --timeline
//   npm run bench -- --only resync --cases unlimited --repeat 5     (median rows, with ranges)
//   npm run bench -- --only resync --cases unlimited --parallel-kinds 1
//   npm run bench -- --only humanitec --orgs 1000,40000 --read-concurrency 8 --hum-scale 0.02
//   npm run bench -- --only incidentio --inc-services 10000 --inc-scale 0.1 --inc-changed 100
import { parseArgs } from 'node:util';
import { benchHumanitec, type HumanitecRow } from './humanitec';
import { benchIncidentIo, type IncidentIoResult } from './incidentio';
import { benchResync, type ResyncRow } from './resync';
import { benchWebhookIntake, type BenchRow } from './webhookIntake';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    // webhooks
    seconds: { type: 'string', default: '30' },
    senders: { type: 'string', default: '50' },
    objects: { type: 'string', default: '1000' },
    // resync
    entities: { type: 'string', default: '50000' },
    kinds: { type: 'string', default: '5' },
    'page-size': { type: 'string', default: '100' },
    'resync-latency': { type: 'string', default: '0' },
    timeline: { type: 'boolean', default: false },
    scale: { type: 'string', default: '0.01' },
    window: { type: 'string', default: '10' },
    'seed-sample': { type: 'string', default: '1000' },
    cases: { type: 'string', default: 'unlimited,limited' },
    repeat: { type: 'string', default: '1' },
    'parallel-kinds': { type: 'string' },
    // humanitec (also --window, --profile)
    orgs: { type: 'string', default: '1000,40000' },
    'org-seed': { type: 'string', default: '1' },
    latency: { type: 'string', default: '20' },
    'read-concurrency': { type: 'string', default: '8' },
    'hum-scale': { type: 'string', default: '0.02' },
    profile: { type: 'string' },
    // incidentio (also --profile)
    'inc-services': { type: 'string', default: '10000' },
    'inc-scale': { type: 'string', default: '0.1' },
    'inc-changed': { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
});

const BENCHES = ['webhooks', 'resync', 'humanitec', 'incidentio'];
const only = values.only?.split(',');
if (only?.some((b) => !BENCHES.includes(b))) {
  console.error(`--only takes ${BENCHES.join(', ')}`);
  process.exit(2);
}
const runs = (name: string) => !only || only.includes(name);

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
function print(table: string[][]) {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
  console.log();
}

const results: { webhooks?: BenchRow[]; resync?: ResyncRow[]; humanitec?: HumanitecRow[]; incidentio?: IncidentIoResult } = {};

if (runs('webhooks')) {
  const rows = await benchWebhookIntake({ seconds: Number(values.seconds), senders: Number(values.senders), objects: Number(values.objects) });
  results.webhooks = rows;
  if (!values.json) {
    print([
      ['work', 's', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'applied p99 ms', 'lost', 'bench rss MB', 'worker rss MB', 'server rss MB', 'vs floor', 'vs seed'],
      ...rows.map((r) => [r.work, String(r.seconds), String(r.requests), fmt(r.perSecond), fmt(r.p50ms), fmt(r.p99ms), fmt(r.appliedP99ms), String(r.lost ?? '-'), fmt(r.peakRssMb, 0), fmt(r.workerPeakRssMb, 0), fmt(r.serverPeakRssMb, 0), r.vsFloor ?? '-', r.vsSeed ?? '-']),
    ]);
  }
}

if (runs('resync')) {
  const rows = await benchResync({
    entities: Number(values.entities),
    kinds: Number(values.kinds),
    pageSize: Number(values['page-size']),
    latencyMs: Number(values['resync-latency']),
    timeline: values.timeline,
    scale: Number(values.scale),
    windowSeconds: Number(values.window),
    seedSample: Number(values['seed-sample']),
    cases: values.cases.split(',') as Array<'unlimited' | 'limited'>,
    profileDir: values.profile,
    repeat: Number(values.repeat),
    ...(values['parallel-kinds'] ? { parallelKinds: Number(values['parallel-kinds']) } : {}),
  });
  results.resync = rows;
  if (!values.json) {
    const req = (r: ResyncRow) =>
      `port ${r.requests.port} (bulk ${r.requests['port bulk']}, search ${r.requests['port search']}, token ${r.requests['port token']}, other ${r.requests['port other']! + r.requests['port single']!}); demo ${r.requests.demo}`;
    print([
      ['work', 's', 'entities', 'entities/s', 'written', 'requests', 'worker peak rss MB', 'worker cpu s', 'history events', 'history bytes', 'runs', 'vs floor', 'vs seed'],
      ...rows.map((r) => [r.work, fmt(r.seconds) + (r.secondsRange ? ` (${fmt(r.secondsRange[0])}-${fmt(r.secondsRange[1])})` : ''), String(r.entities), fmt(r.entitiesPerSecond, 0), String(r.writes), req(r), fmt(r.workerPeakRssMb, 0), fmt(r.workerCpuSeconds), String(r.historyEvents), String(r.historyBytes), String(r.runs), r.vsFloor ?? '-', r.vsSeed ?? '-']),
    ]);
  }
}

if (runs('humanitec')) {
  const rows = await benchHumanitec({
    orgs: values.orgs.split(',').map(Number),
    seed: Number(values['org-seed']),
    latencyMs: Number(values.latency),
    readConcurrency: Number(values['read-concurrency']),
    scale: Number(values['hum-scale']),
    windowSeconds: Number(values.window),
    profileDir: values.profile,
  });
  results.humanitec = rows;
  if (!values.json) {
    const req = (r: HumanitecRow) =>
      `humanitec ${r.requests.humanitec} (needed ${r.requests['humanitec needed']}); port ${r.requests.port} (bulk ${r.requests['port bulk']}, search ${r.requests['port search']}, token ${r.requests['port token']}, other ${r.requests['port other']! + r.requests['port single']!})`;
    print([
      ['work', 's', 'entities', 'written', 'requests', 'worker peak rss MB', 'history events', 'history bytes', 'runs', 'vs floor', 'vs seed'],
      ...rows.map((r) => [r.work, fmt(r.seconds), String(r.entities), String(r.written), req(r), fmt(r.workerPeakRssMb, 0), String(r.historyEvents), String(r.historyBytes), String(r.runs), r.vsFloor ?? '-', r.vsSeed ?? '-']),
    ]);
  }
}

if (runs('incidentio')) {
  const result = await benchIncidentIo({
    services: Number(values['inc-services']),
    scale: Number(values['inc-scale']),
    changed: Number(values['inc-changed']),
    profileDir: values.profile,
  });
  results.incidentio = result;
  if (!values.json) {
    console.log(`incident.io bucket ${result.burst}, refilled at ${fmt(result.refillPerSecond, 0)}/s (the real 20/s x 1/${result.scale}: times are x${result.scale} the real ones)`);
    print([
      ['work', 's', 'incident.io req (writes / reads)', 'Port req', '429s', 'worker peak rss MB', 'floor s', 'x floor', 'x guide'],
      ...result.rows.map((r) => [r.work, fmt(r.seconds), `${r.writes} / ${r.reads}`, String(r.port), String(r.throttled), fmt(r.workerPeakRssMb, 0), fmt(r.floorSeconds), fmt(r.vsFloor, 2), fmt(r.vsGuide, 3)]),
    ]);
    for (const v of result.verdicts) console.log(v);
    console.log();
  }
}

if (values.json) console.log(JSON.stringify(results, null, 2));
process.exit(0);
