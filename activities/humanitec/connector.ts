// The Humanitec connector: the 13 kinds of Port's Humanitec guide, read from the Platform Orchestrator
// API in dependency order, as raw API objects plus the context the mapping needs (app_id, env_id, ...).
// docs/humanitec.md describes the kinds, the cursor, scoped runs and every difference from the script.
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError } from 'ky';
import { z } from 'zod';
import type { Connector, EventOutcome, Page, ScopePlan, SourceScope } from '../connector';
import type { IntegrationOf } from '../connectors';
import { HUMANITEC_BLUEPRINTS } from './blueprints';
import { HUMANITEC_API, HumanitecClient, urgent } from './client';
import { HandOver } from './handOver';
import type { ActiveResource, Application, DependencyGraph, Environment, GraphNode } from './schemas';

const DEFAULT_MAPPING = fileURLToPath(new URL('../../config/mappings/humanitec.yaml', import.meta.url));

/** Every kind, relation targets first: apps -> envs -> workloads, graphs -> resources; stores -> values; groups -> users. */
export const HUMANITEC_KINDS = [
  'application',
  'environment',
  'workload',
  'resourceGraph',
  'resource',
  'secretStore',
  'sharedValue',
  'valueSetVersion',
  'deploymentSet',
  'pipeline',
  'deploymentDelta',
  'group',
  'user',
] as const;
export type HumanitecKind = (typeof HUMANITEC_KINDS)[number];

/** Org-wide kinds: never part of a scoped run. */
const ORG_KINDS: ReadonlySet<string> = new Set(['secretStore', 'group', 'user']);
/** Kinds a run scoped to one app fetches (only that app's objects). */
export const APP_SCOPE_KINDS = HUMANITEC_KINDS.filter((k) => !ORG_KINDS.has(k));
/** Kinds a run scoped to one env fetches: what a deployment of that env changes. */
export const ENV_SCOPE_KINDS: HumanitecKind[] = ['application', 'environment', 'workload', 'resourceGraph', 'resource', 'sharedValue', 'deploymentDelta'];

/** App and env ids (SPEC ApplicationResponse.id, EnvironmentResponse.id): no "/", so prefixes are exact. */
export const HUMANITEC_ID = /^[a-z0-9](?:-?[a-z0-9]+)+$/;

/** Humanitec requests in flight per integration and worker unless `options.readConcurrency` says otherwise. */
export const DEFAULT_READ_CONCURRENCY = 8;

/** How long the org's app list (which also lists every app's envs) is reused between pages. */
const APP_LIST_TTL_MS = 30_000;

/** The oldest answer one kind hands over to a later one (handOver.ts); the kinds between take longer in a large org. */
const HAND_OVER_TTL_MS = 120_000;

/** Pages of an app walk read ahead of the engine (see readAheadFrom). */
const READ_AHEAD_PAGES = 6;

const cursorSchema = z.union([z.strictObject({ after: z.string().min(1) }), z.strictObject({ page: z.string().min(1) })]);
type Cursor = z.infer<typeof cursorSchema>;

function parseCursor(kind: string, cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    return cursorSchema.parse(JSON.parse(cursor));
  } catch {
    throw ApplicationFailure.nonRetryable(`humanitec: kind "${kind}": unreadable cursor ${JSON.stringify(cursor)}`, 'InvalidCursor');
  }
}

const is404 = (err: unknown) => err instanceof HTTPError && err.response.status === 404;

/** Runs all tasks; the first failure aborts the others' requests and fails the whole (never a partial result). */
async function allOrAbort<T>(signal: AbortSignal, tasks: Array<(signal: AbortSignal) => Promise<T>>): Promise<T[]> {
  const controller = new AbortController();
  const both = AbortSignal.any([signal, controller.signal]);
  try {
    return await Promise.all(tasks.map((task) => task(both)));
  } catch (err) {
    controller.abort();
    throw err;
  }
}

