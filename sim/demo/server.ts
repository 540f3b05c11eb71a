// The demo API: a paged source of items per kind and a catalog they are written to, behind a bearer
// key. It stands in for Port and a vendor API in the platform's tests and in `port-sync dev` until the
// real connectors and their simulators exist. Every catalog write is logged per object, so tests can
// check order and idempotence.
import { SimServer, type SimResponse } from '../http';

export interface DemoItem {
  id: string;
  kind: string;
  name: string;
  version: number;
}

export interface DemoSimOptions {
  apiKey: string;
  /** Kinds that answer 500 forever (a permanently failing source). */
  failKinds?: string[];
  /** Delay of every page of the source, on top of the global latency. */
  pageDelayMs?: number;
}

export class DemoSim {
  readonly http = new SimServer();
  readonly source = new Map<string, DemoItem[]>();
  readonly catalog = new Map<string, DemoItem>();
  /** Who last wrote each catalog item (its User-Agent) and when: the demo target's ownership. */
  readonly meta = new Map<string, { owner: string; updatedAt: string }>();
  /** Versions written per object key (`kind/id`), in write order. */
  readonly writes = new Map<string, number[]>();
  failKinds = new Set<string>();
  /** Status the failing kinds answer with: 500 (retried) or a 4xx (final). */
  failStatus = 500;
  pageDelayMs: number;
  /** Pages say how many items there are (offset paging the engine can read ahead in); off: a bare cursor chain. */
  reportsTotal = true;
  url = '';
  /** Writes this predicate matches are refused with 422, as an API refuses an invalid entity. */
  rejectWrite?: (item: DemoItem) => boolean;
  /** Called after each catalog write (benchmarks time event delivery with it). */
  onWrite?: (item: DemoItem) => void;

  constructor(private readonly options: DemoSimOptions) {
    this.failKinds = new Set(options.failKinds ?? []);
    this.pageDelayMs = options.pageDelayMs ?? 0;
    const auth = (headers: Record<string, unknown>): SimResponse | undefined =>
      headers.authorization === `Bearer ${this.options.apiKey}`
        ? undefined
        : { status: 401, body: { error: 'unauthorized', message: 'missing or invalid API key' } };

    this.http.route('GET', '/v1/kinds/:kind/items', async ({ params, query, headers }) => {
      const denied = auth(headers);
      if (denied) return denied;
      if (this.failKinds.has(params.kind!)) return { status: this.failStatus, body: { error: 'broken', message: `kind ${params.kind} is broken` } };
      if (this.pageDelayMs > 0) await new Promise((r) => setTimeout(r, this.pageDelayMs));
      const prefix = query.get('prefix');
      const all = this.source.get(params.kind!) ?? [];
      const items = prefix ? all.filter((i) => i.id.startsWith(prefix)) : all;
      const offset = Number(query.get('cursor') ?? 0);
      const limit = Math.min(Number(query.get('limit') ?? 100), 1000);
      const page = items.slice(offset, offset + limit);
      const next = offset + limit < items.length ? String(offset + limit) : undefined;
      // Offset paging with the total, as many APIs answer (GitHub's `total_count`, `X-Total-Count`).
      return { status: 200, body: { items: page, ...(this.reportsTotal ? { total: items.length } : {}), ...(next ? { next } : {}) } };
    });

    this.http.route('POST', '/v1/catalog/:kind/bulk', ({ params, body, headers }) => {
      const denied = auth(headers);
      if (denied) return denied;
      const items = (body as { items?: DemoItem[] } | undefined)?.items;
      if (!Array.isArray(items)) return { status: 400, body: { error: 'bad_request', message: 'items must be an array' } };
      let written = 0;
      const errors: { id: string; message: string }[] = [];
      for (const item of items) {
        if (this.rejectWrite?.({ ...item, kind: params.kind! })) errors.push({ id: item.id, message: `item ${item.id} v${item.version} is invalid` });
        else if (this.write({ ...item, kind: params.kind! }, String(headers['user-agent'] ?? ''))) written += 1;
      }
      return { status: 200, body: { written, unchanged: items.length - written - errors.length, errors } };
    });

    // ?ifNewer=true: a conditional write that keeps a newer version (how event appliers drop stale events).
    this.http.route('PUT', '/v1/catalog/:kind/:id', ({ params, body, headers, query }) => {
      const denied = auth(headers);
      if (denied) return denied;
      const { name, version } = (body ?? {}) as Partial<DemoItem>;
      if (typeof name !== 'string' || typeof version !== 'number') {
        return { status: 400, body: { error: 'bad_request', message: 'name (string) and version (number) are required' } };
      }
      if (this.rejectWrite?.({ id: params.id!, kind: params.kind!, name, version })) {
        return { status: 422, body: { error: 'unprocessable', message: `item ${params.id} v${version} is invalid` } };
      }
      const current = this.catalog.get(`${params.kind}/${params.id}`);
      if (query.get('ifNewer') === 'true' && current && current.version > version) {
        return { status: 200, body: { written: false, currentVersion: current.version } };
      }
      const written = this.write({ id: params.id!, kind: params.kind!, name, version }, String(headers['user-agent'] ?? ''));
      return { status: 200, body: { written } };
    });

    this.http.route('DELETE', '/v1/catalog/:kind/:id', ({ params, headers }) => {
      const denied = auth(headers);
      if (denied) return denied;
      const key = `${params.kind}/${params.id}`;
      this.meta.delete(key);
      return { status: this.catalog.delete(key) ? 204 : 404 };
    });

    // ?kind= narrows to one kind; ?owner= to what one writer (User-Agent) wrote last.
    this.http.route('GET', '/v1/catalog', ({ headers, query }) => {
      const denied = auth(headers);
      if (denied) return denied;
      const kind = query.get('kind');
      const owner = query.get('owner');
      const items = [...this.catalog.entries()]
        .filter(([key, item]) => (!kind || item.kind === kind) && (!owner || this.meta.get(key)?.owner === owner))
        .map(([key, item]) => ({ ...item, ...this.meta.get(key) }));
      return { status: 200, body: { items } };
    });
  }

  /** Writes an item; false when the catalog already holds exactly that (an unchanged item is not a write). */
  write(item: DemoItem, owner = ''): boolean {
    const key = `${item.kind}/${item.id}`;
    const current = this.catalog.get(key);
    if (current && current.name === item.name && current.version === item.version) return false;
    this.catalog.set(key, { id: item.id, kind: item.kind, name: item.name, version: item.version });
    this.meta.set(key, { owner, updatedAt: new Date().toISOString() });
    const log = this.writes.get(key) ?? [];
    log.push(item.version);
    this.writes.set(key, log);
    this.onWrite?.(item);
    return true;
  }

  /** A deterministic demo organisation: `perKind` items of each kind. */
  seed(kinds: string[], perKind: number) {
    for (const kind of kinds) {
      const items: DemoItem[] = [];
      for (let i = 0; i < perKind; i++) {
        items.push({ id: `${kind}-${String(i).padStart(5, '0')}`, kind, name: `${kind} ${i}`, version: 1 });
      }
      this.source.set(kind, items);
    }
  }

  async start(port = 0, host = '127.0.0.1') {
    this.url = await this.http.listen(port, host);
    return this.url;
  }

  stop() {
    return this.http.close();
  }
}
