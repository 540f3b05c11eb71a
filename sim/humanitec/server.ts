// A local stand-in for Humanitec's Platform Orchestrator API (api.humanitec.io): the read endpoints
// the Humanitec connector uses, answered from an OrgModel (see generator.ts) with the spec's status
// codes, shapes, query validation and `Link` pagination. Tests, benchmarks and `port-sync dev` point
// HUMANITEC_API_URL here. Fault knobs make it misbehave the ways a real API does.
import { SimServer, type SimRequest, type SimResponse } from '../http';
import { injectFault, noFaults, RecordingSim, type TrafficFaults } from '../traffic';
import { generateOrg } from './generator';
import { deleteApp, deploy, envValues, findApp, type AppModel, type DeployResult, type EnvModel, type OrgModel, type Pipeline } from './model';

export interface HumanitecSimOptions {
  /** Default: the model's orgId. */
  orgId?: string;
  /** The API token every request must carry as `Authorization: Bearer <token>`. Default 'sim-humanitec-token'. */
  token?: string;
  /** Default: a small generated org (3 apps). */
  model?: OrgModel;
}

export type HumanitecFaults = TrafficFaults;

export type { RecordedExchange } from '../traffic';

const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 100;
/** The spec's pattern for org, app and env ids. */
const ID = /^[a-z0-9](?:-?[a-z0-9]+)+$/;
const GROUP_ID = /^g-[a-z0-9](?:-?[a-z0-9]+)+$/;

/** HumanitecErrorResponse; the codes (API-<status>) are the simulator's choice, the spec documents none but its example. */
export const humanitecError = (status: number, message: string) => ({ error: status === 401 ? 'API-000' : `API-${status}`, message });

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The body, when the spec gives this answer a shape other than HumanitecErrorResponse. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

const notFound = (what: string) => new ApiError(404, `${what} not found.`);
const badRequest = (message: string) => new ApiError(400, message);

type Handler = (req: SimRequest) => SimResponse;

export class HumanitecSim extends RecordingSim {
  readonly orgId: string;
  readonly token: string;
  /** The org answered from. Mutate it through the helpers below (or bump `model.version` after direct edits). */
  model: OrgModel;
  faults: HumanitecFaults = noFaults();
  /** "appId/envId" -> status every endpoint of that env answers. */
  private readonly failures = new Map<string, number>();
  private pipelineCache?: { model: OrgModel; version: number; all: Pipeline[] };

  constructor(options: HumanitecSimOptions = {}) {
    super(new SimServer({ errorBody: (status, _error, message) => humanitecError(status, message) }));
    this.model = options.model ?? generateOrg({ seed: 1, orgId: options.orgId, apps: 3, envsPerApp: 3, workloadsPerEnv: 2, resourcesPerWorkload: 2 });
    this.orgId = options.orgId ?? this.model.orgId;
    if (this.orgId !== this.model.orgId) throw new Error(`orgId ${this.orgId} differs from the model's ${this.model.orgId}`);
    this.token = options.token ?? 'sim-humanitec-token';
    this.routes();
  }

  // --- mutations for tests -------------------------------------------------------------------------

  /** Removes the app and everything in it; false if there was none. */
  deleteApp(appId: string): boolean {
    return deleteApp(this.model, appId);
  }

  /** From now on every endpoint of this env (resources, graphs, values, value set versions) answers `status`. */
  failEnv(appId: string, envId: string, status = 500): void {
    this.failures.set(`${appId}/${envId}`, status);
  }

  /** Undoes failEnv. */
  healEnv(appId: string, envId: string): void {
    this.failures.delete(`${appId}/${envId}`);
  }

  /** A new deployment of one env (see model.deploy): new last_deploy, graph, a changed and an added resource. */
  deploy(appId: string, envId: string, comment?: string): DeployResult {
    return deploy(this.model, appId, envId, comment);
  }

  // --- plumbing -------------------------------------------------------------------------------------

