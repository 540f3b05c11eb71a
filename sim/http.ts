// Small HTTP plumbing shared by the simulators: JSON bodies, routing by method and path pattern,
// injected latency and faults, and request counting. Simulators answer like the real APIs; this file
// only saves each of them the same boilerplate.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket without answering (a connection reset as the client sees it). */
  reset?: boolean;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface Faults {
  /** Added to every response. */
  latencyMs: number;
  /** Share of requests answered 503 (0..1). */
  errorRatio: number;
  /** A status to answer this request with instead (e.g. a search that fails from its second page on). */
  refuse?: (request: { method: string; path: string; body: unknown }) => number | undefined;
}

/** One answered request, as `onExchange` sees it (the raw path, still URL-encoded). */
export interface SimExchange {
  method: string;
  path: string;
  query: URLSearchParams;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

export interface SimServerOptions {
  /** Bodies larger than this are answered 413 before parsing (Port: 1 MiB). Default: no limit. */
  maxBodyBytes?: number;
  /** The API's error envelope, for answers this file makes itself (404 route, 400 JSON, 413, 503, 500). */
  errorBody?: (status: number, error: string, message: string) => unknown;
}

export class SimServer {
  private readonly routes: Route[] = [];
  private server?: Server;
  /** Requests per route, keyed "METHOD /route/:pattern". */
  readonly requests = new Map<string, number>();
  faults: Faults = { latencyMs: 0, errorRatio: 0 };
  /** Called for every answered request (not for resets); simulators record traffic with it. */
  onExchange?: (exchange: SimExchange) => void;
  private readonly maxBodyBytes: number;
  private readonly errorBody: (status: number, error: string, message: string) => unknown;

  constructor(options: SimServerOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? Infinity;
    this.errorBody = options.errorBody ?? ((_status, error, message) => ({ error, message }));
  }

  route(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => (names.push(name), '([^/]+)')) + '$',
    );
    this.routes.push({ method, path, pattern, names, handler });
    return this;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private error(status: number, error: string, message: string): SimResponse {
    return { status, body: this.errorBody(status, error, message) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Keep reading (so the client gets an answer, not a reset) but stop keeping what is over the limit.
      if (size <= this.maxBodyBytes) chunks.push(chunk as Buffer);
    }
    const raw = size <= this.maxBodyBytes ? Buffer.concat(chunks).toString('utf8') : '';
    const key = `${method} ${url.pathname}`;
    let body: unknown;
    let reply: SimResponse;
    try {
      const match = this.match(method, url.pathname);
      if (!match) reply = this.error(404, 'not_found', `no route ${key}`);
      else {
        const label = `${method} ${match.route.path}`;
        this.requests.set(label, (this.requests.get(label) ?? 0) + 1);
        if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
        if (this.faults.errorRatio > 0 && Math.random() < this.faults.errorRatio && !url.pathname.startsWith('/admin')) {
          reply = this.error(503, 'unavailable', 'injected fault');
        } else if (size > this.maxBodyBytes) {
          reply = this.error(413, 'payload_too_large', `request body is ${size} bytes, the limit is ${this.maxBodyBytes}`);
        } else {
          body = raw ? JSON.parse(raw) : undefined;
          const refused = this.faults.refuse?.({ method, path: url.pathname, body });
          if (refused) reply = this.error(refused, 'injected', `refused by the test (${refused})`);
          else reply = await match.route.handler({ method, path: url.pathname, params: match.params, query: url.searchParams, headers: req.headers, body });
        }
      }
    } catch (err) {
      const bad = err instanceof SyntaxError;
      reply = this.error(bad ? 400 : 500, bad ? 'bad_request' : 'internal', String(err));
    }
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    this.onExchange?.({ method, path: url.pathname, query: url.searchParams, requestBody: body, status: reply.status, responseBody: reply.body });
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  private match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { route, params };
    }
    return undefined;
  }

  /** Total requests whose route label contains `fragment`. */
  count(fragment: string): number {
    let n = 0;
    for (const [label, c] of this.requests) if (label.includes(fragment)) n += c;
    return n;
  }
}
