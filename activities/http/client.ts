// The base of every connector's HTTP client: ky over the proxy-aware fetch, with each response
// counted per API (port_sync_http_requests, port_sync_http_throttled) on the worker's metrics.
// The engine's full retry and rate-limit rules build on this (issue "2 of 4").
import ky, { type KyInstance, type Options } from 'ky';
import { metricMeter } from '@temporalio/activity';
import { syncMetrics } from '../metrics';
import { proxyFetch } from './fetch';

function countResponse(api: string, status: number) {
  try {
    syncMetrics(metricMeter).httpRequest(api, status);
  } catch {
    // Outside an activity (a CLI command, a test): there is no worker meter to count on.
  }
}

export function apiClient(api: string, options: Options): KyInstance {
  return ky.create({
    fetch: proxyFetch,
    ...options,
    hooks: {
      ...options.hooks,
      afterResponse: [...(options.hooks?.afterResponse ?? []), (_req, _opts, res) => countResponse(api, res.status)],
    },
  });
}
