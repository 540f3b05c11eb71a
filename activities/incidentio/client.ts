// HTTP client of incident.io's v3 Catalog API (https://api.incident.io): the type's schema, entry
// listing, create (an upsert by external_id), bulk update, update and archive. Every answer is checked
// against schemas.ts. Retries, Retry-After and pacing come from apiClient (docs/http.md), keyed per API
// key: incident.io's 1,200/min budget belongs to the key, shared by every workflow that uses it.
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError, type KyInstance, type Options } from 'ky';
import type { z } from 'zod';
import { registerSecret } from '../../worker/logger';
import { apiClient } from '../http/client';
import { accountOf } from '../http/rateLimit';
import { parseResponse } from '../http/parse';
import { idempotentPost } from '../http/retry';
import { userAgent } from '../port/ownership';
import {
  entryEnvelopeSchema,
  listEntriesSchema,
  typeEnvelopeSchema,
  type AttributePayload,
  type CatalogEntry,
  type CatalogType,
  type CreateEntryPayload,
  type PartialEntryPayload,
  type UpdateEntryPayload,
} from './schemas';

export const INCIDENT_IO_API = 'incidentio';
/** Largest `page_size` of GET /v3/catalog_entries (required there; the API's default is 25): our default. */
export const MAX_PAGE_SIZE = 250;
/** Entries per bulk_update: the spec copy's limit (current docs say 250, unverified). */
export const MAX_BULK_UPDATE = 100;

export interface IncidentIoClientOptions {
  /** https://api.incident.io, or a simulator's URL. */
  apiUrl: string;
  apiKey: string;
  /** The port-sync integration id, for the User-Agent. */
  integrationId: string;
  /** `page_size` of entry lists, 1..MAX_PAGE_SIZE; default MAX_PAGE_SIZE. */
  pageSize?: number;
  /** For tests: a fetch of their own (counting requests). */
  fetch?: typeof globalThis.fetch;
}

const seg = encodeURIComponent;

export class IncidentIoClient {
  private readonly http: KyInstance;
  private readonly pageSize: number;

