// `npm test`: unit tests, then integration tests against one real Temporal dev server started for the
// run (or the cluster in TEMPORAL_ADDRESS). Each test file uses its own task queue and workflow ids.
//   npm test                 everything
//   npm test -- tests/unit   only files under the given paths
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startScratchServer } from '../tests/helpers/scratchServer';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roots = args.length ? args.map((a) => resolve(a)) : [join(root, 'tests')];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? walk(r) : [r])).filter((f) => f.endsWith('.test.ts')).sort();

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const env: NodeJS.ProcessEnv = { ...process.env };
let stopServer = async () => {};
if (!env.TEMPORAL_ADDRESS) {
  const server = await startScratchServer({
    name: 'test',
    // Small histories make continue-as-new paths run in tests, not only at scale.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 200 },
  });
  env.TEMPORAL_ADDRESS = server.address;
  console.log(`test Temporal dev server at ${server.address} (data ${server.dataDir})`);
  stopServer = server.dispose;
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env, cwd: root },
);
await stopServer();
process.exit(result.status ?? 1);
