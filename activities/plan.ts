// Planning a run: its kinds (in dependency order, within a scope), the task queue of the source's API,
// and readying the target (Port: blueprints) before the first write.
import { cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config/schema';
import type { SourceScope } from './connector';
import { withHttpFailures } from './http/errors';
import { countingRequests, type RequestCounts } from './http/requestCount';
import { startOrder } from './engine/kindOrder';
import type { IntegrationRuntime } from './runtime';

export interface SyncPlan {
  kinds: string[];
  /** Kinds the mapping names that the source does not offer. */
  ignoredKinds: string[];
  /** The task queue of the connector's API: its rate limit holds across all worker replicas. */
  taskQueue: string;
  /** Where a scoped run may delete (from the connector); absent for a full run. */
  identifierPrefix?: string;
  /** The kinds of this run each kind waits for (relation targets); kinds that do not wait for each other run side by side. */
  after: Record<string, string[]>;
  /** How many kinds may run at once. */
  parallelKinds: number;
  /** The order in which kinds that may run are started (engine/kindOrder.ts startOrder). */
  startOrder: string[];
}

export const apiTaskQueue = (mainQueue: string, api: string) => `${mainQueue}.${api}`;

function planScope(runtime: IntegrationRuntime, integration: string, scope: SourceScope) {
  if (!runtime.connector.planScope) {
    throw ApplicationFailure.nonRetryable(`integration "${integration}" cannot run scoped (scope ${JSON.stringify(scope)})`, 'UnknownScope');
  }
  try {
    return runtime.connector.planScope(scope);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`integration "${integration}": ${(err as Error).message}`, 'UnknownScope');
  }
}

export async function planSync(runtime: IntegrationRuntime, config: Config, input: { integration: string; kinds?: string[]; scope?: SourceScope }): Promise<SyncPlan> {
  const scoped = input.scope ? planScope(runtime, input.integration, input.scope) : undefined;
  const all = scoped ? runtime.kinds.filter((k) => scoped.kinds.includes(k)) : runtime.kinds;
  const unknown = (input.kinds ?? []).filter((k) => !all.includes(k));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `integration "${input.integration}" has no kind ${unknown.map((k) => `"${k}"`).join(', ')} (kinds: ${all.join(', ')})`,
      'UnknownKind',
    );
  }
  if (runtime.ignoredKinds.length > 0) {
    log.warn('the mapping names kinds the source does not offer; they are not synced', { integration: input.integration, kinds: runtime.ignoredKinds });
  }
  // Keep dependency order whatever order the caller listed the kinds in.
  const kinds = input.kinds?.length ? all.filter((k) => input.kinds!.includes(k)) : all;
  const after = Object.fromEntries(kinds.map((k) => [k, (runtime.after[k] ?? []).filter((dep) => kinds.includes(dep))]));
  return {
    kinds,
    ignoredKinds: runtime.ignoredKinds,
    taskQueue: apiTaskQueue(config.worker.taskQueue, runtime.connector.api),
    after,
    parallelKinds: config.worker.parallelKinds,
    startOrder: startOrder(kinds, after),
    ...(scoped?.identifierPrefix ? { identifierPrefix: scoped.identifierPrefix } : {}),
  };
}

/** Creates what the target needs before the first write (Port: missing blueprints, properties, relations). */
export async function prepareTarget(runtime: IntegrationRuntime, input: { integration: string }): Promise<{ changes: string[]; requests: RequestCounts }> {
  const requests: RequestCounts = {};
  const changes = await withHttpFailures(runtime.target.api, () => countingRequests(requests, () => runtime.prepare(cancellationSignal())));
  for (const change of changes) log.info('target prepared', { integration: input.integration, change });
  return { changes, requests };
}
