// The `port-sync` command line. Exit codes: 0 ok; 1 the operation failed (a sync failed, Temporal
// unreachable); 2 invalid usage or configuration. Errors are one line on stderr; --json prints
// machine-readable results on stdout where a person would otherwise read a table.
//
// Command modules load on use: `--help` and `config check` do not pay for the Temporal SDK.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors';
import { configPath, loadConfig, type LoadedConfig } from '../config/load';
import { hasConnector } from '../activities/connectors';
import { redactSecrets, registerSecretsFromEnv } from '../worker/logger';
import { missingSecrets, secretEnvNames } from '../config/secrets';
import { formatTable } from './table';
import { EntityFileError } from './ci/entityFiles';
import type { PortClient } from '../activities/port/client';

export class UsageError extends Error {}

const program = new Command('port-sync')
  .description("Durable syncs between Port's software catalog and Humanitec, GitHub, incident.io and git, on Temporal")
  .option('-c, --config <file>', 'port-sync.yaml to use (default: $PORT_SYNC_CONFIG, ./port-sync.yaml, or zero-config from the environment)')
  .showHelpAfterError()
  .exitOverride();

/** Loads the config and registers the secrets it names, so no command can print them. */
const config = (): LoadedConfig => {
  const loaded = loadConfig({ path: configPath(program.opts<{ config?: string }>().config) });
  registerSecretsFromEnv(process.env, secretEnvNames(loaded.config));
  return loaded;
};

/** The secrets a long-running command will need must be in its environment before it starts. */
function requireSecrets(loaded: LoadedConfig, need: 'worker' | 'webhooks'): LoadedConfig {
  const missing = missingSecrets(loaded.config, process.env, need);
  if (missing.length > 0) throw new ConfigError(`${loaded.source} (environment)`, missing);
  return loaded;
}

/** Every mapping file of one's own must load and compile: a bad one stops the command, naming the integration. */
async function requireMappings(loaded: LoadedConfig): Promise<LoadedConfig> {
  const { loadMappingFile, MappingError } = await import('../activities/mapping');
  const problems: string[] = [];
  loaded.config.integrations.forEach((integration, i) => {
    if (!integration.mapping) return;
    try {
      loadMappingFile(integration.mapping, { integration: integration.id });
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      problems.push(...err.problems.map((problem) => `integrations.${i}.mapping (${integration.mapping}): ${problem}`));
    }
  });
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
  return loaded;
}

function requireIntegrations(loaded: LoadedConfig): LoadedConfig {
  if (loaded.config.integrations.length === 0) {
    throw new UsageError(
      `no integration configured in ${loaded.source}: write a port-sync.yaml (see config/port-sync.example.yaml) or set e.g. PORT_CLIENT_ID, PORT_CLIENT_SECRET, HUMANITEC_API_KEY and HUMANITEC_ORG_ID`,
    );
  }
  return loaded;
}

/** The client of the commands that talk to Temporal; when it is unreachable, the error says where it looked. */
async function connectTemporal() {
  const [{ temporalTarget }, { connectClient }] = await Promise.all([import('../config/temporal'), import('./connect')]);
  const target = temporalTarget();
  try {
    return await connectClient(target);
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${target.address} (namespace ${target.namespace}; start \`port-sync dev\` or set TEMPORAL_ADDRESS)`, { cause: err });
  }
}

const print = (json: boolean, value: unknown, human: () => string): void => {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);
};

program
  .command('dev')
  .description('run everything locally: Temporal dev server (SQLite + Web UI), worker, webhook receiver, schedules; simulators when no credentials are set')
  .option('--data-dir <dir>', 'where the dev server keeps its SQLite database', '.port-sync')
  .option('--port <port>', 'Temporal frontend port', toPort, 7233)
  .option('--ui-port <port>', 'Temporal Web UI port', toPort, 8233)
  .option('--webhooks-port <port>', 'webhook receiver port', toPort, 8080)
  .option('--metrics-port <port>', 'Prometheus metrics port', toPort, 9464)
  .option('--demo-items <n>', 'items per kind in the demo organisation', toInt, 250)
  .action(async (opts: { dataDir: string; port: number; uiPort: number; webhooksPort: number; metricsPort: number; demoItems: number }) => {
    const loaded = await requireMappings(config());
    // With integrations configured, dev runs them for real: their secrets must be there (the demo makes its own).
    if (loaded.config.integrations.length > 0) requireSecrets(requireSecrets(loaded, 'worker'), 'webhooks');
    const { runDev } = await import('./dev');
    await runDev(loaded, opts);
  });

