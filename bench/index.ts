// `npm run bench`: the benchmarks, each printing a table of the work, the time, requests sent, peak
// memory and the ratios to the floor (ceiling) and to the seed scripts' approach.
//   npm run bench                       all, default sizes
//   npm run bench -- --seconds 10       shorter load phases
import { parseArgs } from 'node:util';
import { benchWebhookIntake, type BenchRow } from './webhookIntake';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    senders: { type: 'string', default: '50' },
    objects: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
  },
});

const rows: BenchRow[] = await benchWebhookIntake({
  seconds: Number(values.seconds),
  senders: Number(values.senders),
  objects: Number(values.objects),
});

if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
  const table = [
    ['work', 's', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'applied p99 ms', 'lost', 'bench rss MB', 'worker rss MB', 'server rss MB', 'vs floor', 'vs seed'],
    ...rows.map((r) => [r.work, String(r.seconds), String(r.requests), fmt(r.perSecond), fmt(r.p50ms), fmt(r.p99ms), fmt(r.appliedP99ms), String(r.lost ?? '-'), fmt(r.peakRssMb, 0), fmt(r.workerPeakRssMb, 0), fmt(r.serverPeakRssMb, 0), r.vsFloor ?? '-', r.vsSeed ?? '-']),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
}
process.exit(0);
