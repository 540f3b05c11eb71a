// Retries inside one request (invariant 7): 408, 429, 5xx, timeouts and connection failures, with
// exponential backoff and full jitter. The budget is short: when it is spent the error ends the
// activity attempt and Temporal retries the activity (toActivityFailure), no sooner than the server said.
//
// Waits the server asks for (Retry-After, a spent x-ratelimit window) are not slept here but kept by
// the key's rate limiter (rateLimit.ts): every request of the account waits them out, including this
// request's retry, which passes the limiter again before it goes.
import { HTTPError, TimeoutError, type Options, type RetryOptions } from 'ky';
import { serverWaitMs } from './headers';

export interface RetryPolicy {
  /** Retries after 408, 5xx, timeouts and connection failures. */
  retries: number;
  /** Retries after 429; each waits at least as long as the server asked. */
  throttleRetries: number;
  /** Backoff cap of the first retry; doubles per retry up to `maxDelayMs`; the delay is uniform in [0, cap]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Longest wait the server may ask for inside one request. Longer ones end the attempt so Temporal
   * holds the activity instead of a worker slot (and heartbeats are not starved).
   */
  maxServerWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  throttleRetries: 6,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxServerWaitMs: 20_000,
};

const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

const isThrottle = (error: Error) => error instanceof HTTPError && error.response.status === 429;

/**
 * Whether this failure of a request that may be repeated is worth another try now, by the request's
 * whole retry count. The budget for failures other than 429 is kept per request by `failureBudget`,
 * so 429s in between never use it up.
 */
export function shouldRetry(policy: RetryPolicy, error: Error, retryCount: number): boolean {
  const limit = Math.max(policy.retries, policy.throttleRetries);
  if (error instanceof HTTPError) {
    const { status } = error.response;
    if (!RETRY_STATUSES.includes(status)) return false;
    const wait = serverWaitMs(error.response);
    if (wait !== undefined && wait > policy.maxServerWaitMs) return false;
    return retryCount <= (status === 429 ? policy.throttleRetries : limit);
  }
  if (error instanceof TimeoutError) return retryCount <= limit;
  // Refused or reset connections, DNS failures: our fetch (fetch.ts), like undici's, rejects with TypeError('fetch failed').
  return error instanceof TypeError && error.message === 'fetch failed' && retryCount <= limit;
}

/**
 * ky's beforeRetry hook that ends a request after `retries` failures other than 429 (408, 5xx, timeouts,
 * resets). ky gives shouldRetry only the total count; its options object is the one thing that is the
 * same across the attempts of one request and no other, so the count is kept against it.
 */
export function failureBudget(policy: RetryPolicy) {
  const failures = new WeakMap<object, number>();
  return ({ options, error }: { options: object; error: Error }) => {
    if (isThrottle(error)) return;
    const n = (failures.get(options) ?? 0) + 1;
    failures.set(options, n);
    if (n > policy.retries) throw error;
  };
}

/** ky's retry options for a policy. */
export function kyRetry(policy: RetryPolicy): RetryOptions {
  return {
    limit: Math.max(policy.retries, policy.throttleRetries),
    // Safe to repeat by HTTP semantics; a POST opts in with `idempotentPost`.
    methods: ['get', 'put', 'head', 'delete', 'options', 'trace'],
    statusCodes: RETRY_STATUSES,
    // ky would sleep Retry-After itself (and read a GitHub-style x-ratelimit-reset on a 503 as one);
    // the rate limiter keeps those waits instead, for every request of the key.
    afterStatusCodes: [],
    retryOnTimeout: true,
    delay: (attempt) => Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)),
    jitter: true, // full jitter: uniform between 0 and the delay above
    shouldRetry: ({ error, retryCount }) => shouldRetry(policy, error, retryCount),
  };
}

/**
 * Per-request options that mark a POST as safe to repeat: upserts by identifier, searches, the token
 * request. ky merges `methods` arrays, so this adds 'post' to the client's list for this request only.
 */
export const idempotentPost = { retry: { methods: ['post'] } } satisfies Options;
