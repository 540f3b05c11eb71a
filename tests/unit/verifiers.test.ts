// The webhook verifiers: each accepts exactly what its sender signs with the right secret and
// refuses a wrong secret, a missing header, a body changed after signing and (Port) a stale timestamp.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  PORT_REPLAY_WINDOW_SECONDS,
  VERIFIERS,
  safeEqual,
  verifyGithub,
  verifyGitlab,
  verifyPort,
  verifyToken,
} from '../../client/webhooks/verifiers';

const SECRET = 'whsec-3b1f9a0c7d2e';
const OTHER = 'whsec-000000000000';
// Raw bytes, not a re-serialised object: signatures are over exactly what was sent (note the
// spacing and the non-ASCII character, which JSON.stringify(JSON.parse(...)) would not keep).
const BODY = Buffer.from('{ "type": "item.updated",  "item": {"id": "svc-1", "name": "Zürich"} }\n', 'utf8');
const TAMPERED = Buffer.from(BODY.toString('utf8').replace('svc-1', 'svc-2'), 'utf8');

const assertOk = (verdict: ReturnType<typeof verifyGithub>) => assert.deepEqual(verdict, { ok: true });
const assertRejected = (verdict: ReturnType<typeof verifyGithub>, reason: RegExp) => {
  assert.equal(verdict.ok, false);
  assert.match((verdict as { reason: string }).reason, reason);
};

test('safeEqual compares by value, whatever the lengths', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', 'a'), false);
});

