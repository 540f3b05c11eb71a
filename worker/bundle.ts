// The workflow bundle, built once per version of the workflow code and kept on disk. Building it
// (webpack) costs a worker ~90 MB of memory it never gives back, and seconds at every start; so a
// cache miss builds it in a short-lived child process, and every start after that only reads a file.
// The key covers every input of the bundle, so a changed workflow can never run from a stale bundle.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { workflowInterceptorModules } from './telemetry';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('./buildBundle.ts', import.meta.url));

export function bundleCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.PORT_SYNC_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'port-sync');
  return join(root, 'workflow-bundles');
}

/** Everything the bundle is made of: our workflow sources, the SDK and interceptor versions, the tracing flag. */
function bundleKey(withTracing: boolean): string {
  const hash = createHash('sha256').update(`tracing=${withTracing}\n`).update(process.version);
  const require = createRequire(import.meta.url);
  for (const pkg of ['@temporalio/workflow', '@temporalio/worker', '@temporalio/interceptors-opentelemetry']) {
    hash.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}\n`);
  }
  for (const file of readdirSync(WORKFLOWS_DIR).sort()) hash.update(file).update(readFileSync(join(WORKFLOWS_DIR, file)));
  for (const module of workflowInterceptorModules(withTracing)) hash.update(module);
  return hash.digest('hex').slice(0, 16);
}

/** Builds the bundle in this process (the child's job, and a fallback). */
export async function buildBundle(withTracing: boolean): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowInterceptorModules(withTracing),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
}

/** The bundle from the cache, building it in a child process first when it is not there. */
export async function cachedBundle(withTracing: boolean, env: NodeJS.ProcessEnv = process.env): Promise<WorkflowBundle> {
  const dir = bundleCacheDir(env);
  const file = join(dir, `${bundleKey(withTracing)}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const built = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), BUILD_SCRIPT, String(withTracing), `${file}.${process.pid}.tmp`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    // The bundler's own message (e.g. a non-deterministic import in workflows/) is what to show.
    if (built.status !== 0) throw new Error(`building the workflow bundle failed: ${built.stderr.trim() || `exit ${built.status}`}`);
    // Atomic: another worker starting at the same time reads a whole file or builds its own.
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return { code: readFileSync(file, 'utf8') };
}

/** For the child process: `node --import tsx worker/buildBundle.ts <withTracing> <out>`. */
export async function writeBundle(withTracing: boolean, out: string): Promise<void> {
  const { code } = await buildBundle(withTracing);
  writeFileSync(out, code);
}
