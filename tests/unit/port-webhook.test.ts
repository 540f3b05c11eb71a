// Port's entity-change webhook bodies: the automation's context (under `event` or at the top) or a
// body of one's own name the entity; anything else is refused with a message that says what is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portEntityWebhook } from '../../activities/port/webhook';

const parse = (body: unknown, timestamp = '1795305600') =>
  portEntityWebhook.parse({ headers: { 'x-port-timestamp': timestamp }, body, receivedAt: '2026-11-22T00:00:00.000Z' });

test('each accepted body names the entity; the object key is blueprint/identifier', () => {
  for (const body of [
    { event: { context: { blueprintIdentifier: 'service', entityIdentifier: 'pay/ments' }, diff: { before: null, after: {} } } },
    { context: { blueprintIdentifier: 'service', entityIdentifier: 'pay/ments' } },
    { blueprint: 'service', identifier: 'pay/ments' },
  ]) {
    const events = parse(body);
    assert.ok(Array.isArray(events));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.objectKey, 'service/pay/ments');
    assert.deepEqual(events[0]!.data, { blueprint: 'service', identifier: 'pay/ments' });
  }
});

test('a redelivery (same signed timestamp and body) has the same delivery id; another body another one', () => {
  const body = { blueprint: 'service', identifier: 'a' };
  const [first] = parse(body) as { deliveryId: string }[];
  const [again] = parse(structuredClone(body)) as { deliveryId: string }[];
  const [other] = parse({ blueprint: 'service', identifier: 'b' }) as { deliveryId: string }[];
  assert.equal(first!.deliveryId, again!.deliveryId);
  assert.notEqual(first!.deliveryId, other!.deliveryId);
});

test('a later change to the same entity is not a duplicate, though a body of one\'s own names only the entity', () => {
  const body = { blueprint: 'service', identifier: 'payments' };
  const [renamed] = parse(body, '1795305600') as { deliveryId: string }[];
  const [deleted] = parse(body, '1795305900') as { deliveryId: string }[];
  assert.notEqual(renamed!.deliveryId, deleted!.deliveryId);
});

test('a body that names no entity is refused, saying what is needed', () => {
  for (const body of [{}, { event: { context: { blueprintIdentifier: 'service' } } }, { blueprint: '', identifier: 'x' }, null, 'text']) {
    assert.throws(() => parse(body), /names the entity: event\.context\.\{blueprintIdentifier,entityIdentifier\}/);
  }
});
