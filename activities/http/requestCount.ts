// Requests per API sent on behalf of one piece of work (an activity attempt), for the run report.
// AsyncLocalStorage follows the work through every await, so concurrent activities of one worker do
// not count each other's requests.
import { AsyncLocalStorage } from 'node:async_hooks';

export type RequestCounts = Record<string, number>;

const current = new AsyncLocalStorage<RequestCounts>();

/** Runs `work`, adding every request it sends to `counts`. */
export function countingRequests<T>(counts: RequestCounts, work: () => Promise<T>): Promise<T> {
  return current.run(counts, work);
}

export function recordRequest(api: string) {
  const counts = current.getStore();
  if (counts) counts[api] = (counts[api] ?? 0) + 1;
}
