// The webhook receiver: POST /webhooks/<integration>. It verifies the sender first, reduces the
// delivery to small event references and hands each to Temporal with signal-with-start on the
// object's workflow. Only when Temporal holds them durably does the sender get 202; if Temporal cannot
// be reached it gets 503 so a retrying sender tries again (invariant 5). What it holds of request
// bodies is bounded: per request (413), across all requests at once (503), and in time (slow senders
// are cut off); a sender that proves itself with a header alone is checked before its body is read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import type { Logger } from 'pino';
import { webhookSpec } from '../../activities/connectors';
import { syncMetrics } from '../../activities/metrics';
import type { Config } from '../../config/schema';
import { handleHealth, listen, serverUrl } from '../../worker/health';
import { eventSignal, objectWorkflowId, type EventRef } from '../../workflows/definitions';
import { HEADER_ONLY_VERIFIERS, VERIFIERS } from './verifiers';

/** GitHub's own maximum delivery size. */
const GITHUB_MAX_BODY = 25 * 1024 * 1024;
/** How long Temporal gets to accept a signal before the sender is told to come back (503). */
const SIGNAL_DEADLINE_MS = 5_000;
/**
 * Largest event reference (as JSON) handed to Temporal. References are meant to be a few KB (invariant 2);
 * a bigger one would bloat the object's history, and past Temporal's 2 MB payload limit it would be
 * refused on every redelivery (an endless 503 loop), so it is refused once, as a malformed event.
 */
export const MAX_EVENT_REF_BYTES = 8 * 1024;
/** Temporal's default limit on workflow ids (limit.maxIDLength); a longer one is refused the same way. */
const MAX_WORKFLOW_ID_LENGTH = 1000;
/**
 * Request bodies all requests together may hold at once, in multiples of the largest body a route
 * accepts: 4 x 25 MiB = 100 MiB by default. A body that would go past it is refused with 503 and
 * Retry-After (before it is read when its Content-Length says so), so thousands of slow unauthenticated
 * POSTs cannot pile up gigabytes.
 */
const BUFFERED_BODIES = 4;
/** Retry-After of that 503, in seconds: bodies in flight are answered, or cut off by REQUEST_TIMEOUT_MS, by then or soon after. */
const BUSY_RETRY_AFTER_SECONDS = 10;
/** A request's headers must arrive within HEADERS_TIMEOUT_MS and all of it within REQUEST_TIMEOUT_MS (Node's default: 300 s). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node looks for requests past those timeouts (its default, 30 s, would let one run a minute). */
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;

export interface ReceiverOptions {
  config: Config;
  client: Client;
  logger: Logger;
  meter?: MetricMeter;
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  /** Request bodies held across all requests at once; default BUFFERED_BODIES times the largest route limit (100 MiB). */
  maxBufferedBytes?: number;
}

