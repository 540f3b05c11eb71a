// The worker of a benchmark: a `port-sync worker` process of its own, as in production, so its peak
// RSS is its own and not the simulators'. It runs with the heap limit the production image sets.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ConfigInput } from '../config/schema';
import { spawnPortSync, writeConfigFile } from '../tests/helpers/process';

/** As in the Dockerfile: V8 collects sooner instead of growing the heap towards its default of ~4 GB. */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256';

/**
 * Starts the worker for `config` with `env` and waits until it polls; `cleanups` gets its stop.
 * With `profileDir`, it writes a `.cpuprofile` there (through cpuProfile.mjs: NODE_OPTIONS refuses --cpu-prof).
 */
export async function startBenchWorker(
  config: ConfigInput,
  env: NodeJS.ProcessEnv,
  cleanups: Array<() => Promise<unknown>>,
  profileDir?: string,
): Promise<{ pid: number; stop: () => Promise<unknown> }> {
  // WORKER_NODE_OPTIONS in the bench's environment overrides the heap limit.
  const workerEnv: NodeJS.ProcessEnv = { ...env, LOG_LEVEL: 'info', NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS ?? WORKER_NODE_OPTIONS };
  if (profileDir) {
    workerEnv.NODE_OPTIONS = `${workerEnv.NODE_OPTIONS ?? ''} --import ${new URL('./cpuProfile.mjs', import.meta.url).href}`.trim();
    workerEnv.CPU_PROFILE_DIR = profileDir;
  }
  const worker = spawnPortSync(['--config', writeConfigFile(config), 'worker'], workerEnv);
  const stop = () => worker.terminate(30_000).catch(() => worker.kill());
  cleanups.push(stop);
  await worker.waitForLog((l) => l.msg === 'worker ready', 120_000, 'worker ready');
  return { pid: worker.child.pid!, stop };
}

export function peakRssMb(pid: number): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return hwm ? Number(hwm[1]) / 1024 : NaN;
}

/** Resets the peak RSS of a process of ours (Linux: clear_refs 5), so each run gets its own peak. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux: /proc/pid/stat, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