program
  .command('worker')
  .description('run the Temporal worker: sync workflows and the activities of every configured integration')
  .action(async () => {
    const loaded = requireSecrets(await requireMappings(requireIntegrations(config())), 'worker');
    const [{ hasExternalTemporal, temporalTarget }, { prepareProcess }, { startWorkerService, stopOnSignal }] = await Promise.all([
      import('../config/temporal'),
      import('./connect'),
      import('./services'),
    ]);
    const logger = prepareProcess(loaded, { name: 'port-sync-worker', metricsBind: `0.0.0.0:${loaded.config.worker.metricsPort}` });
    const service = await startWorkerService(loaded.config, temporalTarget(), logger, { checkAttributes: hasExternalTemporal() });
    logger.info({ health: service.url, metricsPort: loaded.config.worker.metricsPort }, 'worker ready');
    await stopOnSignal([service], logger);
  });

program
  .command('webhooks')
  .description('run the webhook receiver: verified deliveries become signals to per-object workflows')
  .option('--port <port>', 'listen port (default: webhooks.port from config, 8080)', toPort)
  .action(async (opts: { port?: number }) => {
    const loaded = requireSecrets(requireIntegrations(config()), 'webhooks');
    const [{ temporalTarget }, { prepareProcess }, { startReceiverService, stopOnSignal }] = await Promise.all([
      import('../config/temporal'),
      import('./connect'),
      import('./services'),
    ]);
    const logger = prepareProcess(loaded, { name: 'port-sync-webhooks', metricsBind: `0.0.0.0:${loaded.config.worker.metricsPort + 1}` });
    const service = await startReceiverService(loaded.config, temporalTarget(), logger, { port: opts.port });
    await stopOnSignal([service], logger);
  });

program
  .command('sim')
  .description('run the simulators alone (a demo organisation), for trying port-sync against local APIs')
  .option('--port <port>', 'demo API port; the Port API simulator listens on the next one, incident.io on the one after', toPort, 4010)
  .option('--items <n>', 'items per kind', toInt, 250)
  .action(async (opts: { port: number; items: number }) => {
    const { runSim } = await import('./sim');
    await runSim(opts);
  });

const schedules = program.command('schedules').description('manage the Temporal schedules of the configured integrations');
schedules
  .command('apply')
  .description('create, update or delete one schedule per integration so Temporal matches the config (idempotent)')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const loaded = config();
    const client = await connectTemporal();
    try {
      const { applySchedules } = await import('./schedules');
      const results = await applySchedules(client, loaded.config);
      print(!!opts.json, results, () =>
        formatTable([['INTEGRATION', 'SCHEDULE', 'CHANGE', 'CRON'], ...results.map((r) => [r.integration, r.scheduleId, r.change, r.cron ?? ''])]),
      );
    } finally {
      await client.connection.close();
    }
  });

program
  .command('run')
  .description('start a sync of one integration now, or attach to the one already running')
  .argument('<integration>', 'integration id')
  .option('--wait', 'follow the sync until it ends; exit 1 if it fails')
  .option('--kinds <kinds>', 'comma-separated kinds to limit the run to')
  .option('--scope <key=value,...>', 'limit the run to part of the source, e.g. app=shop or app=shop,env=dev; it deletes only inside that part')
  .option('--dry-run', 'write nothing; wait and print the plan: each create, each update field by field, each delete')
  .option('--json', 'machine-readable output')
  .action(async (integration: string, opts: { wait?: boolean; kinds?: string; scope?: string; dryRun?: boolean; json?: boolean }) => {
    const loaded = requireIntegrations(config());
    const found = loaded.config.integrations.find((i) => i.id === integration);
    if (!found) throw new UsageError(`unknown integration "${integration}" (configured: ${loaded.config.integrations.map((i) => i.id).join(', ')})`);
    if (!hasConnector(found.type)) throw new UsageError(`integration "${integration}": the ${found.type} connector is not part of this version yet`);
    const kinds = opts.kinds?.split(',').map((k) => k.trim()).filter(Boolean);
    const scope = opts.scope === undefined ? undefined : parseScope(opts.scope);
    const client = await connectTemporal();
    try {
      const { attachConflict, follow, progressLine, reportTable, startOrAttach } = await import('./runSync');
      const input = { integration, kinds, scope, dryRun: opts.dryRun, trigger: 'cli' as const };
      const { handle, started } = await startOrAttach(client, loaded.config, input);
      const conflict = started ? undefined : await attachConflict(handle, input);
      if (conflict) throw new UsageError(conflict);
      const note = `${started ? 'started' : 'attached to the running'} ${handle.workflowId}`;
      // A dry run is only worth its plan, so it is always followed to the end.
      if (!opts.wait && !opts.dryRun) return print(!!opts.json, { workflowId: handle.workflowId, started }, () => note);
      const tty = process.stderr.isTTY && !opts.json;
      if (tty) process.stderr.write(`${note}\n`);
      const report = await follow(handle, tty ? (r) => process.stderr.write(`\r\x1b[2K${progressLine(r)}`) : undefined);
      if (tty) process.stderr.write('\n');
      print(!!opts.json, { workflowId: handle.workflowId, started, report }, () => reportTable(report));
    } finally {
      await client.connection.close();
    }
  });

