// The base of every connector's HTTP client: ky over the proxy-aware fetch, with timeouts, the retry
// rules of retry.ts, pacing by the account's shared rate limiter (rateLimit.ts), and each response
// counted per API (port_sync_http_requests, port_sync_http_throttled) on the worker's metrics.
// docs/http.md describes the whole policy.
import ky, { type KyInstance, type Options } from 'ky';
import type { z } from 'zod';
import { processMetrics } from '../metrics';
import { proxyFetch } from './fetch';
import { parseResponse } from './parse';
import { limiterFor, type RateLimiter } from './rateLimit';
import { recordRequest } from './requestCount';
import { DEFAULT_RETRY_POLICY, failureBudget, kyRetry, type RetryPolicy } from './retry';

export interface ApiClientOptions extends Options {
  /** Rate-limit key: the API and the account whose budget requests count against. Default: the API name. */
  limitKey?: string;
  /** In-request retry rules; Temporal retries the activity once they give up. */
  retryPolicy?: Partial<RetryPolicy>;
}

/**
 * The network part of each attempt, which the limiter let go (beforeRequest): it reads the answer's
 * headers and counts it. (Not in an afterResponse hook: ky clones the response for each of those.)
 */
function limitedFetch(api: string, limiter: RateLimiter, fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    let response: Response | undefined;
    try {
      response = await fetch(input, init);
      processMetrics()?.httpRequest(api, response.status);
      recordRequest(api);
      return response;
    } finally {
      limiter.finished(response);
    }
  };
}

export function apiClient(api: string, options: ApiClientOptions = {}): KyInstance {
  const { limitKey, retryPolicy, fetch = proxyFetch, ...kyOptions } = options;
  const policy = { ...DEFAULT_RETRY_POLICY, ...retryPolicy };
  const limiter = limiterFor(limitKey ?? api);
  const base = ky.create({
    fetch: limitedFetch(api, limiter, fetch),
    timeout: 30_000,
    retry: kyRetry(policy),
    hooks: {
      // Before every attempt, retries included, and before ky's timeout starts.
      beforeRequest: [(request) => limiter.acquire(request.signal, policy.maxServerWaitMs)],
      beforeRetry: [failureBudget(policy)],
      // An activity may call several APIs (incident.io's prepare reads Port): its failure names the one that answered.
      beforeError: [(error) => Object.assign(error, { api })],
    },
  });
  // extend() merges deeply: the caller's hooks add to these, its retry fields override these.
  return base.extend(kyOptions);
}

/**
 * One request whose JSON answer is checked against `schema` (parse.ts). `path` is relative to the
 * client's prefixUrl, without a leading slash.
 */
export async function requestJson<S extends z.ZodType>(
  http: KyInstance,
  api: string,
  method: 'get' | 'post' | 'put' | 'patch' | 'delete',
  path: string,
  schema: S,
  options: Options = {},
): Promise<z.output<S>> {
  const body: unknown = await http(path, { ...options, method }).json();
  return parseResponse(api, method, `/${path}`, schema, body);
}
