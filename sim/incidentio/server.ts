// A local stand-in for incident.io's v3 Catalog API (api.incident.io/v3/catalog_*): types with their
// schema, entries with external_id upsert and archive semantics, cursor pagination, the atomic bulk
// update, the 50,000-entries-per-type cap, the per-key token-bucket rate limit (429 + Retry-After),
// incident.io's error envelope, fault knobs and a traffic record for spec validation.
import { randomBytes } from 'node:crypto';
import { SimServer, type SimRequest, type SimResponse } from '../http';
import { injectFault, noFaults, RecordingSim, type TrafficFaults } from '../traffic';

export type { RecordedExchange } from '../traffic';
export type IncidentIoFaults = TrafficFaults;

export interface IncidentIoSimOptions {
  /** The key every request must carry as `Authorization: Bearer <key>`. Default 'sim-incidentio-key'. */
  apiKey?: string;
  /** Token bucket per key: holds `perMinute`, refills `perMinute` every `windowSeconds` (default 60). Default 1,200/min; false disables. */
  rateLimit?: { perMinute: number; windowSeconds?: number } | false;
  /** Entries (not archived) per type. Default 50,000, as the API documents. */
  maxEntriesPerType?: number;
}

export const MAX_PAGE_SIZE = 250;
export const DEFAULT_PAGE_SIZE = 25;
/** The bulk-update limit in the spec copy we validate against (current docs say 250). */
export const MAX_BULK_ENTRIES = 100;
export const MAX_ENTRIES_PER_TYPE = 50_000;
/** The routes (as `http.requests` labels them) that change the catalog: what "no write" is counted by. */
export const WRITE_ROUTES: ReadonlySet<string> = new Set([
  'POST /v3/catalog_entries',
  'PUT /v3/catalog_entries/:id',
  'DELETE /v3/catalog_entries/:id',
  'POST /v3/catalog_entries/actions/bulk_update',
  'POST /v3/catalog_types/:id/actions/update_schema',
]);
const DERIVED_MODES = new Set(['backlink', 'path']);
const PRIMITIVES = new Set(['String', 'Text', 'Number', 'Bool']);

export interface AttributeInput {
  id?: string;
  name: string;
  type: string;
  array?: boolean;
  mode?: string;
  backlink_attribute?: string;
  path?: Array<{ attribute_id: string }>;
}

export interface Attribute {
  id: string;
  name: string;
  type: string;
  array: boolean;
  mode: string;
  backlink_attribute?: string;
  path?: Array<{ attribute_id: string; attribute_name: string }>;
}

export interface CatalogType {
  id: string;
  name: string;
  description: string;
  type_name: string;
  ranked: boolean;
  schema: { version: number; attributes: Attribute[] };
  icon: string;
  color: string;
  categories: string[];
  is_editable: boolean;
  annotations: Record<string, string>;
  source_repo_url?: string;
  use_name_as_identifier: boolean;
  engine_resource_type: string;
  mode: string;
  created_at: string;
  updated_at: string;
}

/** Stored value of one attribute: literals only (labels are derived when presented). */
export type StoredValue = { value: string } | { array_value: string[] };

export interface Entry {
  id: string;
  catalog_type_id: string;
  name: string;
  external_id?: string;
  aliases: string[];
  rank: number;
  attribute_values: Record<string, StoredValue>;
  archived_at?: string;
  created_at: string;
  updated_at: string;
}

export interface TypeInput {
  name: string;
  description?: string;
  type_name?: string;
  ranked?: boolean;
  icon?: string;
  color?: string;
  categories?: string[];
  annotations?: Record<string, string>;
  use_name_as_identifier?: boolean;
  attributes?: AttributeInput[];
  /** For tests: a fixed id. */
  id?: string;
}

export interface DirectEntryInput {
  name: string;
  external_id?: string;
  aliases?: string[];
  rank?: number;
  /** attribute id -> literal (or literals for array attributes). */
  values?: Record<string, string | string[]>;
  archived?: boolean;
}

