// Proves who sent a webhook before anything else reads it. One verifier per sender; all comparisons
// are timing-safe. A failure reason is for our logs only: the sender just gets 401.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { VerifierKind } from '../../activities/webhook';


export type Verdict = { ok: true } | { ok: false; reason: string };

/** Port's signed webhooks: a signature older than this is a replay. */
export const PORT_REPLAY_WINDOW_SECONDS = 300;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Compares two strings in constant time whatever their lengths (both are hashed first). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyGithub(body: Buffer, headers: IncomingHttpHeaders, secret: string): Verdict {
  const given = header(headers, 'x-hub-signature-256');
  if (!given) return { ok: false, reason: 'missing X-Hub-Signature-256' };
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return safeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature-256 does not match' };
}

/** GitLab: the secret token itself in `X-Gitlab-Token`. */
export function verifyGitlab(_body: Buffer, headers: IncomingHttpHeaders, secret: string): Verdict {
  const given = header(headers, 'x-gitlab-token');
  if (!given) return { ok: false, reason: 'missing X-Gitlab-Token' };
  return safeEqual(given, secret) ? { ok: true } : { ok: false, reason: 'X-Gitlab-Token does not match' };
}

/**
 * Port: `x-port-timestamp` (seconds) and `x-port-signature: v1,<base64 HMAC-SHA256 of "timestamp.body">`,
 * possibly several space-separated signatures during a secret rotation.
 */
export function verifyPort(body: Buffer, headers: IncomingHttpHeaders, secret: string, nowMs = Date.now()): Verdict {
  const timestamp = header(headers, 'x-port-timestamp');
  const signatures = header(headers, 'x-port-signature');
  if (!timestamp || !signatures) return { ok: false, reason: 'missing x-port-timestamp or x-port-signature' };
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds)) return { ok: false, reason: 'x-port-timestamp is not a number' };
  if (Math.abs(nowMs / 1000 - seconds) > PORT_REPLAY_WINDOW_SECONDS) {
    return { ok: false, reason: `x-port-timestamp outside the ${PORT_REPLAY_WINDOW_SECONDS}s replay window` };
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('base64');
  const match = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => safeEqual(s.slice(3), expected));
  return match ? { ok: true } : { ok: false, reason: 'x-port-signature does not match' };
}

/** Senders that can only add a static header (Humanitec): `Authorization: Bearer <token>` or `X-Port-Sync-Token`. */
export function verifyToken(_body: Buffer, headers: IncomingHttpHeaders, secret: string): Verdict {
  const bearer = header(headers, 'authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  const given = bearer ?? header(headers, 'x-port-sync-token');
  if (!given) return { ok: false, reason: 'missing Authorization: Bearer or X-Port-Sync-Token header' };
  return safeEqual(given, secret) ? { ok: true } : { ok: false, reason: 'token does not match' };
}

/**
 * Verifiers that look at the headers alone (a static secret, not a signature over the body). The receiver
 * runs them before it reads the body, so a sender without the secret is refused without being buffered.
 */
export const HEADER_ONLY_VERIFIERS: ReadonlySet<VerifierKind> = new Set<VerifierKind>(['gitlab', 'token']);

export const VERIFIERS: Record<VerifierKind, (body: Buffer, headers: IncomingHttpHeaders, secret: string) => Verdict> = {
  github: verifyGithub,
  gitlab: verifyGitlab,
  port: (body, headers, secret) => verifyPort(body, headers, secret),
  token: verifyToken,
};
