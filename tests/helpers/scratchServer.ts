// A throwaway Temporal dev server in a fresh temporary folder: for the test run, history capture and
// benchmarks. dispose() stops it and removes its data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalBinary, startDevServer, type DevServer } from '../../client/devServer';
import { freePort } from './ports';

export interface ScratchServer extends DevServer {
  dataDir: string;
  dispose(): Promise<void>;
}

export async function startScratchServer(opts: { name: string; parent?: string; dynamicConfig?: Record<string, unknown> }): Promise<ScratchServer> {
  const dataDir = mkdtempSync(join(opts.parent ?? tmpdir(), `port-sync-${opts.name}-`));
  const server = await startDevServer({
    binary: await ensureTemporalBinary(),
    dataDir,
    port: await freePort(),
    uiPort: 0,
    dynamicConfig: opts.dynamicConfig,
  });
  return {
    ...server,
    dataDir,
    dispose: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
