// deleteEntities over an injected client: only what Port lists in `deletedEntities` counts as deleted;
// an id it leaves out is deleted on its own (404: gone already) or reported and kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTPError } from 'ky';
import { deleteEntities } from '../../activities/port/bulkDelete';
import type { PortClient } from '../../activities/port/client';

const signal = new AbortController().signal;

test('a batch Port deleted in part: the rest are deleted one by one, and one Port still refuses is kept and reported', async () => {
  const single: string[] = [];
  const client = {
    // Port deleted a and c only.
    bulkDelete: async () => ['a', 'c'],
    async deleteEntity(_bp: string, id: string) {
      single.push(id);
      if (id === 'b') return false; // 404: gone meanwhile
      const request = new Request('http://port.test/v1/blueprints/service/entities/d', { method: 'DELETE' });
      const response = new Response(JSON.stringify({ ok: false, message: 'has dependents' }), { status: 422, headers: { 'content-type': 'application/json' } });
      throw new HTTPError(response, request, {} as never);
    },
  } as unknown as PortClient;
  const outcome = await deleteEntities(client, 'service', ['a', 'b', 'c', 'd'], { deleteDependents: false, signal });
  assert.deepEqual(outcome.deleted.sort(), ['a', 'b', 'c']);
  assert.deepEqual(outcome.failed.map((f) => f.identifier), ['d']);
  assert.match(outcome.failed[0]!.message, /^422: .*has dependents/);
  // d is asked again once b is gone (it might have depended on b), then reported.
  assert.deepEqual(single, ['b', 'd', 'd']);
});
