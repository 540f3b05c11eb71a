// What every benchmark runs on: a scratch Temporal dev server with SQLite on tmpfs (disk fsync latency
// here varies 5x between runs), a client of it, and the cleanups the benchmark registers as it goes.
import { existsSync } from 'node:fs';
import type { TestTemporal } from '../tests/helpers/temporal';
import { startScratchServer } from '../tests/helpers/scratchServer';

export interface BenchStack {
  temporal: TestTemporal;
  /** Run last-in first-out by close(): simulators, workers. */
  cleanups: Array<() => Promise<unknown>>;
  close(): Promise<void>;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  const server = await startScratchServer({ name, parent: existsSync('/dev/shm') ? '/dev/shm' : undefined });
  process.env.TEMPORAL_ADDRESS = server.address;
  const { connectTemporal } = await import('../tests/helpers/temporal');
  const temporal = await connectTemporal();
  const cleanups: Array<() => Promise<unknown>> = [];
  return {
    temporal,
    cleanups,
    close: async () => {
      for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
      await temporal.close();
      await server.dispose();
    },
  };
}
