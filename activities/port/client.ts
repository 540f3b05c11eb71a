// Port's REST API (https://api.getport.io/v1, or PORT_API_URL): one method per route, one request per
// call, every answer checked with schemas.ts. Tokens are cached per credential for the process
// (auth.ts); requests are paced per organisation and Port's route family (each family has its own
// budget at Port); the User-Agent marks what this integration writes (ownership.ts).
import { HTTPError, type KyInstance, type Options } from 'ky';
import type { z } from 'zod';
import { DEFAULT_PORT_API_URL } from '../../config/schema';
import { registerSecret } from '../../worker/logger';
import { apiClient, requestJson } from '../http/client';
import { accountOf } from '../http/rateLimit';
import { parseRequest } from '../http/parse';
import { idempotentPost, type RetryPolicy } from '../http/retry';
import { credentialKey, PortTokens } from './auth';
import { ownerMark, userAgent } from './ownership';
import {
  actionRunLogResponseSchema,
  actionRunLogSchema,
  actionRunPatchSchema,
  actionRunResponseSchema,
  blueprintBodySchema,
  blueprintResponseSchema,
  bulkDeleteRequestSchema,
  bulkDeleteResponseSchema,
  bulkUpsertResponseSchema,
  entitiesCountResponseSchema,
  entityBodySchema,
  entityResponseSchema,
  okResponseSchema,
  searchRequestSchema,
  searchResponseSchema,
  tokenRequestSchema,
  tokenResponseSchema,
  type ActionRunLog,
  type ActionRunPatch,
  type Blueprint,
  type BlueprintBody,
  type BulkUpsertResponse,
  type EntityBody,
  type PortEntity,
  type SearchRequest,
  type SearchRule,
} from './schemas';

const API = 'port';

/** Port's rate-limit families (docs.port.io/api-reference/rate-limits): each has its own budget. */
type Family = 'auth' | 'blueprints' | 'entities' | 'entities-search' | 'entity-upsert' | 'entities-bulk-upsert' | 'other';

export interface PortClientOptions {
  /** PORT_API_URL; default the EU region (https://api.port.io); US: https://api.us.port.io; legacy api.getport.io hosts too. */
  apiUrl?: string;
  clientId: string;
  clientSecret: string;
  /** The port-sync integration id: it goes into the User-Agent, which marks ownership. */
  integrationId: string;
  /** Default: port-sync's package version. */
  version?: string;
  timeoutMs?: number;
  retryPolicy?: Partial<RetryPolicy>;
}

export interface WriteOptions {
  merge: boolean;
  createMissingRelatedEntities: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  deleteDependents: boolean;
  signal?: AbortSignal;
}

/** Path segment: identifiers may hold `/`, `:`, `\`, `+`, `=`. */
const seg = encodeURIComponent;

export class PortClient {
  readonly apiUrl: string;
  readonly userAgent: string;
  /** What this instance's writes leave in `$datasource` (ownership.ts). */
  readonly ownerMark: string;
  private readonly tokens: PortTokens;
  private readonly clients = new Map<Family, KyInstance>();

  constructor(private readonly options: PortClientOptions) {
    this.apiUrl = (options.apiUrl ?? DEFAULT_PORT_API_URL).replace(/\/+$/, '');
    this.userAgent = userAgent(options.integrationId, options.version);
    this.ownerMark = ownerMark(options.integrationId);
    registerSecret(options.clientSecret);
    const credentials = parseRequest(API, 'credentials', tokenRequestSchema, { clientId: options.clientId, clientSecret: options.clientSecret });
    this.tokens = new PortTokens(credentialKey(this.apiUrl, options.clientId, options.clientSecret), async () => {
      // No Authorization header here: Port's gateway answers 401 to a stale bearer even on this route.
      const token = await requestJson(this.http('auth'), API, 'post', 'v1/auth/access_token', tokenResponseSchema, { json: credentials, ...idempotentPost });
      registerSecret(token.accessToken);
      return { header: `${token.tokenType} ${token.accessToken}`, expiresInSeconds: token.expiresIn };
    });
  }

  // --- blueprints ------------------------------------------------------------------------------------