/** `{ app }` or `{ app, env }` with valid ids, else an Error naming what is wrong. */
export function readScope(scope: SourceScope): { app: string; env?: string } {
  const keys = Object.keys(scope).sort().join(',');
  if (keys !== 'app' && keys !== 'app,env') {
    throw new Error(`a Humanitec scope is { app } or { app, env }, not ${JSON.stringify(scope)}`);
  }
  for (const [key, value] of Object.entries(scope)) {
    if (!HUMANITEC_ID.test(value)) throw new Error(`scope ${key} "${value}" is not a Humanitec id`);
  }
  return scope.env === undefined ? { app: scope.app! } : { app: scope.app!, env: scope.env };
}

/** Which kinds a scoped run fetches, and the identifier prefix under which it may delete. */
export function planHumanitecScope(scope: SourceScope): ScopePlan {
  const { app, env } = readScope(scope);
  if (env === undefined) return { kinds: [...APP_SCOPE_KINDS], identifierPrefix: `${app}/` };
  return { kinds: [...ENV_SCOPE_KINDS], identifierPrefix: `${app}/${env}/` };
}

/** The workload a resource belongs to: `w` for res_id `modules.w` or `modules.w.…`, when that workload exists. */
export function workloadOf(resId: string, workloads: ReadonlySet<string>): string | undefined {
  const parts = resId.split('.');
  if (parts[0] !== 'modules' || parts.length < 2) return undefined;
  return workloads.has(parts[1]!) ? parts[1] : undefined;
}

export const isWorkload = (r: ActiveResource) => r.type === 'workload' && r.res_id.startsWith('modules.');

/** Active resources with their context: app, env, workload (when it exists), their graph node's dependencies. */
export function enrichResources(app: string, env: string, resources: ActiveResource[], nodes: GraphNode[]): Record<string, unknown>[] {
  const workloads = new Set(resources.filter(isWorkload).map((r) => r.res_id.split('.')[1]!));
  const byGuresid = new Map(nodes.map((n) => [n.guresid, n]));
  return resources.map((r) => {
    const workload = workloadOf(r.res_id, workloads);
    const node = byGuresid.get(r.gu_res_id);
    return {
      ...r,
      app_id: app,
      env_id: env,
      ...(workload ? { workload } : {}),
      ...(node ? { graph: { depends_on: node.depends_on, resource_schema: node.resource_schema ?? null } } : {}),
    };
  });
}

