// Writing many entities of one blueprint through Port's bulk route: batches of at most 20 entities
// and 1 MiB of body; a batch Port refuses as a whole (413 too large, 422/400 one bad item failing the
// route's schema) is split in halves until the culprit stands alone and is reported, so one bad
// entity never costs the others their write (invariant 8). 207 answers name failures by `index`.
import { HTTPError } from 'ky';
import { apiMessage } from '../http/errors';
import { describeIssues } from '../http/parse';
import type { PortClient, WriteOptions } from './client';
import { entityBodySchema, type EntityBody } from './schemas';

export const MAX_BULK_ENTITIES = 20;
/** Port's body limit, less room for `{"entities":[...]}` and commas. */
export const MAX_BULK_BYTES = 1024 * 1024 - 1024;
/** Batches of one call in flight together. */
const CONCURRENCY = 4;

export interface ItemFailure {
  identifier: string;
  message: string;
}

export interface UpsertOutcome {
  written: string[];
  failed: ItemFailure[];
}

interface Sized {
  entity: EntityBody;
  bytes: number;
}

/** Consecutive batches within both limits (an entity alone over the byte limit is not batched). */
export function batchBySize<T extends { bytes: number }>(items: T[], maxCount: number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (batch.length > 0 && (batch.length === maxCount || bytes + item.bytes + 1 > maxBytes)) {
      batches.push(batch);
      [batch, bytes] = [[], 0];
    }
    batch.push(item);
    bytes += item.bytes + 1;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

const REFUSED_AS_WHOLE = new Set([400, 413, 422]);

export interface BulkOptions extends WriteOptions {
  /** Body budget per request; default MAX_BULK_BYTES (tests raise it to provoke Port's 413). */
  maxBytes?: number;
}

export async function upsertEntities(client: PortClient, blueprint: string, entities: EntityBody[], opts: BulkOptions): Promise<UpsertOutcome> {
  const maxBytes = opts.maxBytes ?? MAX_BULK_BYTES;
  const outcome: UpsertOutcome = { written: [], failed: [] };
  const sized: Sized[] = [];
  for (const entity of entities) {
    const checked = entityBodySchema.safeParse(entity);
    if (!checked.success) {
      outcome.failed.push({ identifier: String(entity.identifier), message: `not sent: ${describeIssues(checked.error)}` });
      continue;
    }
    const bytes = Buffer.byteLength(JSON.stringify(checked.data));
    if (bytes > maxBytes) outcome.failed.push({ identifier: checked.data.identifier, message: `not sent: ${bytes} bytes of JSON; Port takes at most 1 MiB per request` });
    else sized.push({ entity: checked.data, bytes });
  }

  const write = async (batch: Sized[]): Promise<void> => {
    try {
      const answer = await client.bulkUpsert(blueprint, batch.map((s) => s.entity), opts);
      const failedAt = new Set<number>();
      for (const error of answer.errors) {
        const identifier = batch[error.index]?.entity.identifier ?? error.identifier;
        failedAt.add(error.index);
        outcome.failed.push({ identifier, message: `${error.statusCode} ${error.error}: ${error.message}` });
      }
      for (const ok of answer.entities) {
        if (!failedAt.has(ok.index)) outcome.written.push(batch[ok.index]?.entity.identifier ?? ok.identifier);
      }
    } catch (err) {
      if (!(err instanceof HTTPError) || !REFUSED_AS_WHOLE.has(err.response.status)) throw err;
      if (batch.length === 1) {
        outcome.failed.push({ identifier: batch[0]!.entity.identifier, message: `${err.response.status}: ${await apiMessage(err.response)}` });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await write(batch.slice(0, half));
      await write(batch.slice(half));
    }
  };

  const queue = batchBySize(sized, MAX_BULK_ENTITIES, maxBytes);
  const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) await write(batch);
  });
  await Promise.all(workers);
  return outcome;
}
