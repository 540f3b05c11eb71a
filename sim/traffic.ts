// What every API simulator offers beyond SimServer's latency and 503s: the faults real APIs show (429
// storms with Retry-After, connection resets, slow answers), and a bounded record of the traffic that
// tests validate against the API's OpenAPI spec.
import type { SimExchange, SimResponse, SimServer } from './http';

export interface TrafficFaults {
  /** Share of requests answered 429 with Retry-After `throttleRetryAfterSeconds`. */
  throttleRatio: number;
  throttleRetryAfterSeconds: number;
  /** Share of requests whose socket is destroyed without an answer. */
  resetRatio: number;
  /** Share of requests delayed by `slowMs`. */
  slowRatio: number;
  slowMs: number;
}

export const noFaults = (): TrafficFaults => ({ throttleRatio: 0, throttleRetryAfterSeconds: 1, resetRatio: 0, slowRatio: 0, slowMs: 0 });

/** A reset or a 429 (with the API's own error body) for this request, or undefined to answer it (maybe late). */
export async function injectFault(f: TrafficFaults, throttledBody: () => unknown): Promise<SimResponse | undefined> {
  if (f.resetRatio > 0 && Math.random() < f.resetRatio) return { status: 0, reset: true };
  if (f.throttleRatio > 0 && Math.random() < f.throttleRatio) {
    return { status: 429, headers: { 'retry-after': String(f.throttleRetryAfterSeconds) }, body: throttledBody() };
  }
  if (f.slowRatio > 0 && Math.random() < f.slowRatio) await new Promise((r) => setTimeout(r, f.slowMs));
  return undefined;
}

export interface RecordedExchange {
  method: string;
  /** As sent, still URL-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

/** Recording stops growing past this many exchanges (oldest are dropped). */
const MAX_RECORDED = 50_000;

/** Keeps request/response pairs while `record` is on (off by default, so benchmarks do not grow memory). */
export class TrafficRecorder {
  record = false;
  readonly exchanges: RecordedExchange[] = [];

  remember(x: SimExchange) {
    if (!this.record) return;
    const query: Record<string, string | string[]> = {};
    for (const k of new Set(x.query.keys())) {
      const all = x.query.getAll(k);
      query[k] = all.length === 1 ? all[0]! : all;
    }
    this.exchanges.push({ method: x.method, path: x.path, query, requestBody: x.requestBody, status: x.status, responseBody: x.responseBody });
    if (this.exchanges.length > MAX_RECORDED) this.exchanges.splice(0, this.exchanges.length - MAX_RECORDED);
  }
}

/**
 * What every API simulator shares: its HTTP server (`start` on a port, `stop`), and the record of its
 * traffic (`record` turns it on, `exchanges` holds it).
 */
export abstract class RecordingSim {
  url = '';
  protected readonly traffic = new TrafficRecorder();

  constructor(readonly http: SimServer) {
    http.onExchange = (x) => this.traffic.remember(x);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.url = await this.http.listen(port, host);
    return this.url;
  }

  stop(): Promise<void> {
    return this.http.close();
  }

  get record() {
    return this.traffic.record;
  }

  set record(on: boolean) {
    this.traffic.record = on;
  }

  get exchanges(): RecordedExchange[] {
    return this.traffic.exchanges;
  }
}