interface FieldError {
  code: string;
  message: string;
  source?: { field: string };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly errors: FieldError[],
  ) {
    super(errors[0]?.message ?? type);
  }
}

const requestId = () => randomBytes(16).toString('hex');
/** incident.io's error envelope. */
export const incidentError = (status: number, type: string, errors: FieldError[]) => ({ type, status, request_id: requestId(), errors });
const invalid = (message: string, field?: string) => new ApiError(422, 'validation_error', [{ code: 'invalid_value', message, ...(field ? { source: { field } } : {}) }]);
const notFound = (what: string) => new ApiError(404, 'not_found', [{ code: 'not_found', message: `${what} not found` }]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A per-key token bucket: burst up to `capacity`, refill `capacity` per `windowSeconds`. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    readonly capacity: number,
    private readonly windowSeconds: number,
  ) {
    this.tokens = capacity;
  }
  take(now = Date.now()): { allowed: boolean; headers: Record<string, string> } {
    const rate = this.capacity / (this.windowSeconds * 1000);
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * rate);
    this.last = now;
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    const remaining = Math.floor(this.tokens);
    const waitMs = allowed ? 0 : (1 - this.tokens) / rate;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': `${this.capacity};window=${this.windowSeconds}`,
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(this.capacity - remaining),
      'x-ratelimit-reset': String(Math.ceil((now + (this.capacity - this.tokens) / rate) / 1000)),
    };
    if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
    return { allowed, headers };
  }
}

type Handler = (req: SimRequest) => SimResponse;

export class IncidentIoSim extends RecordingSim {
  readonly apiKey: string;
  faults: IncidentIoFaults = noFaults();
  readonly maxEntriesPerType: number;
  /** Every type by id (including archived types' entries, which stay in `store`). */
  readonly types = new Map<string, CatalogType>();
  /** type id -> entries in id (= creation) order, archived ones included. */
  private readonly store = new Map<string, Entry[]>();
  private readonly byId = new Map<string, Entry>();
  private bucket?: TokenBucket;
  private seq = 0;

  constructor(options: IncidentIoSimOptions = {}) {
    super(new SimServer({ errorBody: (status, error, message) => incidentError(status, error, [{ code: error, message }]) }));
    this.apiKey = options.apiKey ?? 'sim-incidentio-key';
    const rl = options.rateLimit === undefined ? { perMinute: 1200 } : options.rateLimit;
    if (rl) this.bucket = new TokenBucket(rl.perMinute, rl.windowSeconds ?? 60);
    this.maxEntriesPerType = options.maxEntriesPerType ?? MAX_ENTRIES_PER_TYPE;
    this.routes();
  }

  // --- direct access for tests ----------------------------------------------------------------------

  /** Creates a type (and its schema) as the dashboard would; attributes without id get a ULID-like one. */
  createType(input: TypeInput): CatalogType {
    const now = new Date().toISOString();
    const id = input.id ?? this.newId();
    const typeName = input.type_name ?? `Custom["${input.name.replace(/[^a-zA-Z0-9]/g, '')}"]`;
    const type: CatalogType = {
      id, name: input.name, description: input.description ?? '', type_name: typeName, ranked: input.ranked ?? false,
      schema: { version: 1, attributes: this.attributes(input.attributes ?? []) },
      icon: input.icon ?? 'box', color: input.color ?? 'blue', categories: input.categories ?? [], is_editable: true,
      annotations: input.annotations ?? {}, use_name_as_identifier: input.use_name_as_identifier ?? false,
      engine_resource_type: `CatalogEntry["${id}"]`, mode: 'api', created_at: now, updated_at: now,
    };
    this.types.set(id, type);
    this.store.set(id, []);
    return type;
  }

  /** All entries of a type in API order, archived ones included (`archived_at` set). */
  entries(typeId: string): Entry[] {
    return this.store.get(typeId) ?? [];
  }

