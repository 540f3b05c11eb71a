// The Humanitec client's read slots (activities/humanitec/client.ts Semaphore): never more than its
// size in flight; a freed slot goes to the longest-waiting urgent request (a kind others wait for),
// then to the longest-waiting other one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Semaphore, urgent } from '../../activities/humanitec/client';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test('a freed slot goes to an urgent request before requests that waited longer', async () => {
  const slots = new Semaphore(1);
  const order: string[] = [];
  const holder = gate();
  const held = slots.run(() => holder.opened);
  const queued = [
    slots.run(async () => void order.push('plain 1')),
    urgent.run(true, () => slots.run(async () => void order.push('urgent 1'))),
    slots.run(async () => void order.push('plain 2')),
    urgent.run(true, () => slots.run(async () => void order.push('urgent 2'))),
  ];
  holder.open();
  await Promise.all([held, ...queued]);
  assert.deepEqual(order, ['urgent 1', 'urgent 2', 'plain 1', 'plain 2']);
});

test('never more requests in flight than slots, urgent or not', async () => {
  const slots = new Semaphore(3);
  let inFlight = 0;
  let most = 0;
  const task = async () => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
  };
  await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? urgent.run(true, () => slots.run(task)) : slots.run(task))));
  assert.equal(most, 3);
});