  /** The blueprint, or undefined when Port has none by that identifier. */
  async getBlueprint(identifier: string, signal?: AbortSignal): Promise<Blueprint | undefined> {
    const answer = await this.orNotFound(this.call('blueprints', 'get', `v1/blueprints/${seg(identifier)}`, blueprintResponseSchema, { signal }));
    return answer?.blueprint;
  }

  async createBlueprint(body: BlueprintBody, signal?: AbortSignal): Promise<Blueprint> {
    const json = parseRequest(API, `blueprint "${body.identifier}"`, blueprintBodySchema, body);
    // No catalog page: port-sync manages data, users decide what the catalog shows.
    const searchParams = { create_catalog_page: 'false' };
    return (await this.call('blueprints', 'post', 'v1/blueprints', blueprintResponseSchema, { json, searchParams, signal })).blueprint;
  }

  /** PATCH merges `schema.properties` and `relations` by key at Port; it removes nothing. */
  async patchBlueprint(identifier: string, patch: Partial<BlueprintBody>, signal?: AbortSignal): Promise<Blueprint> {
    const path = `v1/blueprints/${seg(identifier)}`;
    return (await this.call('blueprints', 'patch', path, blueprintResponseSchema, { json: patch, signal })).blueprint;
  }

  // --- single entities -------------------------------------------------------------------------------

  async getEntity(blueprint: string, identifier: string, signal?: AbortSignal): Promise<PortEntity | undefined> {
    const path = `v1/blueprints/${seg(blueprint)}/entities/${seg(identifier)}`;
    return (await this.orNotFound(this.call('entities', 'get', path, entityResponseSchema, { signal })))?.entity;
  }

  async upsertEntity(blueprint: string, entity: EntityBody, opts: WriteOptions): Promise<PortEntity> {
    const json = parseRequest(API, `entity "${entity.identifier}"`, entityBodySchema, entity);
    const path = `v1/blueprints/${seg(blueprint)}/entities`;
    const answer = await this.call('entity-upsert', 'post', path, entityResponseSchema, { json, searchParams: writeParams(opts), signal: opts.signal, ...idempotentPost });
    return answer.entity;
  }

  /** How many entities the blueprint holds, whoever wrote them (one request, however many there are). */
  async countEntities(blueprint: string, signal?: AbortSignal): Promise<number> {
    const path = `v1/blueprints/${seg(blueprint)}/entities-count`;
    return (await this.call('entities', 'get', path, entitiesCountResponseSchema, { signal })).count;
  }

  /** True when deleted, false when Port had no such entity (404: it is gone either way). */
  async deleteEntity(blueprint: string, identifier: string, opts: DeleteOptions): Promise<boolean> {
    const path = `v1/blueprints/${seg(blueprint)}/entities/${seg(identifier)}`;
    const searchParams = { delete_dependents: String(opts.deleteDependents) };
    return (await this.orNotFound(this.call('entities', 'delete', path, okResponseSchema, { searchParams, signal: opts.signal }))) !== undefined;
  }

  // --- bulk routes: one request each; bulkUpsert.ts and bulkDelete.ts batch and recover -------------

  /** One bulk upsert (≤ 20 entities, ≤ 1 MiB): 200, or 207 with per-item `errors` by `index`. */
  async bulkUpsert(blueprint: string, entities: EntityBody[], opts: WriteOptions): Promise<BulkUpsertResponse> {
    const path = `v1/blueprints/${seg(blueprint)}/entities/bulk`;
    return this.call('entities-bulk-upsert', 'post', path, bulkUpsertResponseSchema, {
      json: { entities },
      searchParams: writeParams(opts),
      signal: opts.signal,
      ...idempotentPost,
    });
  }

  /** One bulk delete (≤ 100 ids). Port fails the whole request if any has dependents and deleteDependents is false. */
  async bulkDelete(blueprint: string, identifiers: string[], opts: DeleteOptions): Promise<string[]> {
    const json = parseRequest(API, 'bulk delete', bulkDeleteRequestSchema, { entities: identifiers });
    const path = `v1/blueprints/${seg(blueprint)}/bulk/entities/delete`;
    const searchParams = { delete_dependents: String(opts.deleteDependents) };
    // Deleting twice deletes nothing more: safe to retry.
    const answer = await this.call('entities', 'post', path, bulkDeleteResponseSchema, { json, searchParams, signal: opts.signal, ...idempotentPost });
    return answer.deletedEntities;
  }

