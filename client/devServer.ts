// The embedded Temporal: the `temporal` CLI's dev server (built from its Go module by
// scripts/install-temporal.sh), with SQLite persistence under a data folder and its Web UI.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

const INSTALL_SCRIPT = fileURLToPath(new URL('../scripts/install-temporal.sh', import.meta.url));

/** Path of the cached `temporal` binary, building it first if needed (progress goes to stderr). */
export function ensureTemporalBinary(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const path = out.trim().split('\n').pop();
      if (code === 0 && path) resolve(path);
      else reject(new Error(`building the Temporal CLI failed (exit ${code}); see the output above`));
    });
  });
}

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  port: number;
  /** 0 disables the Web UI. */
  uiPort: number;
  namespace?: string;
  ip?: string;
  /** Extra dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 40 } in tests. */
  dynamicConfig?: Record<string, unknown>;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  dbFile: string;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const SA_TYPES: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int', BOOL: 'Bool', DOUBLE: 'Double', DATETIME: 'Datetime' };

/**
 * Eager activity execution: when a workflow task schedules an activity and this worker has a free slot,
 * the server hands the activity back in the same response instead of through a task-queue poll.
 * Off by default in the server; each kind's chunks follow one another, so every chunk saved a round trip.
 */
const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = { 'system.enableActivityEagerExecution': true };

export function devServerArgs(opts: DevServerOptions): string[] {
  const ip = opts.ip ?? '127.0.0.1';
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(opts.port),
    '--db-filename', join(opts.dataDir, 'temporal.sqlite'),
    // WAL with synchronous=NORMAL: safe against a crashed process, may lose the last commits on power
    // loss — right for a dev server, several times the write throughput of FULL. Production runs PostgreSQL.
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    '--log-format', 'json',
    '--log-level', 'warn',
  ];
  // "default" always exists; naming it again would be an error.
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  args.push(...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']));
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${SA_TYPES[key.type]}`);
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** Starts the dev server and resolves once it answers gRPC; its log goes to <dataDir>/temporal.log. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const logFile = join(opts.dataDir, 'temporal.log');
  const log = openSync(logFile, 'a');
  // Its own process group: Ctrl-C in the terminal reaches port-sync, which drains the worker first
  // and then stops the server itself (stop() below). Should port-sync die abruptly, it goes too.
  const child = spawn(opts.binary, devServerArgs(opts), { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const address = `${opts.ip ?? '127.0.0.1'}:${opts.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Temporal dev server exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    }
    if (await answers(address)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal dev server did not start within 60s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://${opts.ip && opts.ip !== '0.0.0.0' ? opts.ip : '127.0.0.1'}:${opts.uiPort}` : undefined,
    dbFile: join(opts.dataDir, 'temporal.sqlite'),
    logFile,
    process: child,
    stop,
  };
}

async function answers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.withDeadline(Date.now() + 1_000, () => connection!.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