program
  .command('status')
  .description('show each integration: its schedule and its sync (live progress while running)')
  .argument('[integration]', 'only this integration')
  .option('--json', 'machine-readable output')
  .action(async (only: string | undefined, opts: { json?: boolean }) => {
    const loaded = config();
    const client = await connectTemporal();
    try {
      const [{ integrationStatus }, { progressLine }] = await Promise.all([import('./status'), import('./runSync')]);
      const statuses = await integrationStatus(client, loaded.config, only);
      print(!!opts.json, statuses, () =>
        formatTable([
          ['INTEGRATION', 'TYPE', 'SCHEDULE', 'NEXT RUN', 'SYNC', 'STARTED', 'PROGRESS'],
          ...statuses.map((s) => [
            s.integration,
            s.type,
            s.schedule ? `${s.schedule.cron}${s.schedule.paused ? ' (paused)' : ''}${s.schedule.exists ? '' : ' (not applied)'}` : '-',
            s.schedule?.nextRun ?? '-',
            s.sync?.status ?? 'never run',
            s.sync?.startedAt ?? '-',
            s.sync?.progress ? progressLine(s.sync.progress).split(': ')[1]! : '-',
          ]),
        ]),
      );
    } finally {
      await client.connection.close();
    }
  });

// --- CI commands (docs/ci.md): Port directly, no Temporal; credentials from the environment -----------

/** One request of a CI command to Port, written as `ci`; an HTTP failure ends it with Port's own status and message. */
async function callPort<T>(request: (port: PortClient) => Promise<T>): Promise<T> {
  const loaded = config();
  const [{ ciPortClient }, { withHttpFailures }] = await Promise.all([import('./ci/portClient'), import('../activities/http/errors')]);
  const port = ciPortClient(loaded.config.port, process.env, 'ci');
  return withHttpFailures('port', () => request(port));
}

const entityCommand = program
  .command('entity')
  .description('write and read Port entities from a CI job or a GitOps step (PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL)');

