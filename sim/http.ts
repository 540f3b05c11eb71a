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
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface Faults {
  /** Added to every response. */
  latencyMs: number;
  /** Share of requests answered 503 (0..1). */
  errorRatio: number;
}

export class SimServer {
  private readonly routes: Route[] = [];
  private server?: Server;
  readonly requests = new Map<string, number>();
  faults: Faults = { latencyMs: 0, errorRatio: 0 };

  route(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => (names.push(name), '([^/]+)')) + '$',
    );
    this.routes.push({ method, pattern, names, handler });
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

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const key = `${method} ${url.pathname}`;
    let reply: SimResponse;
    try {
      const match = this.match(method, url.pathname);
      if (!match) reply = { status: 404, body: { error: 'not_found', message: `no route ${key}` } };
      else {
        const label = `${method} ${match.route.pattern.source}`;
        this.requests.set(label, (this.requests.get(label) ?? 0) + 1);
        if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
        if (this.faults.errorRatio > 0 && Math.random() < this.faults.errorRatio && !url.pathname.startsWith('/admin')) {
          reply = { status: 503, body: { error: 'unavailable', message: 'injected fault' } };
        } else {
          const body = raw ? JSON.parse(raw) : undefined;
          reply = await match.route.handler({ method, path: url.pathname, params: match.params, query: url.searchParams, headers: req.headers, body });
        }
      }
    } catch (err) {
      const bad = err instanceof SyntaxError;
      reply = { status: bad ? 400 : 500, body: { error: bad ? 'bad_request' : 'internal', message: String(err) } };
    }
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
