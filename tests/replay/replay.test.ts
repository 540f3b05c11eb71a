// Replays histories captured from real runs (npm run capture-histories) against the current workflow
// code. A change that would break workflows already running in production fails here: make it with
// patched() or worker versioning instead (docs/workflows.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../worker/run';
import { workerTelemetryOptions } from '../../worker/telemetry';

const dir = join(import.meta.dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are histories of every workflow type to replay', () => {
  for (const type of ['syncIntegration', 'objectEvents']) {
    assert.ok(files.some((f) => f.startsWith(`${type}-`)), `no captured history of ${type}`);
  }
});

// Tracing interceptors are bundled only when spans are exported; histories must replay either way.
for (const withTracing of [false, true]) {
  for (const file of files) {
    test(`replays ${file}${withTracing ? ' with tracing interceptors' : ''}`, async () => {
      const { workflowId, history } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { workflowId: string; history: unknown };
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(withTracing), sinks: workerTelemetryOptions().sinks }, history, workflowId);
    });
  }
}
