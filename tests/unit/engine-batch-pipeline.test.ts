// BatchPipeline: a batch's source pages are fetched while the batch before is read from the target, at
// most `depth` batches ahead of the writer; a batch that did not fill up (a slow source) stops reading ahead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchPipeline } from '../../activities/engine/batchPipeline';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Batch = { n: number; pages: number; cursor?: string; full: boolean };

/** Batches numbered from the cursor; `notFull` batches end early, as a slow source's would. */
function stages({ batches = 10, notFull = new Set<number>(), ahead = (): boolean => true } = {}) {
  const log: string[] = [];
  return {
    log,
    stages: {
      fetch: async (cursor: string | undefined, maxPages: number): Promise<Batch> => {
        const n = Number(cursor ?? 0);
        log.push(`fetch ${n}`);
        await sleep(5);
        assert.ok(maxPages > 0);
        return { n, pages: 1, cursor: n + 1 < batches ? String(n + 1) : undefined, full: !notFull.has(n) };
      },
      read: async (batch: Batch) => {
        log.push(`read ${batch.n}`);
        await sleep(10);
        return `read of ${batch.n}`;
      },
      mayReadAhead: ahead,
    },
  };
}

async function drain(pipeline: BatchPipeline<Batch, string>, writeMs = 0) {
  const got: number[] = [];
  let cursor: string | undefined;
  do {
    const batch = await pipeline.next(cursor);
    got.push(batch.n);
    assert.equal(batch.read, `read of ${batch.n}`);
    await sleep(writeMs);
    pipeline.done();
    cursor = batch.cursor;
  } while (cursor);
  await pipeline.settle();
  return got;
}

test('batches arrive in order; the next batch is fetched while this one is read from the target', async () => {
  const { log, stages: s } = stages();
  const got = await drain(new BatchPipeline(s, 100, 2));
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(log.indexOf('fetch 1') < log.indexOf('read 0') + 1 && log.indexOf('fetch 1') !== -1);
  assert.equal(log.filter((l) => l.startsWith('fetch')).length, 10, 'each batch fetched once');
});

test('no more than `depth` batches are read ahead of a slow writer', async () => {
  const { log, stages: s } = stages({ batches: 20 });
  const pipeline = new BatchPipeline(s, 100, 2);
  await pipeline.next(undefined); // the writer holds batch 0 and does not come back for a while
  await sleep(200);
  assert.deepEqual(log.filter((l) => l.startsWith('fetch')), ['fetch 0', 'fetch 1', 'fetch 2'], 'batch 0 held, 1 and 2 read ahead');
  pipeline.done();
  await pipeline.settle();
});

test('a batch that did not fill up stops reading ahead: the next one is fetched when the writer asks', async () => {
  const { log, stages: s } = stages({ batches: 6, notFull: new Set([2]) });
  const pipeline = new BatchPipeline(s, 100, 2);
  for (let i = 0; i < 3; i++) {
    await pipeline.next(String(i));
    pipeline.done();
  }
  await sleep(100);
  assert.ok(!log.includes('fetch 3'), `nothing fetched after the short batch: ${log.join(', ')}`);
  assert.equal((await pipeline.next('3')).n, 3);
  await pipeline.settle();
});

test('pages are never fetched beyond the activity\'s share, and readAfter counts the batches written before the read', async () => {
  const { log, stages: s } = stages({ batches: 20 });
  const pipeline = new BatchPipeline(s, 3, 2);
  const first = await pipeline.next(undefined);
  assert.equal(first.readAfter, 0);
  pipeline.done();
  const second = await pipeline.next(first.cursor);
  assert.equal(second.readAfter, 0, 'read while batch 0 was being written');
  await sleep(50);
  pipeline.done();
  const third = await pipeline.next(second.cursor);
  assert.ok(third.readAfter <= 1);
  await pipeline.settle();
  assert.equal(log.filter((l) => l.startsWith('fetch')).length, 3);
});

test('when reading ahead is not allowed (time up, draining), batches are fetched one at a time', async () => {
  const { log, stages: s } = stages({ batches: 5, ahead: () => false });
  const pipeline = new BatchPipeline(s, 100, 2);
  await pipeline.next(undefined);
  await sleep(100);
  assert.deepEqual(log, ['fetch 0', 'read 0']);
  await pipeline.settle();
});
