// Deleting entities of one blueprint: Port's bulk route, 100 ids per request. Without
// delete_dependents Port refuses the whole request if any entity has dependents; then each id of that
// request is deleted on its own, so the free ones go and the refused ones are reported with Port's
// reason (and kept). Only what Port lists in `deletedEntities` counts as deleted (a batch can be
// deleted in part, as Ocean also reads it); each id it leaves out is deleted on its own, where a 404
// means gone already.
import { HTTPError } from 'ky';
import { apiMessage } from '../http/errors';
import type { DeleteOptions, PortClient } from './client';
import type { ItemFailure } from './bulkUpsert';

export const MAX_BULK_DELETE = 100;

export interface DeleteOutcome {
  deleted: string[];
  failed: ItemFailure[];
}

/** Answers that refuse the request as a whole for something in it (dependents, a bad id). */
const REFUSED_AS_WHOLE = new Set([400, 409, 422]);

export async function deleteEntities(client: PortClient, blueprint: string, identifiers: string[], opts: DeleteOptions): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: [], failed: [] };
  for (let i = 0; i < identifiers.length; i += MAX_BULK_DELETE) {
    const chunk = identifiers.slice(i, i + MAX_BULK_DELETE);
    try {
      const deleted = new Set(await client.bulkDelete(blueprint, chunk, opts));
      outcome.deleted.push(...chunk.filter((id) => deleted.has(id)));
      const left = chunk.filter((id) => !deleted.has(id));
      if (left.length > 0) outcome.failed.push(...(await deleteOneByOne(client, blueprint, left, opts, outcome.deleted)));
    } catch (err) {
      if (!(err instanceof HTTPError) || !REFUSED_AS_WHOLE.has(err.response.status)) throw err;
      outcome.failed.push(...(await deleteOneByOne(client, blueprint, chunk, opts, outcome.deleted)));
    }
  }
  return outcome;
}

/**
 * Deletes each id alone, in passes: an entity refused because another id of the list depends on it
 * goes in a later pass, once that one is deleted. Returns the ones still refused.
 */
async function deleteOneByOne(client: PortClient, blueprint: string, ids: string[], opts: DeleteOptions, deleted: string[]): Promise<ItemFailure[]> {
  let pending = ids;
  for (;;) {
    const refused: ItemFailure[] = [];
    for (const id of pending) {
      try {
        await client.deleteEntity(blueprint, id, opts); // false (404): gone already
        deleted.push(id);
      } catch (err) {
        if (!(err instanceof HTTPError) || !REFUSED_AS_WHOLE.has(err.response.status)) throw err;
        refused.push({ identifier: id, message: `${err.response.status}: ${await apiMessage(err.response)}` });
      }
    }
    if (refused.length === 0 || refused.length === pending.length) return refused;
    pending = refused.map((r) => r.identifier);
  }
}
