// With OTEL_EXPORTER_OTLP_ENDPOINT set, `port-sync run` and the worker export spans by OTLP/HTTP: the
// client call, the workflow and its activities, all in one trace. The collector is a local HTTP server.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../helpers/ports';
import { demoSetup, eventually } from '../helpers/temporal';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'port-sync-tracing-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Span {
  name: string;
  traceId: string;
  service: string;
}

function collector() {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const data = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] };
        for (const rs of data.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ name: s.name, traceId: s.traceId, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return { server, spans };
}

test('a run is one trace from the CLI call through the workflow to its activities', async () => {
  const { server, spans } = collector();
  const otlpPort = await freePort();
  await new Promise<void>((r) => server.listen(otlpPort, '127.0.0.1', r));
  const setup = await demoSetup({ items: 12, pageSize: 5 });
  const healthPort = await freePort();
  const config = {
    worker: { taskQueue: setup.config.worker.taskQueue, healthPort, metricsPort: await freePort() },
    integrations: [{ ...setup.config.integrations[0], webhook: undefined, schedule: undefined }],
  };
  const file = join(work, 'port-sync.yaml');
  writeFileSync(file, stringify(JSON.parse(JSON.stringify(config))));
  const env = { ...setup.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_SERVICE_NAME: 'port-sync-test' };
  const worker = spawn(process.execPath, [join(root, 'bin/port-sync.js'), '--config', file, 'worker'], { env, stdio: 'ignore' });
  try {
    await eventually(async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200, 60_000, 'worker ready');
    // Not spawnSync: the simulator lives in this process and must keep answering.
    const run = spawn(process.execPath, [join(root, 'bin/port-sync.js'), '--config', file, 'run', setup.integration, '--wait', '--json'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => run.once('exit', r));
    assert.equal(code, 0, stderr);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await setup.sim.stop();
  }
  await eventually(() => spans.some((s) => s.name.startsWith('RunActivity')), 10_000, 'worker spans');
  server.close();

  const start = spans.find((s) => s.name === 'StartWorkflow:syncIntegration');
  assert.ok(start, `client span missing; got ${[...new Set(spans.map((s) => s.name))].join(', ')}`);
  const trace = spans.filter((s) => s.traceId === start.traceId).map((s) => s.name);
  assert.ok(trace.includes('RunWorkflow:syncIntegration'), `workflow span in the client's trace; got ${trace.join(', ')}`);
  assert.ok(trace.includes('RunActivity:planSync'), 'control activity span in the same trace');
  assert.ok(trace.includes('RunActivity:syncKindChunk'), 'page activity span in the same trace');
  assert.ok(spans.every((s) => s.service === 'port-sync-test'));
});