export interface Receiver {
  server: Server;
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const busy = () => new HttpError(503, 'receiver busy; retry later', { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });

/** One request's share of the bytes all requests' bodies may hold at once; given back when it is answered. */
interface BodyShare {
  /** Whether `bytes` more would fit now (nothing is taken). */
  fits(bytes: number): boolean;
  /** Takes `bytes` if they fit. */
  take(bytes: number): boolean;
  release(): void;
}

function bodyBudget(total: number): () => BodyShare {
  let used = 0;
  return () => {
    let held = 0;
    const fits = (bytes: number) => used + bytes <= total;
    return {
      fits,
      take: (bytes) => {
        if (!fits(bytes)) return false;
        used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        used -= held;
        held = 0;
      },
    };
  };
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const { config, client, logger } = opts;
  const env = opts.env ?? process.env;
  const metrics = opts.meter ? syncMetrics(opts.meter) : undefined;
  const host = opts.host ?? config.webhooks.host;
  const budget = bodyBudget(opts.maxBufferedBytes ?? BUFFERED_BODIES * Math.max(GITHUB_MAX_BODY, config.webhooks.maxBodyBytes));

  const ready = async () => {
    await client.connection.withDeadline(Date.now() + 2_000, () => client.connection.workflowService.getSystemInfo({}));
    return { ready: true };
  };

  async function handle(req: IncomingMessage, res: ServerResponse, bodyShare: BodyShare) {
    if (await handleHealth(req, res, ready)) return;
    const match = /^\/webhooks\/([a-z0-9-]+)\/?$/.exec(new URL(req.url ?? '/', 'http://receiver').pathname);
    if (!match) throw new HttpError(404, 'no such route; webhooks are POSTed to /webhooks/<integration>');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    const integration = config.integrations.find((i) => i.id === match[1]);
    const spec = integration && webhookSpec(integration.type);
    if (!integration || !spec || !integration.webhook) throw new HttpError(404, `no webhook route for "${match[1]}"`);
    const secret = env[integration.webhook.secretEnv];
    if (!secret) {
      logger.error({ integration: integration.id, variable: integration.webhook.secretEnv }, 'webhook secret variable is not set');
      throw new HttpError(503, 'receiver not configured for this integration');
    }

    const verify = (body: Buffer) => {
      const verdict = VERIFIERS[spec.verifier](body, req.headers, secret);
      if (!verdict.ok) {
        logger.warn({ integration: integration.id, reason: verdict.reason }, 'webhook rejected: bad signature');
        metrics?.webhookEvent(integration.id, 'unauthorized');
        throw new HttpError(401, 'signature verification failed');
      }
    };
    // A sender that proves itself with a header alone is checked before a byte of its body is read.
    const headerOnly = HEADER_ONLY_VERIFIERS.has(spec.verifier);
    if (headerOnly) verify(Buffer.alloc(0));
    const limit = spec.verifier === 'github' ? Math.max(GITHUB_MAX_BODY, config.webhooks.maxBodyBytes) : (spec.maxBodyBytes ?? config.webhooks.maxBodyBytes);
    const body = await readBody(req, limit, bodyShare).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 503) {
        metrics?.webhookEvent(integration.id, 'busy');
        logger.warn({ integration: integration.id }, 'webhook refused: the receiver holds as many bodies as it may');
      }
      throw err;
    });
    if (!headerOnly) verify(body);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'body is not JSON');
    }
    let events: EventRef[] | 'ignored';
    try {
      events = spec.parse({ headers: req.headers, body: json, receivedAt: new Date().toISOString() });
    } catch (err) {
      metrics?.webhookEvent(integration.id, 'malformed');
      throw new HttpError(400, `malformed event: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`);
    }
    if (events === 'ignored') {
      metrics?.webhookEvent(integration.id, 'ignored');
      return send(res, 202, { accepted: 0, ignored: true });
    }
    for (const event of events) {
      const problem =
        Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_REF_BYTES
          ? `its reference is larger than ${MAX_EVENT_REF_BYTES} bytes`
          : objectWorkflowId(integration.id, event.objectKey).length > MAX_WORKFLOW_ID_LENGTH
            ? `its object key is too long for a workflow id`
            : undefined;
      if (problem) {
        metrics?.webhookEvent(integration.id, 'malformed');
        logger.warn({ integration: integration.id, objectKey: event.objectKey.slice(0, 200), problem }, 'webhook rejected: event too large');
        throw new HttpError(400, `malformed event: ${problem}`);
      }
    }
    try {
      // Several events of one delivery: each gets its own dedup id, and they are signalled one after the
      // other so events for the same object keep their order.
      const refs = events.length === 1 ? events : events.map((e, i) => ({ ...e, deliveryId: `${e.deliveryId}#${i}` }));
      await client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, async () => {
        for (const event of refs) {
          await client.workflow.signalWithStart('objectEvents', {
            workflowId: objectWorkflowId(integration.id, event.objectKey),
            taskQueue: config.worker.taskQueue,
            args: [{ integration: integration.id, objectKey: event.objectKey, idleTimeout: config.events.idleTimeout }],
            signal: eventSignal,
            signalArgs: [event],
          });
        }
      });
    } catch (err) {
      metrics?.webhookEvent(integration.id, 'unavailable');
      logger.error({ integration: integration.id, err: err instanceof Error ? err.message : String(err) }, 'Temporal did not accept the event');
      throw new HttpError(503, 'could not persist the event; retry later', { 'retry-after': '5' });
    }
    metrics?.webhookEvent(integration.id, 'accepted');
    send(res, 202, { accepted: events.length });
  }

  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    (req, res) => {
      const bodyShare = budget();
      handle(req, res, bodyShare)
        .catch((err: unknown) => {
          // An answer before the body was read in full (a refused sender, a body too large or over the
          // budget) goes out at once; Node then drains what is left without holding it (a sender still
          // writing reads the answer, not a reset), until the body ends or REQUEST_TIMEOUT_MS.
          if (err instanceof HttpError) return send(res, err.status, { error: err.message }, err.headers);
          logger.error({ err: err instanceof Error ? err.message : String(err) }, 'webhook receiver error');
          send(res, 500, { error: 'internal error' });
        })
        .finally(() => bodyShare.release());
    },
  );
  // Past this, Node closes a new connection at once: the headers and request timeouts bound how long each
  // is held, this bounds how many, so a flood of idle sockets cannot take the process's file descriptors.
  server.maxConnections = config.webhooks.maxConnections;
  await listen(server, opts.port ?? config.webhooks.port, host);
  return {
    server,
    url: serverUrl(server, host),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Reads the raw body (signatures are over the exact bytes), refusing more than `limit` bytes with 413
 * and, with 503, a body that does not fit in what all requests may hold at once (before reading it when
 * its Content-Length says so). What it reads is taken from `share`, given back once the request is answered.
 */
async function readBody(req: IncomingMessage, limit: number, share: BodyShare): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, `body larger than ${limit} bytes`);
  }
  if (!share.fits(declared)) {
    req.resume();
    throw busy();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `body larger than ${limit} bytes`);
    }
    if (!share.take((chunk as Buffer).length)) {
      req.resume();
      throw busy();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
