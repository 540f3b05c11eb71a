// HTTP client of the Humanitec Platform Orchestrator API: one method per endpoint the sync reads,
// every answer checked against its schema (schemas.ts), `Link: <…>; rel="next"` pagination where the
// API paginates (pipelines), and at most `readConcurrency` requests in flight per client. Retries,
// Retry-After and pacing per org come from apiClient (docs/http.md).
import { AsyncLocalStorage } from 'node:async_hooks';
import { ApplicationFailure } from '@temporalio/common';
import type { KyInstance } from 'ky';
import type { z } from 'zod';
import { apiClient } from '../http/client';
import { parseResponse } from '../http/parse';
import {
  activeResourceSchema,
  applicationSchema,
  dependencyGraphSchema,
  deltaSchema,
  deploymentSetSchema,
  environmentSchema,
  listOf,
  pipelineSchema,
  secretStoreSchema,
  userProfileSchema,
  userRoleSchema,
  valueSchema,
  valueSetVersionSchema,
} from './schemas';

export const HUMANITEC_API = 'humanitec';
/** Largest page the paginated endpoints give (`per_page` 1..100, the API's default 50): our default. */
export const PER_PAGE = 100;

export interface HumanitecClientOptions {
  apiUrl: string;
  orgId: string;
  apiKey: string;
  readConcurrency: number;
  /** `per_page` of paginated lists; default PER_PAGE. */
  pageSize?: number;
  /** For tests: a fetch of their own (the simulator's exchange log, fault injection). */
  fetch?: typeof globalThis.fetch;
}

export interface ListPage<T> {
  items: T[];
  /** The `page` token of the next page, from the `Link` header; absent on the last page. */
  next?: string;
}

/** Requests made under `urgent.run(true, ...)` wait in the front queue of the semaphore. */
export const urgent = new AsyncLocalStorage<boolean>();

/**
 * A counting semaphore: each request holds one slot, so nesting never deadlocks. A freed slot goes to
 * the longest-waiting urgent request (of a kind other kinds wait for), else to the longest-waiting one.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly waitingUrgent: Array<() => void> = [];
  constructor(readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => (urgent.getStore() ? this.waitingUrgent : this.waiting).push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waitingUrgent.shift() ?? this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** The `page` token of the `rel="next"` link of an RFC 8288 `Link` header, if any. */
export function nextPageToken(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = part.match(/^\s*<([^>]*)>(.*)$/);
    if (!match) continue;
    const rels = [...match[2]!.matchAll(/;\s*rel\s*=\s*"?([^";]+)"?/gi)].flatMap((m) => m[1]!.trim().split(/\s+/));
    if (!rels.includes('next')) continue;
    const page = new URL(match[1]!, 'http://link.invalid/').searchParams.get('page');
    // A next link we cannot follow must not end the walk quietly: the rest of the list would be lost.
    if (!page) throw ApplicationFailure.nonRetryable(`humanitec API: a next link without a page token: ${match[1]}`, 'UnexpectedResponse');
    return page;
  }
  return undefined;
}

const seg = encodeURIComponent;

export class HumanitecClient {
  private readonly http: KyInstance;
  private readonly limit: Semaphore;
  private readonly pageSize: number;

  constructor(options: HumanitecClientOptions) {
    this.pageSize = options.pageSize ?? PER_PAGE;
    const base = options.apiUrl.replace(/\/+$/, '');
    this.http = apiClient(HUMANITEC_API, {
      prefixUrl: `${base}/orgs/${seg(options.orgId)}/`,
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
      limitKey: `${HUMANITEC_API}:${new URL(base).host}:${options.orgId}`,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.limit = new Semaphore(options.readConcurrency);
  }

  private get<S extends z.ZodType>(path: string, schema: S, signal: AbortSignal, searchParams?: Record<string, string | number | boolean>) {
    return this.limit.run(async () => {
      const body: unknown = await this.http.get(path, { signal, ...(searchParams ? { searchParams } : {}) }).json();
      return parseResponse(HUMANITEC_API, 'get', `/${path}`, schema, body);
    });
  }

  /** One page of a paginated list (`per_page`/`page`, `Link` header). */
  private getPage<S extends z.ZodType>(path: string, item: S, signal: AbortSignal, page?: string): Promise<ListPage<z.output<S>>> {
    return this.limit.run(async () => {
      const searchParams: Record<string, string | number> = { per_page: this.pageSize };
      if (page) searchParams.page = page;
      const res = await this.http.get(path, { signal, searchParams });
      const body: unknown = await res.json();
      const items = parseResponse(HUMANITEC_API, 'get', `/${path}`, listOf(item), body);
      const next = nextPageToken(res.headers.get('link'));
      return next ? { items, next } : { items };
    });
  }

  listApps(signal: AbortSignal) {
    return this.get('apps', listOf(applicationSchema), signal);
  }

  getApp(app: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}`, applicationSchema, signal);
  }

  listEnvs(app: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/envs`, listOf(environmentSchema), signal);
  }

  getEnv(app: string, env: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/envs/${seg(env)}`, environmentSchema, signal);
  }

  listActiveResources(app: string, env: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/envs/${seg(env)}/resources`, listOf(activeResourceSchema), signal);
  }

  getDependencyGraph(app: string, env: string, graphId: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/envs/${seg(env)}/resources/graphs/${seg(graphId)}`, dependencyGraphSchema, signal);
  }

  listSecretStores(signal: AbortSignal) {
    return this.get('secretstores', listOf(secretStoreSchema), signal);
  }

  listAppValues(app: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/values`, listOf(valueSchema), signal);
  }

  /** The app's values with this env's overrides applied (`source` says which is which). */
  listEnvValues(app: string, env: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/envs/${seg(env)}/values`, listOf(valueSchema), signal);
  }

  listValueSetVersions(app: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/value-set-versions`, listOf(valueSetVersionSchema), signal);
  }

  listSets(app: string, signal: AbortSignal) {
    return this.get(`apps/${seg(app)}/sets`, listOf(deploymentSetSchema), signal);
  }

  /** Non-archived deltas of the app (the API's default), optionally only those of one env. */
  listDeltas(app: string, signal: AbortSignal, env?: string) {
    return this.get(`apps/${seg(app)}/deltas`, listOf(deltaSchema), signal, env ? { env } : undefined);
  }

  /** One page of the org's pipelines, or of one app's. */
  listPipelines(signal: AbortSignal, page?: string, app?: string) {
    return this.getPage(app ? `apps/${seg(app)}/pipelines` : 'pipelines', pipelineSchema, signal, page);
  }

  /** Every page of a paginated list, following `rel="next"`. */
  async *allPipelines(signal: AbortSignal, app?: string) {
    let page: string | undefined;
    do {
      const result = await this.listPipelines(signal, page, app);
      yield* result.items;
      page = result.next;
    } while (page);
  }

  /** Members of the org: users, groups, service users and system subjects. */
  listUsers(signal: AbortSignal) {
    return this.get('users', listOf(userRoleSchema), signal);
  }

  listGroupUsers(groupId: string, signal: AbortSignal) {
    return this.get(`groups/${seg(groupId)}/users`, listOf(userProfileSchema), signal);
  }
}