describe('github: X-Hub-Signature-256 HMAC-SHA256 over the raw body', () => {
  const sign = (body: Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  test('a valid signature passes', () => {
    assertOk(verifyGithub(BODY, { 'x-hub-signature-256': sign(BODY) }, SECRET));
    assertOk(VERIFIERS.github(BODY, { 'x-hub-signature-256': sign(BODY) }, SECRET));
  });
  test('a signature made with another secret fails', () => {
    assertRejected(verifyGithub(BODY, { 'x-hub-signature-256': sign(BODY, OTHER) }, SECRET), /does not match/);
  });
  test('a missing header fails', () => {
    assertRejected(verifyGithub(BODY, {}, SECRET), /missing X-Hub-Signature-256/);
    // The SHA-1 header GitHub also sends is not accepted in its place.
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(BODY).digest('hex')}`;
    assertRejected(verifyGithub(BODY, { 'x-hub-signature': sha1 }, SECRET), /missing/);
  });
  test('a body changed after signing fails', () => {
    assertRejected(verifyGithub(TAMPERED, { 'x-hub-signature-256': sign(BODY) }, SECRET), /does not match/);
    // The same JSON re-serialised is different bytes, so it fails too.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8'))));
    assertRejected(verifyGithub(reserialised, { 'x-hub-signature-256': sign(BODY) }, SECRET), /does not match/);
  });
  test('the bare hex digest without the sha256= prefix fails', () => {
    assertRejected(verifyGithub(BODY, { 'x-hub-signature-256': sign(BODY).slice('sha256='.length) }, SECRET), /does not match/);
  });
});

describe('gitlab: X-Gitlab-Token holds the secret itself', () => {
  test('the right token passes', () => {
    assertOk(verifyGitlab(BODY, { 'x-gitlab-token': SECRET }, SECRET));
    assertOk(VERIFIERS.gitlab(BODY, { 'x-gitlab-token': SECRET }, SECRET));
  });
  test('another token fails, as does a prefix of the right one', () => {
    assertRejected(verifyGitlab(BODY, { 'x-gitlab-token': OTHER }, SECRET), /does not match/);
    assertRejected(verifyGitlab(BODY, { 'x-gitlab-token': SECRET.slice(0, -1) }, SECRET), /does not match/);
  });
  test('a missing header fails', () => {
    assertRejected(verifyGitlab(BODY, {}, SECRET), /missing X-Gitlab-Token/);
    assertRejected(verifyGitlab(BODY, { 'x-gitlab-token': '' }, SECRET), /missing X-Gitlab-Token/);
  });
  test('the token is not bound to the body (GitLab signs nothing), so a changed body with the token passes', () => {
    // Documented behaviour of GitLab's scheme, stated here so nobody mistakes it for a body check.
    assertOk(verifyGitlab(TAMPERED, { 'x-gitlab-token': SECRET }, SECRET));
  });
});

describe('port: x-port-signature = v1,<base64 HMAC-SHA256 of "timestamp.body"> within a replay window', () => {
  const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
  const nowSeconds = NOW_MS / 1000;
  const sign = (timestamp: number | string, body: Buffer, secret = SECRET) =>
    `v1,${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('base64')}`;
  const headers = (timestamp: number | string, signature: string): IncomingHttpHeaders => ({
    'x-port-timestamp': String(timestamp),
    'x-port-signature': signature,
  });

  test('a valid signature passes, also through the VERIFIERS table at the current time', () => {
    assertOk(verifyPort(BODY, headers(nowSeconds, sign(nowSeconds, BODY)), SECRET, NOW_MS));
    const ts = Math.floor(Date.now() / 1000);
    assertOk(VERIFIERS.port(BODY, headers(ts, sign(ts, BODY)), SECRET));
  });
  test('a signature made with another secret fails', () => {
    assertRejected(verifyPort(BODY, headers(nowSeconds, sign(nowSeconds, BODY, OTHER)), SECRET, NOW_MS), /does not match/);
  });
  test('a missing timestamp or signature header fails', () => {
    assertRejected(verifyPort(BODY, { 'x-port-signature': sign(nowSeconds, BODY) }, SECRET, NOW_MS), /missing/);
    assertRejected(verifyPort(BODY, { 'x-port-timestamp': String(nowSeconds) }, SECRET, NOW_MS), /missing/);
    assertRejected(verifyPort(BODY, {}, SECRET, NOW_MS), /missing/);
  });
  test('a body changed after signing fails', () => {
    assertRejected(verifyPort(TAMPERED, headers(nowSeconds, sign(nowSeconds, BODY)), SECRET, NOW_MS), /does not match/);
  });
  test('the timestamp is signed: moving it (to dodge the replay window) breaks the signature', () => {
    const old = nowSeconds - PORT_REPLAY_WINDOW_SECONDS - 60;
    assertRejected(verifyPort(BODY, headers(nowSeconds, sign(old, BODY)), SECRET, NOW_MS), /does not match/);
  });
  test('a correctly signed timestamp outside the replay window fails, either side; inside passes', () => {
    const edge = PORT_REPLAY_WINDOW_SECONDS;
    for (const ts of [nowSeconds - edge - 1, nowSeconds + edge + 1, nowSeconds - 86_400]) {
      assertRejected(verifyPort(BODY, headers(ts, sign(ts, BODY)), SECRET, NOW_MS), /replay window/);
    }
    for (const ts of [nowSeconds - edge, nowSeconds + edge, nowSeconds - 1]) {
      assertOk(verifyPort(BODY, headers(ts, sign(ts, BODY)), SECRET, NOW_MS));
    }
  });
  test('a timestamp that is not a number fails', () => {
    assertRejected(verifyPort(BODY, headers('yesterday', sign('yesterday', BODY)), SECRET, NOW_MS), /not a number/);
  });
  test('several space-separated signatures (secret rotation): one matching v1 signature is enough', () => {
    const good = sign(nowSeconds, BODY);
    const stale = sign(nowSeconds, BODY, OTHER);
    assertOk(verifyPort(BODY, headers(nowSeconds, `${stale} ${good}`), SECRET, NOW_MS));
    assertOk(verifyPort(BODY, headers(nowSeconds, `${good} ${stale}`), SECRET, NOW_MS));
    assertRejected(verifyPort(BODY, headers(nowSeconds, `${stale} ${sign(nowSeconds, BODY, 'third-secret')}`), SECRET, NOW_MS), /does not match/);
  });
  test('only v1 signatures count: the right digest under another scheme tag fails', () => {
    const digest = sign(nowSeconds, BODY).slice(3);
    assertRejected(verifyPort(BODY, headers(nowSeconds, `v0,${digest}`), SECRET, NOW_MS), /does not match/);
    assertRejected(verifyPort(BODY, headers(nowSeconds, digest), SECRET, NOW_MS), /does not match/);
  });
});

describe('token: a static Authorization: Bearer or X-Port-Sync-Token header', () => {
  test('the right token passes in either header', () => {
    assertOk(verifyToken(BODY, { authorization: `Bearer ${SECRET}` }, SECRET));
    assertOk(verifyToken(BODY, { authorization: `bearer ${SECRET}` }, SECRET));
    assertOk(verifyToken(BODY, { 'x-port-sync-token': SECRET }, SECRET));
    assertOk(VERIFIERS.token(BODY, { 'x-port-sync-token': SECRET }, SECRET));
  });
  test('another token fails in either header', () => {
    assertRejected(verifyToken(BODY, { authorization: `Bearer ${OTHER}` }, SECRET), /does not match/);
    assertRejected(verifyToken(BODY, { 'x-port-sync-token': OTHER }, SECRET), /does not match/);
  });
  test('a missing header fails; so does the token without the Bearer scheme', () => {
    assertRejected(verifyToken(BODY, {}, SECRET), /missing/);
    assertRejected(verifyToken(BODY, { authorization: SECRET }, SECRET), /missing/);
    assertRejected(verifyToken(BODY, { authorization: `Basic ${SECRET}` }, SECRET), /missing/);
  });
  test('a wrong Bearer token is not rescued by a right X-Port-Sync-Token', () => {
    // Authorization wins when present; a sender cannot try two tokens in one request.
    assertRejected(verifyToken(BODY, { authorization: `Bearer ${OTHER}`, 'x-port-sync-token': SECRET }, SECRET), /does not match/);
  });
  test('the token is not bound to the body, so a changed body with the token passes', () => {
    assertOk(verifyToken(TAMPERED, { 'x-port-sync-token': SECRET }, SECRET));
  });
});
