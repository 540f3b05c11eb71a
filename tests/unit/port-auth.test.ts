// Port access tokens over a long session: Port answers every token request with its one active token
// and the time it has left, so asking early again gains nothing (sim/port/auth.ts behaves the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PortTokens } from '../../activities/port/auth';
import { PortClient } from '../../activities/port/client';
import { tokenResponseSchema } from '../../activities/port/schemas';
import { SimServer } from '../../sim/http';
import { Tokens } from '../../sim/port/auth';

test('a busy session over several token lifetimes asks for each token at most three times, and never fails', async (t) => {
  const start = Date.parse('2026-11-22T00:00:00Z');
  let now = start;
  // Not t.mock.method: it records each of the ~200,000 calls.
  const realNow = Date.now;
  Date.now = () => now;
  t.after(() => (Date.now = realNow));
  const port = new Tokens(3600);
  let calls = 0;
  const tokens = new PortTokens(randomUUID(), async () => {
    calls++;
    // Parsed as PortClient parses it: near the end Port says `expiresIn: 0`.
    const answer = tokenResponseSchema.parse({ ...port.issue('client', now), tokenType: 'Bearer' });
    return { header: `Bearer ${answer.accessToken}`, expiresInSeconds: answer.expiresIn };
  });
  const used = new Set<string>();
  // A request every 70 ms for 3.5 hours (clock only); 70 ms does not divide the lifetime, so renewals
  // land a little after the times asked for and Port rounds the seconds left down.
  for (; now < start + 3.5 * 3_600_000; now += 70) used.add(await tokens.header());
  assert.equal(used.size, 4);
  // First ask, the one early renewal (same token back), and one at expiry (0 left, or the next token).
  assert.ok(calls <= 3 * used.size, `${calls} token requests for ${used.size} tokens`);
});

test('expiresIn 0: the requests waiting for the token use it, and only the next request asks again', async () => {
  const fake = new SimServer();
  let issued = 0;
  const sent: string[] = [];
  fake.route('POST', '/v1/auth/access_token', () => {
    issued++;
    return { status: 200, body: { ok: true, accessToken: `tok-${issued}`, expiresIn: issued === 1 ? 0 : 3600, tokenType: 'Bearer' } };
  });
  fake.route('GET', '/v1/blueprints/:id', (req) => {
    sent.push(String(req.headers.authorization));
    return { status: 200, body: { ok: true, blueprint: { identifier: req.params.id, schema: { properties: {} } } } };
  });
  try {
    const client = new PortClient({ apiUrl: await fake.listen(), clientId: randomUUID(), clientSecret: 'secret', integrationId: 'auth-test' });
    await Promise.all(Array.from({ length: 5 }, () => client.getBlueprint('service')));
    for (let i = 0; i < 5; i++) await client.getBlueprint('service');
    assert.equal(issued, 2);
    assert.deepEqual(sent, [...Array(5).fill('Bearer tok-1'), ...Array(5).fill('Bearer tok-2')]);
  } finally {
    await fake.close();
  }
});
