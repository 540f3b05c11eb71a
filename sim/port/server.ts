// A local stand-in for Port's REST API (api.getport.io/v1): auth, blueprints, entities, search and
// bulk routes with Port's status codes, error envelope, rate-limit headers and undocumented
// $datasource. Tests, benchmarks and `port-sync dev` point PORT_API_URL here. Fault knobs make it
// misbehave the ways the real API does (429 storms, resets, slow answers, 503s).
import { randomBytes } from 'node:crypto';
import { SimServer, type SimRequest, type SimResponse } from '../http';
import { ActionRuns } from './actionRuns';
import { injectFault, noFaults, RecordingSim, type TrafficFaults } from '../traffic';
import { Tokens } from './auth';
import { present, selector } from './present';
import { familyOf, RateLimiter } from './rateLimit';
import { compile, identifierCandidates, type Rule } from './search';
import { Store, type WriteOptions } from './store';
import { envelope, invalid, PortError, type Blueprint, type BlueprintBody, type SimEntity } from './types';

export type { Blueprint, BlueprintBody, SimEntity } from './types';

export interface PortSimOptions {
  clientId?: string;
  clientSecret?: string;
  /** Default 10800 (3 h). */
  tokenTtlSeconds?: number;
  /** Port's per-window budgets × scale, over windowSeconds (default 300); default false (no limits). */
  rateLimits?: { scale: number; windowSeconds?: number } | false;
}

export type PortFaults = TrafficFaults;

export type { RecordedExchange } from '../traffic';

/** Port's body limit on every route. */
export const MAX_BODY_BYTES = 1024 * 1024;
const DIRECT_ACTOR = 'sim-direct-write';

interface Context {
  clientId: string;
  userAgent?: string;
}

type PortHandler = (req: SimRequest, ctx: Context) => SimResponse;

export class PortSim extends RecordingSim {
  readonly credentials: { clientId: string; clientSecret: string };
  tokensIssued = 0;
  faults: PortFaults = noFaults();
  /** Self-service action runs: tests start them (`actionRuns.start`), CI commands report on them. */
  readonly actionRuns = new ActionRuns();
  private readonly store = new Store();
  private readonly tokens: Tokens;
  private readonly limiter?: RateLimiter;

  constructor(options: PortSimOptions = {}) {
    super(new SimServer({ maxBodyBytes: MAX_BODY_BYTES, errorBody: (_status, error, message) => envelope(error, message) }));
    this.credentials = { clientId: options.clientId ?? 'sim-client-id', clientSecret: options.clientSecret ?? 'sim-client-secret' };
    this.tokens = new Tokens(options.tokenTtlSeconds ?? 10_800);
    if (options.rateLimits) this.limiter = new RateLimiter(options.rateLimits.scale, options.rateLimits.windowSeconds ?? 300);
    this.routes();
  }

  // --- direct access for tests --------------------------------------------------------------------

  blueprint(id: string): Blueprint | undefined {
    const bp = this.store.blueprints.get(id);
    return bp && structuredClone(bp);
  }

  entities(blueprint: string): SimEntity[] {
    if (!this.store.blueprints.has(blueprint)) return [];
    return [...this.store.entities(blueprint).values()].map((e) => structuredClone(e));
  }

  entity(blueprint: string, identifier: string): SimEntity | undefined {
    const e = this.store.entity(blueprint, identifier);
    return e && structuredClone(e);
  }

  /** Creates or replaces a blueprint without HTTP (validated like POST/PUT). */
  putBlueprint(bp: BlueprintBody): void {
    const body = structuredClone(bp);
    if (this.store.blueprints.has(bp.identifier)) this.store.replaceBlueprint(bp.identifier, body, DIRECT_ACTOR);
    else this.store.createBlueprint(body, DIRECT_ACTOR);
  }

  /**
   * Writes an entity as someone else would (the UI, another integration): validated, replaces the
   * whole entity. `meta.datasource` is that writer's User-Agent (added to $datasource); `meta.updatedAt`
   * backdates the write.
   */
  putEntity(
    blueprint: string,
    entity: { identifier: string; title?: string; properties?: Record<string, unknown>; relations?: Record<string, string | string[] | null>; team?: string | string[]; icon?: string },
    meta: { datasource?: string; updatedAt?: string } = {},
  ): void {
    const opts: WriteOptions = { upsert: true, merge: false, createMissingRelatedEntities: false, actor: DIRECT_ACTOR, userAgent: meta.datasource };
    const { entity: stored } = this.store.upsertEntity(blueprint, structuredClone(entity), opts);
    if (meta.updatedAt) stored.updatedAt = meta.updatedAt;
  }

