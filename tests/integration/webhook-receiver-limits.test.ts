// What the webhook receiver holds of request bodies is bounded, so slow unauthenticated POSTs cannot pile
// up memory: a route whose sender proves itself with a header alone (Humanitec's static token) refuses a
// bad or missing token with 401 before reading a byte of the body; bodies held
// across all requests at once have a total, past which a delivery gets 503 with Retry-After and nothing
// is signalled; the deliveries within it still get their 202. Requests are written by hand on their own
// connections, so the test decides how much of a body is sent and when.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startReceiver, type Receiver } from '../../client/webhooks/receiver';
import { objectWorkflowId } from '../../workflows/definitions';
import { humanitecSetup, type HumanitecSetup } from '../helpers/humanitec';
import { connectTemporal, eventually, testLogger, uniqueId, type TestTemporal } from '../helpers/temporal';

/** The small receiver's limits: per body (config webhooks.maxBodyBytes) and all bodies at once. */
const ROUTE_LIMIT = 16 * 1024;
const TOTAL = 4 * ROUTE_LIMIT;
/** ...and connections at once (config webhooks.maxConnections). */
const MAX_CONNECTIONS = 64;

let temporal: TestTemporal;
let setup: HumanitecSetup;
/** The receiver with its default limits. */
let receiver: Receiver;
/** One whose limits are small enough to reach in a test; the sockets it accepted, to see what it has read. */
let small: Receiver;
const smallSockets: Socket[] = [];
/** Workflows the test's deliveries started; no worker runs them, so they are terminated at the end. */
const started: string[] = [];
/** The test's own connections, destroyed at the end: one left open (by a failing test) would keep a receiver from closing. */
const rawSockets: Socket[] = [];

before(async () => {
  temporal = await connectTemporal();
  setup = await humanitecSetup();
  const common = { client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 };
  receiver = await startReceiver({ ...common, config: setup.config });
  small = await startReceiver({
    ...common,
    config: { ...setup.config, webhooks: { ...setup.config.webhooks, maxBodyBytes: ROUTE_LIMIT, maxConnections: MAX_CONNECTIONS } },
    maxBufferedBytes: TOTAL,
  });
  small.server.on('connection', (socket: Socket) => smallSockets.push(socket));
});

after(async () => {
  for (const socket of rawSockets) socket.destroy();
  await receiver?.close();
  await small?.close();
  for (const id of started) await temporal.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
  await setup?.stop();
  await temporal?.close();
});

const APP = 'limits-app';
const workflowIdOf = (env: string) => objectWorkflowId(setup.integration, `${APP}/${env}`);

/** A Humanitec deployment event for `env`, padded to exactly `size` bytes when given. */
function deployment(env: string, size?: number): string {
  const event = { event: 'deployment.finished', triggered_at: new Date().toISOString(), app_id: APP, env_id: env, deploy_id: randomUUID(), status: 'succeeded' };
  const plain = JSON.stringify(event);
  if (size === undefined) return plain;
  const body = JSON.stringify({ ...event, padding: 'x'.repeat(size - plain.length - ',"padding":""'.length) });
  assert.equal(body.length, size);
  return body;
}