  /** An entry "created by hand" in the dashboard: no checks beyond the type existing; no external_id unless given. */
  putEntryDirect(typeId: string, input: DirectEntryInput): Entry {
    const type = this.types.get(typeId);
    if (!type) throw new Error(`no type ${typeId}`);
    const now = new Date().toISOString();
    const attribute_values: Record<string, StoredValue> = {};
    for (const [k, v] of Object.entries(input.values ?? {})) attribute_values[k] = Array.isArray(v) ? { array_value: v } : { value: v };
    const entry: Entry = {
      id: this.newId(), catalog_type_id: typeId, name: input.name, aliases: input.aliases ?? [], rank: input.rank ?? 0,
      attribute_values, created_at: now, updated_at: now,
      ...(input.external_id !== undefined ? { external_id: input.external_id } : {}),
      ...(input.archived ? { archived_at: now } : {}),
    };
    this.insert(entry);
    return entry;
  }

  // --- plumbing -------------------------------------------------------------------------------------

  private newId(): string {
    // ULID-shaped (26 chars, Crockford-ish, sortable): fixed prefix + zero-padded sequence.
    this.seq += 1;
    return '01HSIM' + this.seq.toString(32).toUpperCase().padStart(20, '0');
  }

  private insert(entry: Entry) {
    this.store.get(entry.catalog_type_id)!.push(entry);
    this.byId.set(entry.id, entry);
  }

  private attributes(input: AttributeInput[], previous: Attribute[] = []): Attribute[] {
    const seen = new Set<string>();
    const names = new Set<string>();
    return input.map((a, i) => {
      const field = `attributes[${i}]`;
      if (typeof a.name !== 'string' || a.name === '') throw invalid('Attribute name is required', `${field}.name`);
      if (typeof a.type !== 'string' || a.type === '') throw invalid('Attribute type is required', `${field}.type`);
      if (names.has(a.name)) throw invalid(`Attribute name "${a.name}" is used twice`, `${field}.name`);
      names.add(a.name);
      const id = a.id ?? previous.find((p) => p.name === a.name)?.id ?? this.newId();
      if (seen.has(id)) throw invalid(`Attribute id "${id}" is used twice`, `${field}.id`);
      seen.add(id);
      const attr: Attribute = { id, name: a.name, type: a.type, array: a.array ?? false, mode: a.mode ?? 'api' };
      if (a.backlink_attribute !== undefined) attr.backlink_attribute = a.backlink_attribute;
      if (a.path !== undefined) attr.path = a.path.map((p) => ({ attribute_id: p.attribute_id, attribute_name: p.attribute_id }));
      return attr;
    });
  }

  private type(id: unknown, field = 'catalog_type_id'): CatalogType {
    if (typeof id !== 'string' || id === '') throw invalid('catalog_type_id is required', field);
    const type = this.types.get(id);
    if (!type) throw notFound('Catalog type');
    return type;
  }