  /** Deletes an entity without HTTP; throws if others relate to it (delete those first). */
  deleteEntityDirect(blueprint: string, identifier: string): void {
    this.store.deleteEntities(blueprint, [identifier], false);
  }

  /** Every token issued so far stops working; the next request with one gets 401. */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  // --- plumbing ---------------------------------------------------------------------------------------

  /** Registers a route behind faults, auth (unless `open`), rate limits and Port's error envelope. */
  private on(method: string, route: string, handler: PortHandler, open = false) {
    const family = familyOf(method, route);
    this.http.route(method, route, async (req) => {
      const fault = await injectFault(this.faults, () => envelope('rate_limit_exceeded', 'Too many requests (injected)'));
      if (fault) return fault;
      const headers: Record<string, string> = { 'x-trace-id': randomBytes(8).toString('hex') };
      const answer = (status: number, body: unknown): SimResponse => ({ status, body, headers });
      let clientId = '';
      if (!open) {
        const who = this.tokens.verify(req.headers.authorization);
        if (!who) return answer(401, envelope('unauthorized', 'Missing, invalid or expired access token'));
        clientId = who;
      }
      if (this.limiter) {
        const decision = this.limiter.take(family);
        Object.assign(headers, decision.headers);
        if (!decision.allowed) return answer(429, envelope('rate_limit_exceeded', `Rate limit of ${decision.headers['x-ratelimit-limit']} requests per ${decision.headers['x-ratelimit-period']} s exceeded for ${family}`));
      }
      try {
        const ua = req.headers['user-agent'];
        const reply = handler(req, { clientId, userAgent: typeof ua === 'string' && ua ? ua : undefined });
        return { ...reply, headers: { ...headers, ...reply.headers } };
      } catch (err) {
        if (err instanceof PortError) return answer(err.status, envelope(err.error, err.message));
        throw err;
      }
    });
  }

