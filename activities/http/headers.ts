// What an API's response headers say about when the next request may go: `Retry-After`, and the
// `x-ratelimit-*` family (Port, Humanitec, GitHub and incident.io all send limit/remaining/reset).

/**
 * The longest wait any server answer may impose (one Port rate-limit window): a Retry-After or a
 * reset further away than this is a server or clock bug, and obeying it would stall the key for good.
 */
export const SERVER_WAIT_CAP_MS = 300_000;

/**
 * Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. A number of 1e9
 * or more (31 years) is epoch seconds sent as a delay, a known server bug: read as the time it names.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds >= 1e9 ? seconds * 1000 - now : seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RateLimitState {
  limit?: number;
  remaining: number;
  /** Epoch ms at which the window resets and `remaining` is back to `limit`. */
  resetAt: number;
  periodMs?: number;
  /**
   * A token bucket (`x-ratelimit-limit: 1200;window=60`, incident.io): it refills `limit` per `periodMs`
   * all the time, and "reset" is when it is full again, not the end of a window.
   */
  bucket?: boolean;
  /** When the response that said this arrived. */
  observedAt: number;
}

// "60, 1200;window=60" (incident.io) or "35000": the first number is the quota that applies now.
function leadingNumber(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The budget a response reports, or undefined when it reports none. `x-ratelimit-reset` is epoch
 * seconds for every API we call; a small number is read as seconds from now (some APIs do that).
 */
export function readRateLimit(headers: Headers, now = Date.now()): RateLimitState | undefined {
  const remaining = leadingNumber(headers.get('x-ratelimit-remaining'));
  const reset = leadingNumber(headers.get('x-ratelimit-reset'));
  if (remaining === undefined || reset === undefined) return undefined;
  const limitHeader = headers.get('x-ratelimit-limit');
  // The quota policy syntax of the IETF RateLimit headers draft: `<quota>;window=<seconds>`.
  const window = Number(/;\s*window=(\d+(?:\.\d+)?)/.exec(limitHeader ?? '')?.[1]);
  const period = leadingNumber(headers.get('x-ratelimit-period')) ?? (window > 0 ? window : undefined);
  const periodMs = period !== undefined && period > 0 ? period * 1000 : undefined;
  let resetAt = reset >= 1e9 ? reset * 1000 : now + reset * 1000;
  // A skewed clock must not stall us for longer than one window.
  if (periodMs !== undefined) resetAt = Math.min(resetAt, now + periodMs);
  return { limit: leadingNumber(limitHeader), remaining: Math.max(0, remaining), resetAt, periodMs, observedAt: now, ...(window > 0 ? { bucket: true } : {}) };
}

/**
 * How long the server asked us to wait before trying again after this failed response: its
 * `Retry-After`, else on a 429 the reset of a spent rate-limit window; at most `SERVER_WAIT_CAP_MS`.
 * Undefined when it said nothing.
 */
export function serverWaitMs(response: Response, now = Date.now()): number | undefined {
  const { status, headers } = response;
  if (status < 400) return undefined;
  let wait = retryAfterMs(headers.get('retry-after'), now);
  if (wait === undefined && status === 429) {
    const budget = readRateLimit(headers, now);
    if (budget && budget.remaining === 0) wait = Math.max(0, budget.resetAt - now);
  }
  return wait === undefined ? undefined : Math.min(wait, SERVER_WAIT_CAP_MS);
}