  private route(method: string, path: string, handler: Handler) {
    this.http.route(method, path, async (req) => {
      const fault = await injectFault(this.faults, () => this.throttledBody(1, 0));
      if (fault) return fault;
      const auth = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!auth || auth[1] !== this.apiKey) {
        return { status: 401, body: incidentError(401, 'authentication_error', [{ code: 'authentication_error', message: 'Invalid or missing API key' }]) };
      }
      let headers: Record<string, string> = {};
      if (this.bucket) {
        const d = this.bucket.take();
        headers = d.headers;
        if (!d.allowed) return { status: 429, headers, body: this.throttledBody(Number(headers['retry-after']), 0) };
      }
      try {
        const reply = handler(req);
        return { ...reply, headers: { ...headers, ...reply.headers } };
      } catch (err) {
        if (err instanceof ApiError) return { status: err.status, headers, body: incidentError(err.status, err.type, err.errors) };
        throw err;
      }
    });
  }

  private throttledBody(retryAfterSeconds: number, remaining: number) {
    const limit = this.bucket?.capacity ?? 1200;
    return {
      type: 'too_many_requests', status: 429, request_id: requestId(),
      rate_limit: { name: 'api_key', limit, remaining, retry_after: new Date(Date.now() + retryAfterSeconds * 1000).toISOString() },
      errors: [{ code: 'too_many_requests', message: 'Rate limit exceeded' }],
    };
  }

  private routes() {
    const ok = (body: unknown, status = 200): SimResponse => ({ status, body });

    this.route('GET', '/v3/catalog_types', () => ok({ catalog_types: [...this.types.values()].map((t) => this.presentType(t)) }));

    this.route('POST', '/v3/catalog_types', ({ body }) => {
      if (!isObject(body)) throw invalid('Body must be an object');
      if (typeof body.name !== 'string' || body.name === '') throw invalid('Name is required', 'name');
      if (typeof body.description !== 'string') throw invalid('Description is required', 'description');
      if (body.type_name !== undefined && (typeof body.type_name !== 'string' || !/^Custom\["[a-zA-Z0-9]+"\]$/.test(body.type_name))) {
        throw invalid('type_name must look like Custom["Name"]', 'type_name');
      }
      if (body.type_name !== undefined && [...this.types.values()].some((t) => t.type_name === body.type_name)) {
        throw invalid(`A catalog type with type_name ${String(body.type_name)} already exists`, 'type_name');
      }
      const type = this.createType({ ...(body as unknown as TypeInput), attributes: [], id: undefined });
      return ok({ catalog_type: this.presentType(type) }, 201);
    });

    this.route('GET', '/v3/catalog_types/:id', ({ params }) => ok({ catalog_type: this.presentType(this.type(params.id, 'id')) }));

    this.route('POST', '/v3/catalog_types/:id/actions/update_schema', ({ params, body }) => {
      const type = this.type(params.id, 'id');
      if (!isObject(body)) throw invalid('Body must be an object');
      if (!Number.isInteger(body.version)) throw invalid('version is required', 'version');
      if (body.version !== type.schema.version) {
        throw invalid(`Schema version ${String(body.version)} is stale: the current version is ${type.schema.version}`, 'version');
      }
      if (!Array.isArray(body.attributes)) throw invalid('attributes is required', 'attributes');
      const attributes = this.attributes(body.attributes as AttributeInput[], type.schema.attributes);
      // A full replace: values of removed attributes go with them.
      const kept = new Set(attributes.map((a) => a.id));
      for (const e of this.entries(type.id)) for (const k of Object.keys(e.attribute_values)) if (!kept.has(k)) delete e.attribute_values[k];
      type.schema = { version: type.schema.version + 1, attributes };
      type.updated_at = new Date().toISOString();
      return ok({ catalog_type: this.presentType(type) });
    });

    this.route('GET', '/v3/catalog_entries', ({ query }) => {
      const type = this.type(query.get('catalog_type_id'));
      const raw = query.get('page_size');
      if (raw === null) throw invalid('page_size is required', 'page_size');
      const pageSize = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) throw invalid(`page_size must be between 1 and ${MAX_PAGE_SIZE}`, 'page_size');
      let live = this.entries(type.id).filter((e) => !e.archived_at);
      const identifier = query.get('identifier');
      if (identifier !== null) {
        live = live.filter((e) => e.id === identifier || e.external_id === identifier || e.aliases.includes(identifier) || (type.use_name_as_identifier && e.name === identifier));
      }
      const after = query.get('after');
      let start = 0;
      if (after !== null && after !== '') {
        // Keyset: ids are sortable, so an entry archived behind the cursor never shifts the walk.
        let lo = 0, hi = live.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (live[mid]!.id <= after) lo = mid + 1;
          else hi = mid;
        }
        start = lo;
      }
      const page = live.slice(start, start + pageSize);
      const more = start + pageSize < live.length && page.length > 0;
      return ok({
        catalog_entries: page.map((e) => this.presentEntry(e)),
        catalog_type: this.presentType(type),
        pagination_meta: { page_size: pageSize, ...(more ? { after: page[page.length - 1]!.id } : {}) },
      });
    });

    this.route('GET', '/v3/catalog_entries/:id', ({ params }) => {
      const entry = this.byId.get(params.id!);
      if (!entry) throw notFound('Catalog entry');
      return ok({ catalog_entry: this.presentEntry(entry), catalog_type: this.presentType(this.types.get(entry.catalog_type_id)!) });
    });

    this.route('POST', '/v3/catalog_entries', ({ body }) => {
      if (!isObject(body)) throw invalid('Body must be an object');
      const type = this.type(body.catalog_type_id);
      const fields = this.entryFields(type, body, true);
      const values = this.values(type, body.attribute_values, 'attribute_values')!;
      const now = new Date().toISOString();
      const entries = this.entries(type.id);
      const existing = fields.external_id !== undefined ? entries.find((e) => e.external_id === fields.external_id) : undefined;
      if (existing) {
        // Upsert: same external id updates that entry, and revives it when archived.
        if (existing.archived_at) this.checkCap(type);
        this.assignCore(existing, fields, now);
        existing.attribute_values = values;
        delete existing.archived_at;
        return ok({ catalog_entry: this.presentEntry(existing) }, 201);
      }
      this.checkCap(type);
      const entry: Entry = {
        id: this.newId(), catalog_type_id: type.id, name: fields.name!, aliases: fields.aliases ?? [], rank: fields.rank ?? 0,
        attribute_values: values, created_at: now, updated_at: now,
        ...(fields.external_id !== undefined ? { external_id: fields.external_id } : {}),
      };
      this.insert(entry);
      return ok({ catalog_entry: this.presentEntry(entry) }, 201);
    });

    this.route('PUT', '/v3/catalog_entries/:id', ({ params, body }) => {
      const entry = this.byId.get(params.id!);
      if (!entry) throw notFound('Catalog entry');
      if (!isObject(body)) throw invalid('Body must be an object');
      const type = this.types.get(entry.catalog_type_id)!;
      const fields = this.entryFields(type, body, true);
      const values = this.values(type, body.attribute_values, 'attribute_values')!;
      const only = this.updateAttributes(type, body.update_attributes, 'update_attributes');
      this.checkExternalId(type, entry, fields.external_id, 'external_id');
      this.assignCore(entry, { ...fields, rank: fields.rank ?? entry.rank }, new Date().toISOString());
      entry.attribute_values = merge(entry.attribute_values, values, only);
      return ok({ catalog_entry: this.presentEntry(entry), catalog_type: this.presentType(type) });
    });

    this.route('DELETE', '/v3/catalog_entries/:id', ({ params }) => {
      const entry = this.byId.get(params.id!);
      if (!entry || entry.archived_at) throw notFound('Catalog entry');
      entry.archived_at = new Date().toISOString();
      entry.updated_at = entry.archived_at;
      return { status: 204 };
    });

    this.route('POST', '/v3/catalog_entries/actions/bulk_update', ({ body }) => {
      if (!isObject(body)) throw invalid('Body must be an object');
      const type = this.type(body.catalog_type_id);
      if (!Array.isArray(body.entries) || body.entries.length === 0) throw invalid('entries must have at least one item', 'entries');
      if (body.entries.length > MAX_BULK_ENTRIES) throw invalid(`entries must have at most ${MAX_BULK_ENTRIES} items (got ${body.entries.length})`, 'entries');
      const only = this.updateAttributes(type, body.update_attributes, 'update_attributes');
      // Validate everything first: the update is atomic, one bad item changes nothing.
      const seen = new Set<string>();
      const planned = body.entries.map((item: unknown, i: number) => {
        const field = `entries[${i}]`;
        if (!isObject(item)) throw invalid('Entry must be an object', field);
        if (typeof item.entry_id !== 'string') throw invalid('entry_id is required', `${field}.entry_id`);
        const entry = this.byId.get(item.entry_id);
        if (!entry || entry.catalog_type_id !== type.id || entry.archived_at) throw invalid(`Catalog entry ${item.entry_id} not found in this type`, `${field}.entry_id`);
        if (seen.has(entry.id)) throw invalid(`Catalog entry ${entry.id} appears twice`, `${field}.entry_id`);
        seen.add(entry.id);
        const fields = this.entryFields(type, item, false, field);
        const values = this.values(type, item.attribute_values, `${field}.attribute_values`)!;
        return { entry, fields, values, field };
      });
      // External ids must stay unique after the whole batch.
      const claimed = new Map<string, string>();
      for (const p of planned) {
        if (p.fields.external_id === undefined) continue;
        if (claimed.has(p.fields.external_id)) throw invalid(`external_id ${p.fields.external_id} is used twice`, `${p.field}.external_id`);
        claimed.set(p.fields.external_id, p.entry.id);
      }
      for (const p of planned) if (p.fields.external_id !== undefined) this.checkExternalId(type, p.entry, p.fields.external_id, `${p.field}.external_id`, new Set(planned.map((q) => q.entry.id)));
      const now = new Date().toISOString();
      for (const { entry, fields, values } of planned) {
        // Omitted name/external_id/aliases are kept; an omitted rank becomes null (0 here).
        this.assignCore(entry, { ...fields, rank: fields.rank ?? 0 }, now);
        entry.attribute_values = merge(entry.attribute_values, values, only);
      }
      return { status: 204 };
    });
  }

  private checkCap(type: CatalogType) {
    const live = this.entries(type.id).reduce((n, e) => n + (e.archived_at ? 0 : 1), 0);
    if (live >= this.maxEntriesPerType) {
      throw new ApiError(422, 'validation_error', [{
        code: 'too_many_entries',
        message: `Catalog type ${type.name} already has ${live} entries: we support a maximum of ${this.maxEntriesPerType} entries per type`,
        source: { field: 'catalog_type_id' },
      }]);
    }
  }

  private checkExternalId(type: CatalogType, entry: Entry, externalId: string | undefined, field: string, moving = new Set<string>()) {
    if (externalId === undefined || externalId === entry.external_id) return;
    const other = this.entries(type.id).find((e) => e.external_id === externalId && e.id !== entry.id && !moving.has(e.id));
    if (other) throw invalid(`Another entry of this type already has external_id ${externalId}`, field);
  }

  private assignCore(entry: Entry, f: EntryFields, now: string) {
    if (f.name !== undefined) entry.name = f.name;
    if (f.external_id !== undefined) entry.external_id = f.external_id;
    if (f.aliases !== undefined) entry.aliases = f.aliases;
    if (f.rank !== undefined) entry.rank = f.rank;
    entry.updated_at = now;
  }

  private entryFields(type: CatalogType, body: Record<string, unknown>, nameRequired: boolean, prefix = ''): EntryFields {
    const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
    const out: EntryFields = {};
    if (body.name !== undefined || nameRequired) {
      if (typeof body.name !== 'string' || body.name.trim() === '') throw invalid('Name is required', at('name'));
      out.name = body.name;
    }
    if (body.external_id !== undefined) {
      if (typeof body.external_id !== 'string') throw invalid('external_id must be a string', at('external_id'));
      if (body.external_id !== '') out.external_id = body.external_id;
    }
    if (body.aliases !== undefined) {
      if (!Array.isArray(body.aliases) || body.aliases.some((a) => typeof a !== 'string')) throw invalid('aliases must be a list of strings', at('aliases'));
      out.aliases = [...new Set(body.aliases as string[])];
    }
    if (body.rank !== undefined) {
      if (!Number.isInteger(body.rank)) throw invalid('rank must be an integer', at('rank'));
      out.rank = body.rank as number;
    }
    void type;
    return out;
  }

  private updateAttributes(type: CatalogType, raw: unknown, field: string): Set<string> | undefined {
    if (raw === undefined) return undefined;
    if (!Array.isArray(raw) || raw.some((a) => typeof a !== 'string')) throw invalid('update_attributes must be a list of attribute ids', field);
    for (const id of raw as string[]) if (!type.schema.attributes.some((a) => a.id === id)) throw invalid(`Unknown attribute ${id}`, field);
    return new Set(raw as string[]);
  }

  /** Validates attribute_values against the type's schema and returns them as stored literals. */
  private values(type: CatalogType, raw: unknown, field: string): Record<string, StoredValue> | undefined {
    if (!isObject(raw)) throw invalid('attribute_values is required', field);
    const out: Record<string, StoredValue> = {};
    for (const [id, binding] of Object.entries(raw)) {
      const f = `${field}.${id}`;
      const attr = type.schema.attributes.find((a) => a.id === id);
      if (!attr) throw invalid(`Attribute ${id} is not in the schema of ${type.name}`, f);
      if (DERIVED_MODES.has(attr.mode)) throw invalid(`Attribute ${attr.name} is derived (${attr.mode}); it cannot be set`, f);
      if (!isObject(binding)) throw invalid('Attribute value must be an object', f);
      const literal = (v: unknown, where: string): string => {
        if (!isObject(v) || typeof v.literal !== 'string') throw invalid('literal must be a string', where);
        checkLiteral(attr, v.literal, where);
        return v.literal;
      };
      if (binding.array_value !== undefined && binding.value !== undefined) throw invalid('Set value or array_value, not both', f);
      if (binding.array_value !== undefined) {
        if (!attr.array) throw invalid(`Attribute ${attr.name} is not an array: use value`, f);
        if (!Array.isArray(binding.array_value)) throw invalid('array_value must be a list', f);
        const items = binding.array_value.map((v, i) => literal(v, `${f}.array_value[${i}]`));
        if (items.length > 0) out[id] = { array_value: items };
      } else if (binding.value !== undefined) {
        if (attr.array) throw invalid(`Attribute ${attr.name} is an array: use array_value`, f);
        out[id] = { value: literal(binding.value, `${f}.value`) };
      }
      // {} clears the value.
    }
    return out;
  }

  private presentType(t: CatalogType) {
    const { ...copy } = t;
    return { ...copy, schema: { version: t.schema.version, attributes: t.schema.attributes.map((a) => ({ ...a })) }, estimated_count: this.entries(t.id).filter((e) => !e.archived_at).length };
  }

  private label(literal: string, attr: Attribute | undefined): string {
    if (!attr || PRIMITIVES.has(attr.type)) return literal;
    // References: the referenced entry's name when it resolves (by id, external id or alias).
    const target = [...this.types.values()].find((t) => t.type_name === attr.type);
    const e = target && this.entries(target.id).find((x) => !x.archived_at && (x.id === literal || x.external_id === literal || x.aliases.includes(literal)));
    return e ? e.name : literal;
  }

  private presentEntry(e: Entry) {
    const attrs = this.types.get(e.catalog_type_id)?.schema.attributes ?? [];
    const values: Record<string, unknown> = {};
    for (const [id, v] of Object.entries(e.attribute_values)) {
      const attr = attrs.find((a) => a.id === id);
      // The spec's binding value requires `sort_key` besides `label`; the simulator sends both.
      const one = (literal: string) => ({ label: this.label(literal, attr), literal, sort_key: literal });
      values[id] = 'array_value' in v ? { array_value: v.array_value.map(one) } : { value: one(v.value) };
    }
    return {
      id: e.id, catalog_type_id: e.catalog_type_id, name: e.name, aliases: [...e.aliases], rank: e.rank,
      attribute_values: values, created_at: e.created_at, updated_at: e.updated_at,
      ...(e.external_id !== undefined ? { external_id: e.external_id } : {}),
      ...(e.archived_at ? { archived_at: e.archived_at } : {}),
    };
  }
}

interface EntryFields {
  name?: string;
  external_id?: string;
  aliases?: string[];
  rank?: number;
}

function checkLiteral(attr: Attribute, literal: string, where: string) {
  if (attr.type === 'Number' && (literal.trim() === '' || !Number.isFinite(Number(literal)))) throw invalid(`"${literal}" is not a number`, where);
  if (attr.type === 'Bool' && literal !== 'true' && literal !== 'false') throw invalid(`"${literal}" is not a boolean`, where);
}

/** New values per `update_attributes`: listed keys are replaced (cleared when absent), others kept; without it everything is replaced. */
function merge(current: Record<string, StoredValue>, next: Record<string, StoredValue>, only: Set<string> | undefined): Record<string, StoredValue> {
  if (!only) return next;
  const out = { ...current };
  for (const id of only) {
    if (next[id]) out[id] = next[id];
    else delete out[id];
  }
  return out;
}