  /** Registers a GET route behind faults, auth and the org check, with Humanitec's error body. */
  private get(route: string, handler: Handler) {
    this.http.route('GET', `/orgs/:orgId${route}`, async (req) => {
      const fault = await injectFault(this.faults, () => humanitecError(429, 'Too many requests - request rate limit has been reached (injected).'));
      if (fault) return fault;
      const auth = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!auth || auth[1] !== this.token) return { status: 401, body: humanitecError(401, 'Could not validate token.') };
      try {
        if (req.params.orgId !== this.orgId) throw notFound(`Organization "${req.params.orgId}"`);
        const { appId, envId } = req.params;
        if (appId !== undefined && envId !== undefined) {
          const status = this.failures.get(`${appId}/${envId}`);
          if (status !== undefined) throw new ApiError(status, status === 403 ? `Access to environment "${envId}" of application "${appId}" is forbidden.` : `Internal error while reading environment "${envId}" of application "${appId}".`);
        }
        return handler(req);
      } catch (err) {
        if (err instanceof ApiError) return { status: err.status, body: err.body ?? humanitecError(err.status, err.message) };
        throw err;
      }
    });
  }

  private app(appId: string | undefined): AppModel {
    const app = appId === undefined ? undefined : findApp(this.model, appId);
    if (!app) throw notFound(`Application "${appId}"`);
    return app;
  }

  private env(appId: string | undefined, envId: string | undefined): { app: AppModel; env: EnvModel } {
    const app = this.app(appId);
    const env = app.envs.find((e) => e.id === envId);
    if (!env) throw notFound(`Environment "${envId}" in application "${appId}"`);
    return { app, env };
  }

  private routes() {
    const ok = (body: unknown, headers?: Record<string, string>): SimResponse => ({ status: 200, body, ...(headers ? { headers } : {}) });

    this.get('/apps', () => ok(this.model.apps.map((a) => presentApp(this.orgId, a))));

    this.get('/apps/:appId/envs', ({ params }) => ok(this.app(params.appId).envs.map(presentEnv)));

    this.get('/apps/:appId/envs/:envId/resources', ({ params, query }) => {
      const { env } = this.env(params.appId, params.envId);
      const scheduled = bool(query, 'scheduled_deletion');
      return ok(scheduled === undefined ? env.resources : env.resources.filter((r) => r.scheduled_deletion === scheduled));
    });

    this.get('/apps/:appId/envs/:envId/resources/graphs/:graphId', ({ params }) => {
      const { env } = this.env(params.appId, params.envId);
      const graph = env.graphs[params.graphId!];
      if (!graph) throw notFound(`Dependency Graph "${params.graphId}"`);
      return ok(graph);
    });

    this.get('/secretstores', () => ok(this.model.secretStores));

    this.get('/apps/:appId/values', ({ params }) => ok(this.app(params.appId).values));

    this.get('/apps/:appId/envs/:envId/values', ({ params }) => {
      const { app, env } = this.env(params.appId, params.envId);
      return ok(envValues(app, env));
    });

    this.get('/apps/:appId/value-set-versions', ({ params, query }) => ok(keyChanged(this.app(params.appId).valueSetVersions, query)));

    this.get('/apps/:appId/envs/:envId/value-set-versions', ({ params, query }) => {
      const { app, env } = this.env(params.appId, params.envId);
      return ok(keyChanged(env.valueSetVersions ?? app.valueSetVersions, query));
    });

    this.get('/apps/:appId/sets', ({ params }) => {
      const app = findApp(this.model, params.appId!);
      // The spec gives this 404 a plain string body.
      if (!app) throw new ApiError(404, '', `Application "${params.appId}" not found.`);
      return ok(app.sets);
    });

    this.get('/apps/:appId/deltas', ({ params, query }) => {
      const app = this.app(params.appId);
      const archived = bool(query, 'archived') ?? false;
      const env = query.get('env');
      if (env !== null && !ID.test(env)) throw badRequest(`Query parameter "env" must match ${ID.source}.`);
      return ok(app.deltas.filter((d) => d.metadata.archived === archived && (env === null || d.metadata.env_id === env)));
    });

    this.get('/pipelines', (req) => {
      let items = this.allPipelines();
      const apps = req.query.getAll('app').flatMap((a) => a.split(',')).filter(Boolean);
      if (apps.length > 0) {
        const wanted = new Set(apps);
        items = items.filter((p) => wanted.has(p.app_id));
      }
      return this.page(req, filterPipelines(items, req.query), (p) => `${p.app_id}/${p.id}`);
    });

    this.get('/apps/:appId/pipelines', (req) => {
      const app = this.app(req.params.appId);
      return this.page(req, filterPipelines(app.pipelines, req.query), (p) => p.id);
    });

    this.get('/users', ({ query }) => {
      const type = query.get('type');
      if (type !== null && type !== 'user' && type !== 'group') throw badRequest(`Query parameter "type" must be one of user, group (got "${type}").`);
      const subjects = this.model.subjects;
      if (type === null) return ok(subjects);
      // Service and system subjects are users too (the enum only knows user and group).
      return ok(subjects.filter((s) => (type === 'group') === (s.type === 'group')));
    });

    this.get('/groups/:groupId/users', ({ params }) => {
      const groupId = params.groupId!;
      if (!GROUP_ID.test(groupId)) throw badRequest(`Group id "${groupId}" must match ${GROUP_ID.source}.`);
      const members = this.model.groupMembers[groupId];
      if (!members) throw notFound(`Group "${groupId}"`);
      const byId = new Map(this.model.subjects.map((s) => [s.id, s]));
      return ok(members.flatMap((id) => {
        const s = byId.get(id);
        return s ? [{ id: s.id, name: s.name, ...(s.email ? { email: s.email } : {}), type: s.type, created_at: s.created_at }] : [];
      }));
    });
  }

  /** Every pipeline of the org in (app_id, id) order, cached until the model changes. */
  private allPipelines(): Pipeline[] {
    const c = this.pipelineCache;
    if (c && c.model === this.model && c.version === this.model.version) return c.all;
    const all = this.model.apps.flatMap((a) => a.pipelines).sort((x, y) => cmp(`${x.app_id}/${x.id}`, `${y.app_id}/${y.id}`));
    this.pipelineCache = { model: this.model, version: this.model.version, all };
    return all;
  }

  /**
   * One page of a list sorted by `key`: `per_page` (1–100, default 50), `page` an opaque token (the
   * last key returned), `Link: <...>; rel="next"` only when more items follow. Items added or removed
   * behind the cursor between pages never make the walk repeat or skip one that existed throughout.
   */
  private page<T>(req: SimRequest, items: T[], key: (item: T) => string): SimResponse {
    const raw = req.query.get('per_page');
    let perPage = DEFAULT_PER_PAGE;
    if (raw !== null) {
      perPage = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(perPage >= 1 && perPage <= MAX_PER_PAGE)) throw badRequest(`Query parameter "per_page" must be an integer from 1 to ${MAX_PER_PAGE} (got "${raw}").`);
    }
    const token = req.query.get('page');
    let start = 0;
    if (token !== null && token !== '') {
      const after = decodePageToken(token);
      let lo = 0, hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (key(items[mid]!) <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page = items.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    if (start + perPage < items.length && page.length > 0) {
      const next = new URLSearchParams(req.query);
      next.set('page', encodePageToken(key(page[page.length - 1]!)));
      if (!next.has('per_page')) next.set('per_page', String(perPage));
      const origin = `http://${String(req.headers.host ?? '127.0.0.1')}`;
      headers.link = `<${origin}${req.path}?${next.toString()}>; rel="next"`;
    }
    return { status: 200, body: page, headers };
  }
}