export function createHumanitecConnector(integration: IntegrationOf<'humanitec'>, env: NodeJS.ProcessEnv, fetch?: typeof globalThis.fetch): Connector {
  const { orgId, apiUrl, apiKeyEnv, readConcurrency = DEFAULT_READ_CONCURRENCY, pageSize } = integration.options;
  const client = new HumanitecClient({ apiUrl, orgId, apiKey: env[apiKeyEnv] ?? '', readConcurrency, pageSize, ...(fetch ? { fetch } : {}) });
  /** Apps per page of the app walks: one batch read concurrently. */
  const appsPerPage = readConcurrency;

  // The org's apps (with their env ids), shared by the pages of all kinds of one run for a short while.
  // The cursor never depends on it: it names the last app done, so a list that changed between pages (or
  // a retry on another worker) neither skips nor repeats an app that exists throughout the run.
  // The application kind (the first of every full run) always reads a fresh list and leaves it here for
  // the walks after it: from a cached list it would produce an app deleted since, which then is never
  // deleted in Port (its entities would be, its own entity kept as produced). Another run never takes it:
  // a list from before a webhook refresh wrote a new env's entities would leave them out of this run,
  // which would then delete them as stale.
  let appList: { run: string; at: number; apps: Promise<Application[]> } | undefined;
  const listApps = (signal: AbortSignal, run: string, fresh = false): Promise<Application[]> => {
    if (fresh || !appList || appList.run !== run || Date.now() - appList.at > APP_LIST_TTL_MS) {
      const apps = client.listApps(signal).then((list) => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
      appList = { run, at: Date.now(), apps };
      apps.catch(() => {
        if (appList?.apps === apps) appList = undefined;
      });
    }
    return appList.apps;
  };

  // Answers a later kind needs again, handed over instead of read twice (handOver.ts): each app's env
  // list (environment reads it fresh, as it produces the env entities; resourceGraph and resource only
  // need each env's current graph id), each env's active resources (workload -> resource) and each
  // deployed env's graph (resourceGraph -> resource). At 40k entities that is 2,200 fewer requests.
  const envLists = new HandOver<Environment[]>(HAND_OVER_TTL_MS);
  const activeResources = new HandOver<ActiveResource[]>(HAND_OVER_TTL_MS);
  const envGraphs = new HandOver<DependencyGraph>(HAND_OVER_TTL_MS);

  /**
   * The scope's app, its envs limited to the scope's env (which must exist), from a fresh app list: a
   * webhook's env may be seconds old. (GET apps/{appId} would do for the app alone, but the list also
   * says which envs exist, in one request.)
   */
  const scopedApp = async (scope: { app: string; env?: string }, signal: AbortSignal): Promise<Application> => {
    const app = (await client.listApps(signal)).find((a) => a.id === scope.app);
    if (!app) throw ApplicationFailure.nonRetryable(`humanitec: no app "${scope.app}" in org "${orgId}"`, 'NotFound');
    if (scope.env === undefined) return app;
    const envs = app.envs.filter((e) => e.id === scope.env);
    if (envs.length === 0) {
      throw ApplicationFailure.nonRetryable(`humanitec: app "${scope.app}" has no environment "${scope.env}"`, 'NotFound');
    }
    return { ...app, envs };
  };

  /** Whether an app (or one of its envs) listed earlier is gone now, by a fresh app list. */
  const gone = async (app: string, env: string | undefined, signal: AbortSignal): Promise<boolean> => {
    const found = (await client.listApps(signal)).find((a) => a.id === app);
    return !found || (env !== undefined && !found.envs.some((e) => e.id === env));
  };

  /**
   * A 404 for an object of an app or env listed a moment ago means it is gone only if a fresh app list
   * no longer has that app or env; then it has no items. Any other failure fails the page: never an
   * empty list for a fetch that did not work.
   */
  const unlessGone = async <T>(read: () => Promise<T[]>, app: string, env: string | undefined, signal: AbortSignal): Promise<T[]> => {
    try {
      return await read();
    } catch (err) {
      if (is404(err) && (await gone(app, env, signal))) return [];
      throw err;
    }
  };

  /** The items of one kind for one app (and, in an env scope, only that env). */
  const appItems = async (kind: HumanitecKind, app: Application, envOnly: string | undefined, signal: AbortSignal, run: string): Promise<unknown[]> => {
    const perEnv = <T>(envIds: string[], read: (env: string, signal: AbortSignal) => Promise<T[]>) =>
      allOrAbort(
        signal,
        envIds.map((env) => (s: AbortSignal) => unlessGone(() => read(env, s), app.id, env, s)),
      ).then((lists) => lists.flat());
    const envIds = app.envs.map((e) => e.id);
    // Hand-over keys: the keeping kind and the taking kind must build the same one.
    const appKey = `${run}|${app.id}`;
    const envKey = (env: string) => `${appKey}/${env}`;
    const graphKey = (env: string, graph: string) => `${envKey(env)}/${graph}`;
    const listEnvs = (s: AbortSignal) =>
      kind === 'environment' ? envLists.keep(appKey, 2, () => client.listEnvs(app.id, s)) : envLists.take(appKey, () => client.listEnvs(app.id, s));
    const envs = async (s: AbortSignal) => (await unlessGone(() => listEnvs(s), app.id, undefined, s)).filter((e) => !envOnly || e.id === envOnly);

    switch (kind) {
      case 'environment':
        return (await envs(signal)).map((e) => ({ ...e, app_id: app.id }));
      case 'workload':
        return perEnv(envIds, async (env, s) =>
          (await activeResources.keep(envKey(env), 1, () => client.listActiveResources(app.id, env, s)))
            .filter(isWorkload)
            .map((r) => ({ ...r, app_id: app.id, env_id: env })),
        );
      case 'resourceGraph': {
        const graphs = (await envs(signal)).flatMap((e) => (e.last_deploy?.dependency_graph_id ? [{ env: e.id, graph: e.last_deploy.dependency_graph_id }] : []));
        const byEnv = new Map(graphs.map((g) => [g.env, g.graph]));
        return perEnv(
          graphs.map((g) => g.env),
          async (env, s) => {
            const graph = byEnv.get(env)!;
            return (await envGraphs.keep(graphKey(env, graph), 1, () => client.getDependencyGraph(app.id, env, graph, s))).nodes.map((n) => ({ ...n, app_id: app.id, env_id: env }));
          },
        );
      }
      case 'resource': {
        const graphOf = new Map((await envs(signal)).map((e) => [e.id, e.last_deploy?.dependency_graph_id ?? undefined]));
        return perEnv(envIds, async (env, s) => {
          const graphId = graphOf.get(env);
          const [resources, graph] = await Promise.all([
            activeResources.take(envKey(env), () => client.listActiveResources(app.id, env, s)),
            graphId ? envGraphs.take(graphKey(env, graphId), () => client.getDependencyGraph(app.id, env, graphId, s)) : Promise.resolve(undefined),
          ]);
          return enrichResources(app.id, env, resources, graph?.nodes ?? []);
        });
      }
      case 'sharedValue': {
        // App values once ({app}/{key}); per env only what the env overrides: GET …/envs/{env}/values
        // repeats every app value with source "app", which the script wrote again as {app}/{env}/{key}.
        const [appValues, envValues] = await Promise.all([
          envOnly ? Promise.resolve([]) : unlessGone(() => client.listAppValues(app.id, signal), app.id, undefined, signal),
          perEnv(envIds, async (env, s) => (await client.listEnvValues(app.id, env, s)).filter((v) => v.source === 'env').map((v) => ({ ...v, app_id: app.id, env_id: env }))),
        ]);
        return [...appValues.map((v) => ({ ...v, app_id: app.id })), ...envValues];
      }
      case 'valueSetVersion':
        return (await unlessGone(() => client.listValueSetVersions(app.id, signal), app.id, undefined, signal)).map((v) => ({ ...v, app_id: app.id }));
      case 'deploymentSet':
        return (await unlessGone(() => client.listSets(app.id, signal), app.id, undefined, signal)).map((s) => ({ ...s, app_id: app.id }));
      case 'deploymentDelta':
        return (await unlessGone(() => client.listDeltas(app.id, signal, envOnly), app.id, undefined, signal)).map((d) => ({ ...d, app_id: app.id }));
      default:
        throw new Error(`humanitec: kind "${kind}" is not read per app`);
    }
  };

  /** Which apps a page of an app walk holds, and the cursor after it: known from the app list alone. */
  const planAppPage = async (cursor: { after: string } | undefined, signal: AbortSignal, run: string, scope?: { app: string; env?: string }) => {
    const apps = scope ? [await scopedApp(scope, signal)] : await listApps(signal, run);
    const start = cursor ? apps.findIndex((a) => a.id > cursor.after) : 0;
    const batch = start < 0 ? [] : apps.slice(start, start + appsPerPage);
    const last = batch.at(-1);
    const more = start >= 0 && start + appsPerPage < apps.length;
    return { batch, next: more && last ? last.id : undefined };
  };

  /** One page of an app walk: the next `appsPerPage` apps after the cursor's, read concurrently. */
  const readAppPage = async (kind: HumanitecKind, plan: ReturnType<typeof planAppPage>, signal: AbortSignal, run: string, scope?: { app: string; env?: string }): Promise<Page> => {
    const { batch, next } = await plan;
    const lists = await allOrAbort(signal, batch.map((app) => (s: AbortSignal) => appItems(kind, app, scope?.env, s, run)));
    let items = lists.flat();
    // Graph nodes are global (guresid): an env that shares one with another lists it again.
    if (kind === 'resourceGraph') items = dedupe(items as Array<{ guresid: string }>, (n) => n.guresid);
    return next ? { items, next: JSON.stringify({ after: next }) } : { items };
  };

  // Read-ahead: while the engine maps, diffs and writes a page of an app walk, the next pages are read
  // (their requests take slots of the same semaphore, so `readConcurrency` still bounds all requests;
  // up to READ_AHEAD_PAGES pages, read side by side, keep it busy across the end of a page). Per walk (kind and scope), each page used once,
  // by the next fetch of its cursor on this worker, dropped after APP_LIST_TTL_MS. A read-ahead that
  // failed is read again under the activity's own signal.
  type Ahead = { after: string; controller: AbortController; page: Promise<Page>; next: Promise<string | undefined> };
  const readAhead = new Map<string, Ahead[]>();
  const walkOf = (kind: HumanitecKind, scope?: { app: string; env?: string }) => JSON.stringify([kind, scope?.app, scope?.env]);
  const drop = (walk: string, entries: Ahead[]) => {
    const queue = readAhead.get(walk) ?? [];
    for (const entry of entries) {
      entry.controller.abort();
      queue.splice(queue.indexOf(entry), 1);
    }
    if (queue.length === 0) readAhead.delete(walk);
  };
  const readAheadFrom = (kind: HumanitecKind, after: string, run: string, scope?: { app: string; env?: string }) => {
    const walk = walkOf(kind, scope);
    const queue = readAhead.get(walk) ?? [];
    if (queue.length >= READ_AHEAD_PAGES || queue.some((e) => e.after === after)) return;
    const controller = new AbortController();
    const plan = planAppPage({ after }, controller.signal, run, scope);
    const entry: Ahead = { after, controller, page: readAppPage(kind, plan, controller.signal, run, scope), next: plan.then((p) => p.next) };
    // Handled where the page is used; a page dropped unused (or aborted) must not be an unhandled rejection.
    entry.page.catch(() => undefined);
    queue.push(entry);
    readAhead.set(walk, queue);
    continueAfter(kind, run, scope, entry);
    setTimeout(() => {
      if (readAhead.get(walk)?.includes(entry)) drop(walk, [entry]);
    }, APP_LIST_TTL_MS).unref();
  };

  /**
   * Reads ahead the page after `entry` while the walk is still `READ_AHEAD_PAGES` short. It starts as soon
   * as its cursor is known (from the app list), not when `entry` is read: pages overlap, so the slots stay
   * busy across the tail of each page; the semaphore serves requests in order, so the earliest page still
   * goes first.
   */
  const continueAfter = (kind: HumanitecKind, run: string, scope: { app: string; env?: string } | undefined, entry: Ahead) => {
    void entry.next.then(
      (next) => {
        if (next && readAhead.get(walkOf(kind, scope))?.includes(entry)) readAheadFrom(kind, next, run, scope);
      },
      () => undefined,
    );
  };

  const appWalk = async (kind: HumanitecKind, cursor: Cursor | undefined, signal: AbortSignal, run: string, scope?: { app: string; env?: string }): Promise<Page> => {
    if (cursor && !('after' in cursor)) throw ApplicationFailure.nonRetryable(`humanitec: kind "${kind}": cursor is not an app cursor`, 'InvalidCursor');
    const walk = walkOf(kind, scope);
    const queue = readAhead.get(walk) ?? [];
    const found = cursor ? queue.find((e) => e.after === cursor.after) : undefined;
    // Pages read ahead of another position of this walk are of no use any more.
    drop(walk, queue.slice(0, found ? queue.indexOf(found) : queue.length));
    let page: Page | undefined;
    if (found) {
      const rest = readAhead.get(walk)!;
      rest.splice(rest.indexOf(found), 1);
      if (rest.length === 0) readAhead.delete(walk);
      page = await untilAborted(found.page, signal).catch((err: unknown) => {
        if (signal.aborted) throw err;
        return undefined;
      });
    }
    page ??= await readAppPage(kind, planAppPage(cursor, signal, run, scope), signal, run, scope);
    if (page.next) readAheadFrom(kind, (JSON.parse(page.next) as { after: string }).after, run, scope);
    const last = readAhead.get(walk)?.at(-1);
    if (last) continueAfter(kind, run, scope, last);
    return page;
  };

  const pipelines = async (cursor: Cursor | undefined, signal: AbortSignal, run: string, scope?: { app: string }): Promise<Page> => {
    if (cursor && !('page' in cursor)) throw ApplicationFailure.nonRetryable('humanitec: kind "pipeline": cursor is not a page cursor', 'InvalidCursor');
    const [page, apps] = await Promise.all([
      client.listPipelines(signal, cursor?.page, scope?.app),
      scope ? scopedApp(scope, signal).then((a) => [a]) : listApps(signal, run),
    ]);
    const names = new Map(apps.map((a) => [a.id, a.name]));
    const items = page.items.map((p) => ({ ...p, ...(names.has(p.app_id) ? { app_name: names.get(p.app_id) } : {}) }));
    return page.next ? { items, next: JSON.stringify({ page: page.next }) } : { items };
  };

  const users = async (signal: AbortSignal): Promise<unknown[]> => {
    const members = await client.listUsers(signal);
    const groups = members.filter((m) => m.type === 'group');
    const memberships = await allOrAbort(
      signal,
      groups.map((g) => async (s: AbortSignal) => ({ group: g.id, users: await client.listGroupUsers(g.id, s) })),
    );
    const groupsOf = new Map<string, string[]>();
    for (const { group, users: list } of memberships) {
      for (const u of list) groupsOf.set(u.id, [...(groupsOf.get(u.id) ?? []), group]);
    }
    return members.filter((m) => m.type === 'user').map((u) => ({ ...u, groups: [...new Set(groupsOf.get(u.id) ?? [])].sort() }));
  };

  const fetchKindPage = async (kind: string, cursorText: string | undefined, signal: AbortSignal, sourceScope: SourceScope | undefined, run: string): Promise<Page> => {
    if (!(HUMANITEC_KINDS as readonly string[]).includes(kind)) {
      throw ApplicationFailure.nonRetryable(`humanitec: no kind "${kind}" (kinds: ${HUMANITEC_KINDS.join(', ')})`, 'UnknownKind');
    }
    const k = kind as HumanitecKind;
    const cursor = parseCursor(kind, cursorText);
    let scope: { app: string; env?: string } | undefined;
    if (sourceScope) {
      try {
        scope = readScope(sourceScope);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`humanitec: ${(err as Error).message}`, 'UnknownScope');
      }
      if (!planHumanitecScope(sourceScope).kinds.includes(k)) {
        throw ApplicationFailure.nonRetryable(`humanitec: kind "${kind}" is not part of a run scoped to ${JSON.stringify(sourceScope)}`, 'UnknownScope');
      }
    }
    switch (k) {
      case 'application':
        return { items: scope ? [await scopedApp(scope, signal)] : await listApps(signal, run, true) };
      case 'secretStore':
        return { items: await client.listSecretStores(signal) };
      case 'pipeline':
        return pipelines(cursor, signal, run, scope);
      case 'group':
        return { items: (await client.listUsers(signal)).filter((m) => m.type === 'group') };
      case 'user':
        return { items: await users(signal) };
      default:
        return appWalk(k, cursor, signal, run, scope);
    }
  };

  return {
    api: HUMANITEC_API,
    kinds: () => [...HUMANITEC_KINDS],
    defaultMapping: DEFAULT_MAPPING,
    blueprints: HUMANITEC_BLUEPRINTS,
    planScope: planHumanitecScope,
    // The kinds that take env lists, active resources and graphs from an earlier kind (handOver.ts) run after it.
    readsAfter: { resourceGraph: ['environment'], resource: ['environment', 'workload', 'resourceGraph'] },

    fetchPage(kind, cursorText, signal, sourceScope, run = '', isUrgent = false) {
      // Its requests, and those of the pages it reads ahead, go first in the read slots.
      return urgent.run(isUrgent, () => fetchKindPage(kind, cursorText, signal, sourceScope, run));
    },

    async applyEvent(event): Promise<EventOutcome> {
      const data = z.object({ app: z.string().regex(HUMANITEC_ID), env: z.string().regex(HUMANITEC_ID) }).safeParse(event.data);
      if (!data.success) {
        throw ApplicationFailure.nonRetryable(`humanitec: event ${event.deliveryId} has no valid app and env`, 'InvalidEvent');
      }
      const { app, env: envId } = data.data;
      // A deleted env cannot be re-read on its own: its app's run lists the envs left and may delete
      // the env's entities (under the app's prefix and the usual safety rules).
      if (event.type === 'environment.deleted') return { refresh: { app } };
      return { refresh: { app, env: envId } };
    },
  };
}

/** `promise`, or the signal's reason once it is aborted first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

function dedupe<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
