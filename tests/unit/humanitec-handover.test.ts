// HandOver (activities/humanitec/handOver.ts): what one kind read is handed to a fixed number of later
// takers and then freed; a miss, a failed read or an answer past its age is read afresh.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { HandOver } from '../../activities/humanitec/handOver';

function reader(answer: string) {
  const read = mock.fn(async () => answer);
  return read;
}

test('a kept answer goes to each of its takers once, then the next take reads', async () => {
  const h = new HandOver<string>(60_000);
  const first = reader('kept');
  assert.equal(await h.keep('a', 2, first), 'kept');
  const later = reader('fresh');
  assert.equal(await h.take('a', later), 'kept');
  assert.equal(await h.take('a', later), 'kept');
  assert.equal(h.size, 0, 'freed by its last taker');
  assert.equal(await h.take('a', later), 'fresh');
  assert.equal(first.mock.callCount(), 1);
  assert.equal(later.mock.callCount(), 1);
});

test('nothing kept: the take reads, and keeps nothing', async () => {
  const h = new HandOver<string>(60_000);
  assert.equal(await h.take('b', reader('fresh')), 'fresh');
  assert.equal(h.size, 0);
});

test('a kept read that failed is read again by its taker', async () => {
  const h = new HandOver<string>(60_000);
  await assert.rejects(h.keep('c', 1, async () => Promise.reject(new Error('503'))));
  assert.equal(h.size, 0);
  // Still in flight when taken, failing afterwards: the taker reads for itself.
  let fail!: (err: Error) => void;
  void h.keep('d', 1, () => new Promise<string>((_, reject) => (fail = reject))).catch(() => undefined);
  const taken = h.take('d', reader('fresh'));
  fail(new Error('reset'));
  assert.equal(await taken, 'fresh');
});

test('an answer older than the age limit is not handed over, and untaken answers are freed', async () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  try {
    const h = new HandOver<string>(60_000);
    await h.keep('e', 1, reader('old'));
    await h.keep('f', 1, reader('old'));
    mock.timers.tick(60_001);
    assert.equal(await h.take('e', reader('fresh')), 'fresh');
    assert.equal(h.size, 0, 'the sweep freed "f", which nobody took');
  } finally {
    mock.timers.reset();
  }
});