function presentApp(orgId: string, a: AppModel) {
  return {
    id: a.id, name: a.name, org_id: orgId, created_at: a.created_at, created_by: a.created_by,
    envs: a.envs.map((e) => ({ id: e.id, name: e.name, type: e.type })),
    status: a.status, status_changed_at: a.status_changed_at,
  };
}

function presentEnv(e: EnvModel) {
  return {
    id: e.id, name: e.name, type: e.type, created_at: e.created_at, created_by: e.created_by, status: e.status, status_changed_at: e.status_changed_at,
    ...(e.last_deploy ? { last_deploy: e.last_deploy } : {}),
  };
}

/** A boolean query parameter: undefined when absent, 400 unless true/false. */
function bool(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (v !== 'true' && v !== 'false') throw badRequest(`Query parameter "${name}" must be a boolean (got "${v}").`);
  return v === 'true';
}

function keyChanged<T extends { change: Array<{ path: string }> }>(versions: T[], query: URLSearchParams): T[] {
  const key = query.get('key_changed');
  if (key === null) return versions;
  return versions.filter((v) => v.change.some((c) => c.path === `/${key}` || c.path.startsWith(`/${key}/`)));
}

/** `trigger` (one of trigger_types) and `metadata[k]=v` (deepObject) filters. */
function filterPipelines(items: Pipeline[], query: URLSearchParams): Pipeline[] {
  const trigger = query.get('trigger');
  const meta: Array<[string, string]> = [];
  for (const [k, v] of query) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) meta.push([m[1]!, v]);
  }
  if (trigger === null && meta.length === 0) return items;
  return items.filter((p) => (trigger === null || p.trigger_types.includes(trigger)) && meta.every(([k, v]) => p.metadata?.[k] === v));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const encodePageToken = (after: string) => Buffer.from(JSON.stringify({ a: after })).toString('base64url');

function decodePageToken(token: string): string {
  try {
    const { a } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof a === 'string') return a;
  } catch {
    // fall through
  }
  throw badRequest('Query parameter "page" is not a page token this API returned.');
}