entityCommand
  .command('upsert')
  .description('write entity files to Port, each only when it differs; every file is checked before anything is written')
  .argument('<files...>', 'entity files, JSON or YAML, one entity or a list each; - reads standard input')
  .option('-b, --blueprint <blueprint>', 'blueprint of the entities that do not name one')
  .option('--merge', 'change only the fields a file gives (default: a file is the whole entity; what it leaves out is cleared)')
  .option('--create-missing-related-entities', 'create relation targets that do not exist yet')
  .option('--dry-run', 'read and compare only: print what would change, write nothing')
  .option('--as <writer>', 'the writer Port records in the entities\' $datasource', 'ci')
  .option('--prune', 'also delete what this writer (--as) wrote earlier in these blueprints and no file names any more')
  .option('--deletion-threshold <share>', 'with --prune: the largest share (0..1) of a blueprint\'s entities of this writer one run may delete', toShare, 0.9)
  .option('--json', 'machine-readable output')
  .action(async (files: string[], opts: { blueprint?: string; merge?: boolean; createMissingRelatedEntities?: boolean; dryRun?: boolean; as: string; prune?: boolean; deletionThreshold: number; json?: boolean }) => {
    const startedAt = new Date().toISOString();
    // The files of one repository or folder are one writer: pruning as the shared default would delete other jobs' entities.
    if (opts.prune && opts.as === 'ci') throw new UsageError('--prune needs --as <writer>: a name for this set of files, so it deletes only what they wrote');
    // Merging adds to entities others keep whole: the files are not their truth, so they are not pruned by them.
    if (opts.prune && opts.merge) throw new UsageError('--prune cannot go with --merge: merged files describe part of an entity, not which entities exist');
    const loaded = config();
    const [{ readEntityFiles }, { applyEntities }, { pruneEntities }, { ciPortClient }, { PortTarget }] = await Promise.all([
      import('./ci/entityFiles'),
      import('./ci/applyEntities'),
      import('./ci/pruneEntities'),
      import('./ci/portClient'),
      import('../activities/port/target'),
    ]);
    const entries = readEntityFiles(files, opts.blueprint);
    const port = ciPortClient(loaded.config.port, process.env, opts.as);
    const outcomes = await applyEntities(port, entries, { merge: !!opts.merge, createMissingRelatedEntities: !!opts.createMissingRelatedEntities, dryRun: !!opts.dryRun });
    const failed = outcomes.filter((o) => o.result === 'failed').length;
    // As in a sync: nothing is deleted after a run that did not write everything it read.
    let pruned: Awaited<ReturnType<typeof pruneEntities>> | undefined;
    let pruneError: unknown;
    if (opts.prune && failed === 0) {
      // An entity Port's integrations or a sync of this config also wrote is theirs too: never pruned here.
      const notSharedWith = ['port-ocean/', 'port-k8s-exporter', ...loaded.config.integrations.map((i) => `port-sync/${i.id}/`)];
      const target = new PortTarget({ client: port, notSharedWith });
      pruned = await pruneEntities(target, entries, { startedAt, threshold: opts.deletionThreshold, dryRun: !!opts.dryRun }).catch((err: unknown) => {
        pruneError = err;
        return undefined;
      });
    }
    const rows = [
      ...outcomes.map((o) => ({ result: o.result, entity: `${o.blueprint}/${o.identifier}`, from: o.source, detail: o.result === 'failed' ? o.error : (o.changes ?? []).join('; ') })),
      ...(pruned?.deleted ?? []).map((d) => ({ result: 'deleted', entity: `${d.blueprint}/${d.identifier}`, from: '-', detail: 'no file names it' })),
      ...(pruned?.failed ?? []).map((d) => ({ result: 'failed', entity: `${d.blueprint}/${d.identifier}`, from: '-', detail: `not deleted: ${d.error}` })),
    ];
    print(!!opts.json, { entities: outcomes, ...(pruned ? { prune: pruned } : {}) }, () =>
      formatTable([
        ['RESULT', 'ENTITY', 'FROM', 'CHANGES'],
        ...rows.map((r) => [opts.dryRun && ['created', 'updated', 'deleted'].includes(r.result) ? `would be ${r.result}` : r.result, r.entity, r.from, r.detail || '-']),
      ]),
    );
    if (failed > 0) throw new Error(`${failed} of ${outcomes.length} entities not written (Port's reasons above)${opts.prune ? '; nothing pruned' : ''}`);
    if (pruneError) {
      const { toActivityFailure } = await import('../activities/http/errors');
      throw new Error('the entities are written, but pruning failed', { cause: await toActivityFailure(pruneError, 'port') });
    }
    if (pruned?.refused) throw new Error(`nothing pruned: ${pruned.refused}`);
    if (pruned && pruned.failed.length > 0) throw new Error(`${pruned.failed.length} entities not pruned (Port's reasons above)`);
  });

entityCommand
  .command('get')
  .description('print an entity as Port holds it (JSON); exit 1 when it does not exist')
  .argument('<blueprint>', 'blueprint identifier')
  .argument('<identifier>', 'entity identifier')
  .action(async (blueprint: string, identifier: string) => {
    const entity = await callPort((port) => port.getEntity(blueprint, identifier));
    if (!entity) throw new Error(`not found: blueprint "${blueprint}" has no entity "${identifier}"`);
    print(true, entity, () => '');
  });

const actionRunCommand = program
  .command('action-run')
  .description("report a self-service action run's progress to Port from the job that runs it (PORT_CLIENT_ID, PORT_CLIENT_SECRET)");

const runStatus = (value: string): 'SUCCESS' | 'FAILURE' => {
  const status = value.toUpperCase();
  if (status !== 'SUCCESS' && status !== 'FAILURE') throw new UsageError(`--status takes SUCCESS or FAILURE, not "${value}"`);
  return status;
};