  private routes() {
    this.on('POST', '/v1/auth/access_token', ({ body }) => {
      const b = body as Record<string, unknown> | undefined;
      if (typeof b !== 'object' || b === null || typeof b.clientId !== 'string' || typeof b.clientSecret !== 'string') {
        throw invalid('body must have required properties \'clientId\' and \'clientSecret\' (strings)');
      }
      const extra = Object.keys(b).find((k) => k !== 'clientId' && k !== 'clientSecret');
      if (extra) throw invalid(`body must NOT have additional properties ("${extra}")`);
      if (b.clientId !== this.credentials.clientId || b.clientSecret !== this.credentials.clientSecret) {
        return { status: 401, body: envelope('unauthorized', 'Invalid client credentials') };
      }
      const token = this.tokens.issue(b.clientId);
      this.tokensIssued += 1;
      return { status: 200, body: { ok: true, ...token, tokenType: 'Bearer' } };
    }, true);

    // Blueprints
    this.on('GET', '/v1/blueprints', () => ({ status: 200, body: { ok: true, blueprints: [...this.store.blueprints.values()] } }));
    this.on('GET', '/v1/blueprints/:identifier', ({ params }) => ({ status: 200, body: { ok: true, blueprint: this.store.blueprint(params.identifier!) } }));
    this.on('POST', '/v1/blueprints', ({ body }, ctx) => ({ status: 201, body: { ok: true, blueprint: this.store.createBlueprint(body, ctx.clientId) } }));
    this.on('PUT', '/v1/blueprints/:identifier', ({ params, body }, ctx) => ({ status: 200, body: { ok: true, blueprint: this.store.replaceBlueprint(params.identifier!, body, ctx.clientId) } }));
    this.on('PATCH', '/v1/blueprints/:identifier', ({ params, body }, ctx) => ({ status: 200, body: { ok: true, blueprint: this.store.patchBlueprint(params.identifier!, body ?? {}, ctx.clientId) } }));
    this.on('DELETE', '/v1/blueprints/:identifier', ({ params }) => {
      this.store.deleteBlueprint(params.identifier!);
      return { status: 200, body: { ok: true } };
    });

    // Action runs
    this.on('PATCH', '/v1/actions/runs/:runId', ({ params, body }) => ({ status: 200, body: { ok: true, run: this.actionRuns.update(params.runId!, body) } }));
    this.on('POST', '/v1/actions/runs/:runId/logs', ({ params, body }, ctx) => ({ status: 201, body: { ok: true, runLog: this.actionRuns.addLog(params.runId!, body, ctx.clientId) } }));

    // Entities
    const writeOptions = (query: URLSearchParams, ctx: Context, upsertRequired: boolean): WriteOptions => ({
      upsert: flag(query, 'upsert', upsertRequired),
      merge: flag(query, 'merge'),
      createMissingRelatedEntities: flag(query, 'create_missing_related_entities'),
      actor: ctx.clientId,
      userAgent: ctx.userAgent,
    });

    this.on('POST', '/v1/blueprints/:blueprint/entities/bulk', ({ params, query, body }, ctx) => {
      const opts = writeOptions(query, ctx, true);
      this.store.blueprint(params.blueprint!);
      const items = (body as { entities?: unknown } | undefined)?.entities;
      if (!Array.isArray(items)) throw invalid('body must have required property \'entities\'');
      if (items.length < 1 || items.length > 20) throw invalid(`entities must have 1 to 20 items (got ${items.length})`);
      const entities: Array<{ created: boolean; identifier: string; index: number; additionalData: Record<string, unknown> }> = [];
      const errors: Array<{ identifier: string; index: number; statusCode: number; error: string; message: string }> = [];
      items.forEach((item, index) => {
        try {
          const { entity, created } = this.store.upsertEntity(params.blueprint!, item, opts);
          entities.push({ created, identifier: entity.identifier, index, additionalData: {} });
        } catch (err) {
          if (!(err instanceof PortError)) throw err;
          const id = (item as { identifier?: unknown } | null)?.identifier;
          errors.push({ identifier: typeof id === 'string' ? id : 'unknown', index, statusCode: err.status, error: err.error, message: err.message });
        }
      });
      return { status: errors.length > 0 ? 207 : 200, body: { ok: true, entities, errors } };
    });

    this.on('POST', '/v1/blueprints/:blueprint/entities/search', ({ params, body }) => ({ status: 200, body: this.search(params.blueprint!, body ?? {}) }));

    this.on('POST', '/v1/blueprints/:blueprint/bulk/entities/delete', ({ params, query, body }) => {
      const deleteDependents = flag(query, 'delete_dependents', true);
      this.store.blueprint(params.blueprint!);
      const ids = (body as { entities?: unknown } | undefined)?.entities;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw invalid('body/entities must be an array of identifiers');
      if (ids.length < 1 || ids.length > 100) throw invalid(`entities must have 1 to 100 items (got ${ids.length})`);
      return { status: 200, body: { ok: true, deletedEntities: this.store.deleteEntities(params.blueprint!, ids, deleteDependents) } };
    });

    this.on('DELETE', '/v1/blueprints/:blueprint/all-entities', ({ params, query }) => {
      const ids = [...this.store.entities(params.blueprint!).keys()];
      if (ids.length > 0) this.store.deleteEntities(params.blueprint!, ids, false);
      if (flag(query, 'delete_blueprint')) this.store.deleteBlueprint(params.blueprint!);
      return { status: 200, body: { ok: true } };
    });

    this.on('POST', '/v1/blueprints/:blueprint/entities', ({ params, query, body }, ctx) => {
      const { entity } = this.store.upsertEntity(params.blueprint!, body ?? {}, writeOptions(query, ctx, true));
      return { status: 201, body: { ok: true, entity: present(entity) } };
    });

    this.on('GET', '/v1/blueprints/:blueprint/entities', ({ params }) => ({
      status: 200,
      body: { ok: true, entities: [...this.store.entities(params.blueprint!).values()].map(present) },
    }));

    this.on('GET', '/v1/blueprints/:blueprint/entities-count', ({ params }) => {
      this.store.blueprint(params.blueprint!);
      return { status: 200, body: { ok: true, count: this.store.entities(params.blueprint!).size } };
    });

    this.on('GET', '/v1/blueprints/:blueprint/entities/:entity', ({ params }) => {
      this.store.blueprint(params.blueprint!);
      const e = this.store.entity(params.blueprint!, params.entity!);
      if (!e) throw new PortError(404, 'not_found', `Entity with identifier "${params.entity}" was not found in blueprint "${params.blueprint}"`);
      return { status: 200, body: { ok: true, entity: present(e) } };
    });

    this.on('PATCH', '/v1/blueprints/:blueprint/entities/:entity', ({ params, query, body }, ctx) => {
      const e = this.store.patchEntity(params.blueprint!, params.entity!, body ?? {}, writeOptions(query, ctx, false));
      return { status: 200, body: { ok: true, entity: present(e) } };
    });

    this.on('PUT', '/v1/blueprints/:blueprint/entities/:entity', ({ params, query, body }, ctx) => {
      const e = this.store.replaceEntity(params.blueprint!, params.entity!, body ?? {}, writeOptions(query, ctx, false));
      return { status: 200, body: { ok: true, entity: present(e) } };
    });

    this.on('DELETE', '/v1/blueprints/:blueprint/entities/:entity', ({ params, query }) => {
      const deleteDependents = flag(query, 'delete_dependents', true);
      this.store.blueprint(params.blueprint!);
      if (!this.store.entity(params.blueprint!, params.entity!)) {
        throw new PortError(404, 'not_found', `Entity with identifier "${params.entity}" was not found in blueprint "${params.blueprint}"`);
      }
      this.store.deleteEntities(params.blueprint!, [params.entity!], deleteDependents);
      return { status: 200, body: { ok: true } };
    });
  }

