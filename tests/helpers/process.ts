// Runs the real `port-sync` command (bin/port-sync.js) as a child process, as an operator would:
// a config file on disk, secrets in the environment, JSON log lines on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../config/schema';
import { freePort } from './ports';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface PortSyncProcess {
  child: ChildProcess;
  /** Parsed stdout lines, in order; a line that is not JSON is kept as { msg, notJson: true }. */
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (already written or still to come) matching `match`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Sends SIGTERM and waits for the exit; fails if the process is still running after `timeoutMs`. */
  terminate(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (test clean-up). */
  kill(): void;
}

const running = new Set<ChildProcess>();
const configDirs: string[] = [];
// A failed test must not leave workers polling the shared dev server.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to its standard input (otherwise it has none). */
  input?: string;
  timeoutMs?: number;
}

/** Runs a short `port-sync` command to its end, with pipes for stdin/stdout/stderr (never a terminal). */
export function runPortSync(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/port-sync.js'), ...args], { cwd: opts.cwd ?? REPO_ROOT, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(opts.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`port-sync ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60_000} ms; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Spawns `node bin/port-sync.js <args>` from the repository root. */
export function spawnPortSync(args: string[], env: NodeJS.ProcessEnv): PortSyncProcess {
  const child = spawn(process.execPath, ['bin/port-sync.js', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  let partial = '';
  const logs: LogLine[] = [];
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out += text;
    if (process.env.TEST_LOGS) process.stderr.write(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, notJson: true });
      }
    }
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    if (process.env.TEST_LOGS) process.stderr.write(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  return {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    exited,
    terminate: async (timeoutMs = 15_000) => {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGTERM: ${args.join(' ')}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    waitForLog: (match, timeoutMs = 30_000, what = 'log line') =>
      new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${err.slice(-2000)}`)), timeoutMs);
        const check = () => {
          const found = logs.find(match);
          if (found) {
            clearTimeout(timer);
            return resolve(found);
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            return reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${err.slice(-2000)}`));
          }
          waiters.push(check);
        };
        check();
      }),
  };
}

/** Writes a config as port-sync.yaml in a fresh temporary folder (JSON is valid YAML) and returns its path. */
export function writeConfigFile(config: ConfigInput): string {
  const dir = mkdtempSync(join(tmpdir(), 'port-sync-config-'));
  configDirs.push(dir);
  const file = join(dir, 'port-sync.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A free port p whose neighbour p + 1 is free too (`port-sync webhooks` serves metrics on metricsPort + 1). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no two adjacent free ports found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Parses Prometheus text exposition: one entry per sample line. */
export function parseMetrics(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}