  constructor(options: IncidentIoClientOptions) {
    this.pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`incident.io page size must be an integer in 1..${MAX_PAGE_SIZE}, got ${this.pageSize}`);
    }
    registerSecret(options.apiKey);
    const base = options.apiUrl.replace(/\/+$/, '');
    this.http = apiClient(INCIDENT_IO_API, {
      prefixUrl: `${base}/`,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        accept: 'application/json',
        'user-agent': userAgent(options.integrationId),
      },
      // The key, hashed, stands for the budget: the limit key appears in messages and metrics.
      limitKey: `${INCIDENT_IO_API}:${new URL(base).host}:${accountOf(options.apiKey)}`,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  private async call<S extends z.ZodType>(method: 'get' | 'post' | 'put', path: string, schema: S, options: Options): Promise<z.output<S>> {
    const body: unknown = await this.http(path, { ...options, method }).json();
    return parseResponse(INCIDENT_IO_API, method, `/${path}`, schema, body);
  }

  // --- types -----------------------------------------------------------------------------------------

  async getType(typeId: string, signal?: AbortSignal): Promise<CatalogType> {
    return (await this.call('get', `v3/catalog_types/${seg(typeId)}`, typeEnvelopeSchema, { signal })).catalog_type;
  }

  /**
   * Replaces the whole schema (attributes left out are removed with their values). `version` is the
   * schema version read last; a stale one is a 422. Not retried as a POST: a repeat after a lost
   * answer would be stale.
   */
  async updateSchema(typeId: string, version: number, attributes: AttributePayload[], signal?: AbortSignal): Promise<CatalogType> {
    const path = `v3/catalog_types/${seg(typeId)}/actions/update_schema`;
    return (await this.call('post', path, typeEnvelopeSchema, { json: { version, attributes }, signal })).catalog_type;
  }

  // --- entries ---------------------------------------------------------------------------------------

  /**
   * One page of the type's live entries (archived ones are not listed). `next` is `pagination_meta.after`,
   * which incident.io sends only when more follow: one request fewer than paging until an empty page.
   */
  async listEntriesPage(typeId: string, after: string | undefined, signal?: AbortSignal): Promise<{ entries: CatalogEntry[]; next?: string }> {
    const searchParams: Record<string, string | number> = { catalog_type_id: typeId, page_size: this.pageSize };
    if (after) searchParams.after = after;
    const page = await this.call('get', 'v3/catalog_entries', listEntriesSchema, { searchParams, signal });
    const next = page.pagination_meta.after || undefined;
    // A cursor that does not move would page forever.
    if (next !== undefined && next === after) {
      throw ApplicationFailure.nonRetryable(`${INCIDENT_IO_API} API: GET /v3/catalog_entries answered the cursor it was given (${after})`, 'UnexpectedResponse');
    }
    return next ? { entries: page.catalog_entries, next } : { entries: page.catalog_entries };
  }

  /** The live entry whose external id is this one, if any (the list's `identifier` filter, one request). */
  async findEntry(typeId: string, externalId: string, signal?: AbortSignal): Promise<CatalogEntry | undefined> {
    const searchParams = { catalog_type_id: typeId, page_size: MAX_PAGE_SIZE, identifier: externalId };
    const page = await this.call('get', 'v3/catalog_entries', listEntriesSchema, { searchParams, signal });
    // The filter also matches ids, aliases and names: only the external id is the key.
    return page.catalog_entries.find((e) => e.external_id === externalId && !e.archived_at);
  }

  /** Every live entry of the type, page by page (empty pages are not yielded). */
  async *listEntries(typeId: string, signal?: AbortSignal): AsyncGenerator<CatalogEntry[]> {
    let after: string | undefined;
    do {
      const page = await this.listEntriesPage(typeId, after, signal);
      if (page.entries.length > 0) yield page.entries;
      after = page.next;
    } while (after);
  }

  /**
   * 201 either way: with an `external_id` already in the type, that entry is updated (and revived if
   * archived), so such a create is safe to repeat. Without one every call makes a new entry: not retried.
   */
  async createEntry(payload: CreateEntryPayload, signal?: AbortSignal): Promise<CatalogEntry> {
    const options: Options = { json: payload, signal, ...(payload.external_id ? idempotentPost : {}) };
    return (await this.call('post', 'v3/catalog_entries', entryEnvelopeSchema, options)).catalog_entry;
  }

  /**
   * One atomic bulk_update (≤ MAX_BULK_UPDATE entries; one bad item fails all, 422). Only the values of
   * `updateAttributes` are touched (listed but absent: cleared). The same body twice gives the same
   * state, so it is retried. Answers 204.
   */
  async bulkUpdate(typeId: string, entries: PartialEntryPayload[], updateAttributes: string[], signal?: AbortSignal): Promise<void> {
    if (entries.length > MAX_BULK_UPDATE) {
      throw ApplicationFailure.nonRetryable(`${INCIDENT_IO_API} API: bulk_update takes at most ${MAX_BULK_UPDATE} entries, got ${entries.length}`, 'InvalidRequest');
    }
    // The API wants at least one entry; nothing to update is no request.
    if (entries.length === 0) return;
    const json = { catalog_type_id: typeId, entries, update_attributes: updateAttributes };
    await this.http.post('v3/catalog_entries/actions/bulk_update', { json, signal, ...idempotentPost });
  }

  /** PUT: core fields as given; of the values only `updateAttributes` are touched (listed but absent: cleared). */
  async updateEntry(entryId: string, payload: UpdateEntryPayload, updateAttributes: string[], signal?: AbortSignal): Promise<CatalogEntry> {
    const json = { ...payload, update_attributes: updateAttributes };
    return (await this.call('put', `v3/catalog_entries/${seg(entryId)}`, entryEnvelopeSchema, { json, signal })).catalog_entry;
  }

  /** Archives the entry (a later create with its external_id revives it). False when it was already gone (404). */
  async deleteEntry(entryId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.http.delete(`v3/catalog_entries/${seg(entryId)}`, { signal });
      return true;
    } catch (err) {
      if (err instanceof HTTPError && err.response.status === 404) return false;
      throw err;
    }
  }
}