  /**
   * POST .../entities/search: matches in identifier order, `limit` per page; `next` is an opaque
   * cursor (the last identifier returned), present only when more matches follow. Entities created
   * behind the cursor during paging show up; none is returned twice.
   */
  private search(blueprint: string, body: unknown) {
    const entities = this.store.entities(blueprint);
    const b = body as { query?: Rule; include?: string[]; exclude?: string[]; limit?: unknown; from?: unknown };
    const extra = Object.keys(b).find((k) => !['query', 'include', 'exclude', 'limit', 'from'].includes(k));
    if (extra) throw invalid(`body must NOT have additional properties ("${extra}")`);
    const limit = b.limit ?? 200;
    if (typeof limit !== 'number' || limit < 1 || limit > 1000) throw invalid('limit must be a number from 1 to 1000');
    if (b.from !== undefined && typeof b.from !== 'string') throw invalid('from must be string');
    const after = b.from === undefined ? undefined : decodeCursor(b.from);
    const matches = compile(b.query);
    const candidates = identifierCandidates(b.query);
    const ids = candidates ? [...new Set(candidates)].filter((id) => entities.has(id)).sort() : this.store.sortedIdentifiers(blueprint);
    const show = selector(b.include, b.exclude) ?? present;

    const page: SimEntity[] = [];
    let more = false;
    for (let i = after === undefined ? 0 : upperBound(ids, after); i < ids.length; i++) {
      const e = entities.get(ids[i]!);
      if (!e || !matches(e)) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(e);
    }
    const next = more ? encodeCursor(page[page.length - 1]!.identifier) : undefined;
    return { ok: true, entities: page.map(show), ...(next ? { next } : {}) };
  }
}

/** A boolean query parameter; Port validates them against its route schema (422 otherwise). */
function flag(query: URLSearchParams, name: string, required = false): boolean {
  const v = query.get(name);
  if (v === null) {
    if (required) throw invalid(`querystring must have required property '${name}'`);
    return false;
  }
  if (v !== 'true' && v !== 'false') throw invalid(`querystring/${name} must be boolean`);
  return v === 'true';
}

const encodeCursor = (identifier: string) => Buffer.from(JSON.stringify({ after: identifier })).toString('base64url');

function decodeCursor(from: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(from, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') return after;
  } catch {
    // fall through
  }
  throw invalid('from is not a cursor this API returned');
}

/** First index whose identifier sorts after `id`. */
function upperBound(ids: string[], id: string): number {
  let lo = 0, hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
