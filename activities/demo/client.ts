// HTTP client of the demo API (served by sim/demo): the stand-in source and target that proves the
// platform end to end until the real connectors arrive.
import type { KyInstance } from 'ky';
import { z } from 'zod';
import { apiClient } from '../http/client';

export const demoItemSchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  version: z.int(),
});
export type DemoItem = z.infer<typeof demoItemSchema>;

const pageSchema = z.object({ items: z.array(z.unknown()), next: z.string().optional(), total: z.int().min(0).optional() });
const bulkResultSchema = z.object({ written: z.int(), unchanged: z.int(), errors: z.array(z.object({ id: z.string(), message: z.string() })) });
const catalogSchema = z.object({ items: z.array(demoItemSchema.extend({ owner: z.string(), updatedAt: z.string() })) });

export class DemoClient {
  private readonly http: KyInstance;

  /** The demo catalog records the User-Agent of each write: that is what an integration owns there. */
  readonly userAgent: string;

  constructor(apiUrl: string, apiKey: string, integrationId: string) {
    this.userAgent = `port-sync/${integrationId}/`;
    this.http = apiClient('demo', {
      prefixUrl: apiUrl,
      headers: { authorization: `Bearer ${apiKey}`, 'user-agent': this.userAgent },
      timeout: 30_000,
      // Temporal retries the whole activity with backoff; a short in-request retry absorbs blips.
      retry: { limit: 2, methods: ['get', 'put', 'post', 'delete'], statusCodes: [408, 429, 500, 502, 503, 504] },
    });
  }

  async listItems(kind: string, cursor: string | undefined, limit: number, signal: AbortSignal, prefix?: string) {
    const searchParams: Record<string, string | number> = { limit };
    if (cursor) searchParams.cursor = cursor;
    if (prefix) searchParams.prefix = prefix;
    const body = await this.http.get(`v1/kinds/${encodeURIComponent(kind)}/items`, { searchParams, signal }).json();
    return pageSchema.parse(body);
  }

  async bulkUpsert(kind: string, items: DemoItem[], signal: AbortSignal) {
    const body = await this.http.post(`v1/catalog/${encodeURIComponent(kind)}/bulk`, { json: { items }, signal }).json();
    return bulkResultSchema.parse(body);
  }

  /** Catalog items of one kind, optionally only those this integration wrote last. */
  async catalog(kind: string, ownedOnly: boolean, signal: AbortSignal) {
    const searchParams: Record<string, string> = { kind };
    if (ownedOnly) searchParams.owner = this.userAgent;
    return catalogSchema.parse(await this.http.get('v1/catalog', { searchParams, signal }).json()).items;
  }

  /** True when it was deleted, false when it was already gone. */
  async remove(kind: string, id: string, signal: AbortSignal): Promise<boolean> {
    const res = await this.http.delete(`v1/catalog/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`, { signal, throwHttpErrors: false });
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`demo API: DELETE v1/catalog/${kind}/${id} answered ${res.status}`);
    return true;
  }

  /** Writes one item unless the catalog already holds a newer version; true when written. */
  async upsertIfNewer(item: DemoItem, signal: AbortSignal): Promise<boolean> {
    const body = await this.http
      .put(`v1/catalog/${encodeURIComponent(item.kind)}/${encodeURIComponent(item.id)}`, {
        json: { name: item.name, version: item.version },
        searchParams: { ifNewer: 'true' },
        signal,
      })
      .json();
    return z.object({ written: z.boolean() }).parse(body).written;
  }
}