actionRunCommand
  .command('update')
  .description("set a run's status, status label, links, summary or external run id")
  .argument('<run-id>', "the run's id (port_context.runId)")
  .option('--status <status>', 'SUCCESS or FAILURE (ends the run)', runStatus)
  .option('--label <label>', 'status label shown with the run')
  .option('--link <url>', 'a link shown on the run, e.g. the job\'s logs (repeat for several)', (v: string, all: string[] = []) => [...all, v])
  .option('--summary <text>', "the run's summary")
  .option('--external-run-id <id>', 'the id your CI gave this job')
  .option('--json', 'machine-readable output')
  .action(async (runId: string, opts: { status?: 'SUCCESS' | 'FAILURE'; label?: string; link?: string[]; summary?: string; externalRunId?: string; json?: boolean }) => {
    const patch = {
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.label !== undefined ? { statusLabel: opts.label } : {}),
      ...(opts.link ? { link: opts.link } : {}),
      ...(opts.summary !== undefined ? { summary: opts.summary } : {}),
      ...(opts.externalRunId !== undefined ? { externalRunId: opts.externalRunId } : {}),
    };
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to update: give --status, --label, --link, --summary or --external-run-id');
    const run = await callPort((port) => port.updateActionRun(runId, patch));
    print(!!opts.json, run, () => `run ${run.id}: ${run.status}${run.statusLabel ? ` (${run.statusLabel})` : ''}`);
  });

actionRunCommand
  .command('log')
  .description("add a line to a run's log; with --status it also ends the run")
  .argument('<run-id>', "the run's id (port_context.runId)")
  .argument('<message>', 'the log line')
  .option('--status <status>', 'SUCCESS or FAILURE: end the run with this status', runStatus)
  .option('--label <label>', 'status label shown with the run')
  .option('--json', 'machine-readable output')
  .action(async (runId: string, message: string, opts: { status?: 'SUCCESS' | 'FAILURE'; label?: string; json?: boolean }) => {
    if (!message.trim()) throw new UsageError('the log message is empty');
    const log = { message, ...(opts.status ? { terminationStatus: opts.status } : {}), ...(opts.label !== undefined ? { statusLabel: opts.label } : {}) };
    const entry = await callPort((port) => port.addActionRunLog(runId, log));
    print(!!opts.json, entry, () => `logged to run ${entry.runId}`);
  });

program
  .command('config')
  .description('configuration commands')
  .command('check')
  .description('validate the configuration and exit: 0 when valid, 2 with every problem listed')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const loaded = await requireMappings(config());
    const summary = {
      source: loaded.source,
      integrations: loaded.config.integrations.map((i) => ({ id: i.id, type: i.type, schedule: i.schedule ? i.schedule.cron : null, connector: hasConnector(i.type) })),
    };
    print(!!opts.json, summary, () =>
      [`${loaded.source}: valid`, formatTable([['INTEGRATION', 'TYPE', 'SCHEDULE'], ...summary.integrations.map((i) => [i.id, i.type, i.schedule ?? '-'])])].join('\n'),
    );
  });

function toPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`not a port: ${value}`);
  return n;
}

function toShare(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1) || value.trim() === '') throw new UsageError(`not a share between 0 and 1: ${value}`);
  return n;
}

function toInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`not a non-negative integer: ${value}`);
  return n;
}

/** "app=shop,env=dev" -> { app: "shop", env: "dev" } */
export function parseScope(value: string): Record<string, string> {
  const scope: Record<string, string> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, ...rest] = part.split('=');
    const v = rest.join('=');
    if (!key || !v) throw new UsageError(`--scope takes key=value pairs separated by commas (app=shop,env=dev), not "${value}"`);
    scope[key] = v;
  }
  if (Object.keys(scope).length === 0) throw new UsageError('--scope needs at least one key=value pair');
  return scope;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    // Spans of short commands (run, schedules apply) must leave before the process does.
    // Only a process that set up tracing has spans to flush.
    if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) await (await import('../worker/telemetry')).flushTracing();
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof ConfigError) {
    process.stderr.write(`port-sync: invalid configuration in ${err.source}:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  if (err instanceof EntityFileError) {
    process.stderr.write(`port-sync: ${err.message.replace('invalid entity files:', 'invalid entity files, nothing written:')}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`port-sync: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`port-sync: ${redactSecrets(describeError(err))}\n`);
  return 1;
}

/** The error and its causes on one line: "workflow failed: activity failed: kind team is broken". */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.includes(message)) parts.push(message);
  }
  return parts.join(': ');
}
