// The base of every connector's HTTP client: ky over the proxy-aware fetch, with each response
// counted per API (port_sync_http_requests, port_sync_http_throttled) on the worker's metrics.
// The engine's full retry and rate-limit rules build on this (issue "2 of 4").
import ky, { type KyInstance, type Options } from 'ky';
import { processMetrics } from '../metrics';
import { proxyFetch } from './fetch';

export function apiClient(api: string, options: Options): KyInstance {
  return ky.create({
    fetch: proxyFetch,
    ...options,
    hooks: {
      ...options.hooks,
      afterResponse: [...(options.hooks?.afterResponse ?? []), (_req, _opts, res) => processMetrics()?.httpRequest(api, res.status)],
    },
  });
}
