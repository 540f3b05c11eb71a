// Liveness and readiness for Kubernetes probes: /healthz says the process serves, /readyz runs the
// given check (Temporal reachable, workers running) and answers 503 until it passes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReadinessCheck = () => Promise<{ ready: boolean; detail?: Record<string, unknown> }>;

/** Answers /healthz and /readyz; false for any other path, so a server can mount it beside its routes. */
export async function handleHealth(req: IncomingMessage, res: ServerResponse, ready: ReadinessCheck): Promise<boolean> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/healthz') {
    send(200, { status: 'ok' });
    return true;
  }
  if (req.url !== '/readyz') return false;
  try {
    const { ready: ok, detail } = await ready();
    send(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', ...detail });
  } catch (err) {
    send(503, { status: 'not ready', error: err instanceof Error ? err.message : String(err) });
  }
  return true;
}

export async function startHealthServer(port: number, host: string, ready: ReadinessCheck): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    if (!(await handleHealth(req, res, ready))) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
    }
  });
  await listen(server, port, host);
  return { server, url: serverUrl(server, host) };
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function serverUrl(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
}