  // --- action runs -----------------------------------------------------------------------------------

  /** Sets a run's status, label, links, summary or external id; setting them twice changes nothing more. */
  async updateActionRun(runId: string, patch: ActionRunPatch, signal?: AbortSignal): Promise<z.output<typeof actionRunResponseSchema>['run']> {
    const json = parseRequest(API, `action run "${runId}"`, actionRunPatchSchema, patch);
    const path = `v1/actions/runs/${seg(runId)}`;
    return (await this.call('other', 'patch', path, actionRunResponseSchema, { json, signal, retry: { methods: ['patch'] } })).run;
  }

  /** Adds a line to a run's log. Not retried once sent: a retry after a lost answer would log the line twice. */
  async addActionRunLog(runId: string, log: ActionRunLog, signal?: AbortSignal): Promise<z.output<typeof actionRunLogResponseSchema>['runLog']> {
    const json = parseRequest(API, `log of action run "${runId}"`, actionRunLogSchema, log);
    const path = `v1/actions/runs/${seg(runId)}/logs`;
    return (await this.call('other', 'post', path, actionRunLogResponseSchema, { json, signal })).runLog;
  }

  // --- search ----------------------------------------------------------------------------------------

  async searchPage(blueprint: string, request: SearchRequest, signal?: AbortSignal): Promise<z.output<typeof searchResponseSchema>> {
    const json = parseRequest(API, 'search', searchRequestSchema, request);
    const path = `v1/blueprints/${seg(blueprint)}/entities/search`;
    return this.call('entities-search', 'post', path, searchResponseSchema, { json, signal, ...idempotentPost });
  }

  /** Every entity of the blueprint matching `rules` (and-combined), page by page (`limit` ≤ 1000). */
  async *search(
    blueprint: string,
    rules: SearchRule[],
    opts: { include?: string[]; exclude?: string[]; limit?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<PortEntity[]> {
    let from: string | undefined;
    do {
      const request: SearchRequest = { query: { combinator: 'and', rules }, limit: opts.limit ?? 1000 };
      if (opts.include) request.include = opts.include;
      if (opts.exclude) request.exclude = opts.exclude;
      if (from) request.from = from;
      const page = await this.searchPage(blueprint, request, opts.signal);
      if (page.entities.length > 0) yield page.entities;
      from = page.next;
    } while (from);
  }

  // --- transport -------------------------------------------------------------------------------------

  /** One ky instance per rate-limit family, all sharing the organisation's key prefix. */
  private http(family: Family): KyInstance {
    let http = this.clients.get(family);
    if (!http) {
      // The credential, hashed, stands for the organisation: the limit key appears in messages.
      http = apiClient(API, {
        prefixUrl: this.apiUrl,
        limitKey: `port:${new URL(this.apiUrl).host}:${accountOf(this.options.clientId)}:${family}`,
        headers: { 'user-agent': this.userAgent },
        timeout: this.options.timeoutMs ?? 30_000,
        retryPolicy: this.options.retryPolicy,
      });
      this.clients.set(family, http);
    }
    return http;
  }

  /** An authenticated request; a 401 drops the token it was refused with and retries once with a new one. */
  private async call<S extends z.ZodType>(family: Family, method: 'get' | 'post' | 'patch' | 'delete', path: string, schema: S, options: Options): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.tokens.header();
      try {
        return await requestJson(this.http(family), API, method, path, schema, { ...options, headers: { authorization } });
      } catch (err) {
        if (attempt > 0 || !(err instanceof HTTPError) || err.response.status !== 401) throw err;
        this.tokens.invalidate(authorization);
      }
    }
  }

  private async orNotFound<T>(request: Promise<T>): Promise<T | undefined> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof HTTPError && err.response.status === 404) return undefined;
      throw err;
    }
  }
}

function writeParams(opts: WriteOptions): Record<string, string> {
  return { upsert: 'true', merge: String(opts.merge), create_missing_related_entities: String(opts.createMissingRelatedEntities) };
}