/** Fails rather than hangs when `promise` does not settle in time. */
async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what}: no answer within ${ms} ms`)));
  return Promise.race([promise, timeout]);
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface RawPost {
  /** Bytes written so far: request line, headers and body. */
  readonly sent: number;
  write(data: string): void;
  /** The whole answer, once it has arrived. */
  answer: Promise<Answer>;
  destroy(): void;
}

/** The body of a chunked answer, once all of it is in `raw`. */
function dechunk(raw: string): string | undefined {
  let body = '';
  for (let at = 0; ; ) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(raw.slice(at, eol), 16);
    if (size === 0) return body;
    if (raw.length < eol + 2 + size + 2) return undefined;
    body += raw.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A POST to the route of `receiver` on a connection of its own; `firstPart` of the body is sent with the headers, the rest only when the test writes it. */
function rawPost(to: Receiver, headers: Record<string, string | number>, firstPart = ''): RawPost {
  const { hostname, port } = new URL(to.url);
  const socket = connect({ host: hostname, port: Number(port) });
  rawSockets.push(socket);
  let received = '';
  let sent = 0;
  const write = (data: string) => {
    sent += Buffer.byteLength(data);
    socket.write(data);
  };
  const answer = new Promise<Answer>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
      const headers: Record<string, string> = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const rest = received.slice(end + 4);
      const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest.length >= Number(headers['content-length'] ?? 0) ? rest : undefined;
      if (body !== undefined) resolve({ status: Number(statusLine!.split(' ')[1]), headers, body });
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed without a whole answer: ${JSON.stringify(received)}`)));
  });
  answer.catch(() => undefined);
  const head = Object.entries({ host: `${hostname}:${port}`, 'content-type': 'application/json', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  write(`POST /webhooks/${setup.integration} HTTP/1.1\r\n${head}\r\n${firstPart}`);
  return {
    get sent() {
      return sent;
    },
    write,
    answer,
    destroy: () => socket.destroy(),
  };
}

const bearer = () => ({ authorization: `Bearer ${setup.webhookToken}` });

async function assertNoWorkflow(env: string) {
  await sleep(300);
  await assert.rejects(temporal.client.workflow.getHandle(workflowIdOf(env)).describe(), WorkflowNotFoundError);
}

async function assertSignalled(env: string) {
  started.push(workflowIdOf(env));
  const description = await temporal.client.workflow.getHandle(workflowIdOf(env)).describe();
  assert.equal(description.type, 'objectEvents');
}

describe('a token route', () => {
  test('answers a missing or wrong token with 401 before the body is read', async () => {
    // Each declares half a MiB, sends 1 KiB of it and never the rest: the 401 cannot wait for the body.
    const auths: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-token' }, { 'x-port-sync-token': 'not-the-token' }];
    for (const auth of auths) {
      const req = rawPost(receiver, { ...auth, 'content-length': 512 * 1024 }, 'x'.repeat(1024));
      const answer = await within(req.answer, `401 for ${JSON.stringify(auth)}`);
      assert.equal(answer.status, 401);
      assert.deepEqual(JSON.parse(answer.body), { error: 'signature verification failed' });
      req.destroy();
    }
  });

  test('refuses a bad token with 401 even when its declared body is over the size limit', async () => {
    const tooBig = rawPost(receiver, { authorization: 'Bearer not-the-token', 'content-length': 10 * 1024 * 1024 });
    assert.equal((await within(tooBig.answer, 'over the size limit')).status, 401);
    tooBig.destroy();
  });

  test('many slow unauthenticated POSTs hold nothing: each gets 401 and a delivery still gets 202', async () => {
    // Together they would have sent 400 KiB into a receiver that holds 64 KiB of bodies.
    const slow = Array.from({ length: 50 }, () => rawPost(small, { authorization: 'Bearer not-the-token', 'content-length': ROUTE_LIMIT }, 'x'.repeat(8 * 1024)));
    try {
      for (const req of slow) assert.equal((await within(req.answer, 'slow unauthenticated POST')).status, 401);
      const env = uniqueId('env');
      const res = await fetch(`${small.url}/webhooks/${setup.integration}`, { method: 'POST', headers: bearer(), body: deployment(env) });
      assert.equal(res.status, 202, await res.text());
      await assertSignalled(env);
    } finally {
      for (const req of slow) req.destroy();
    }
  });

  test('with the right token a delivery still gets 202 and is signalled', async () => {
    const env = uniqueId('env');
    const res = await fetch(`${receiver.url}/webhooks/${setup.integration}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-port-sync-token': setup.webhookToken },
      body: deployment(env),
    });
    const text = await res.text();
    assert.equal(res.status, 202, text);
    assert.deepEqual(JSON.parse(text), { accepted: 1 });
    await assertSignalled(env);
  });
});

describe('bodies held across requests', () => {
  test('past the total, a delivery gets 503 with Retry-After and is not signalled; those within it get 202', async () => {
    const size = ROUTE_LIMIT - 384;
    const rest = 1000;
    // Four verified deliveries, each sent but for its last 1000 bytes: together they hold 4 x 15 KiB.
    smallSockets.length = 0;
    const holders = Array.from({ length: 4 }, () => {
      const env = uniqueId('env');
      const body = deployment(env, size);
      return { env, body, req: rawPost(small, { ...bearer(), 'content-length': size }, body.slice(0, size - rest)) };
    });
    const sent = holders.reduce((n, h) => n + h.req.sent, 0);
    await eventually(() => smallSockets.reduce((n, s) => n + s.bytesRead, 0) >= sent, 10_000, 'the receiver read what the four sent');

    // One that declares its length is refused before its body is read; a chunked one once its body
    // goes past the total. Neither is signalled.
    const declaredEnv = uniqueId('env');
    const declaredBody = deployment(declaredEnv, size);
    const declared = rawPost(small, { ...bearer(), 'content-length': size }, declaredBody.slice(0, 100));
    const chunkedEnv = uniqueId('env');
    const chunkedBody = deployment(chunkedEnv, 8 * 1024);
    const chunked = rawPost(small, { ...bearer(), 'transfer-encoding': 'chunked' }, `${chunkedBody.length.toString(16)}\r\n${chunkedBody}\r\n`);
    for (const [what, req] of [['declared', declared], ['chunked', chunked]] as const) {
      const answer = await within(req.answer, `503 for the ${what} body`);
      assert.equal(answer.status, 503, what);
      assert.equal(answer.headers['retry-after'], '10', what);
      assert.deepEqual(JSON.parse(answer.body), { error: 'receiver busy; retry later' }, what);
      req.destroy();
    }
    await assertNoWorkflow(declaredEnv);
    await assertNoWorkflow(chunkedEnv);

    // The four finish their bodies and are accepted.
    for (const h of holders) h.req.write(h.body.slice(size - rest));
    for (const h of holders) {
      assert.equal((await within(h.req.answer, 'a held delivery')).status, 202);
      h.req.destroy();
      await assertSignalled(h.env);
    }

    // Answered, they hold nothing any more: the refused delivery, sent again, gets 202.
    const again = await fetch(`${small.url}/webhooks/${setup.integration}`, { method: 'POST', headers: bearer(), body: declaredBody });
    assert.equal(again.status, 202, await again.text());
    await assertSignalled(declaredEnv);
  });
});

test('slow senders are cut off: headers within 10 s, the whole request within 30 s', () => {
  assert.equal(receiver.server.headersTimeout, 10_000);
  assert.equal(receiver.server.requestTimeout, 30_000);
});

test('connections past webhooks.maxConnections are closed as they arrive; those within it are still answered', async () => {
  assert.equal(receiver.server.maxConnections, 1024, 'the default');
  const { port } = new URL(small.url);
  const open = async () => {
    const socket = connect(Number(port), '127.0.0.1');
    rawSockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  };
  const closed = (socket: Socket) => new Promise<boolean>((resolve) => {
    socket.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 2_000);
  });
  // Idle senders fill every slot (the small receiver may still hold a few from the tests above).
  const idle: Socket[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) idle.push(await open());
  const connections = () => new Promise<number>((r) => small.server.getConnections((_e, n) => r(n)));
  await eventually(async () => (await connections()) >= MAX_CONNECTIONS, 5_000, 'slots filled');
  const extra = await open();
  assert.equal(await closed(extra), true, 'the connection over the limit is closed by the receiver');
  // A slot freed is a slot a sender gets again.
  idle.pop()!.destroy();
  await eventually(async () => (await connections()) < MAX_CONNECTIONS, 5_000, 'slot freed');
  const res = await fetch(`${small.url}/webhooks/nope`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 404, 'a sender within the limit is answered');
  for (const socket of idle) socket.destroy();
});
