// The webhook receiver in front of a real Temporal server: a verified delivery is answered 202 only
// once Temporal holds it on the object's workflow (signal-with-start), a bad or missing signature is
// refused with 401 and starts nothing, duplicates are applied once, one object's events are applied
// in the order they were accepted, and every other kind of bad request gets its own status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startReceiver, type Receiver } from '../../client/webhooks/receiver';
import { signDemoDelivery } from '../../sim/demo/emitter';
import type { RunningWorkers } from '../../worker/run';
import { INTEGRATION_ATTR, TRIGGER_ATTR, eventsStatusQuery, objectWorkflowId, type ObjectEventsStatus } from '../../workflows/definitions';
import { connectTemporal, demoSetup, eventually, startTestWorkers, testLogger, uniqueId, type DemoSetup, type TestTemporal } from '../helpers/temporal';

/** GitHub's maximum delivery size, which the receiver allows on GitHub-style routes whatever the config says. */
const GITHUB_MAX_BODY = 25 * 1024 * 1024;

let temporal: TestTemporal;
let setup: DemoSetup;
let workers: RunningWorkers;
let receiver: Receiver;
let route: string;

before(async () => {
  temporal = await connectTemporal();
  // The smallest limit the config allows; the demo route verifies GitHub-style, so it still takes 25 MiB.
  setup = await demoSetup({ items: 0, overrides: { webhooks: { host: '127.0.0.1', port: 0, maxBodyBytes: 1024 } } });
  workers = await startTestWorkers(temporal, setup);
  receiver = await startReceiver({ config: setup.config, client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
  route = `${receiver.url}/webhooks/${setup.integration}`;
});

after(async () => {
  await receiver?.close();
  workers?.shutdown();
  await workers?.done;
  await setup?.sim.stop();
  await temporal?.close();
});

const KIND = 'service';
const itemBody = (id: string, version: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'item.updated', item: { id, kind: KIND, name: `${id} v${version}`, version }, ...extra });
const keyOf = (id: string) => `${KIND}/${id}`;
const workflowIdOf = (id: string) => objectWorkflowId(setup.integration, keyOf(id));

async function post(body: string | Buffer, headers: Record<string, string>, url = route) {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const status = (id: string): Promise<ObjectEventsStatus> => temporal.client.workflow.getHandle(workflowIdOf(id)).query(eventsStatusQuery);

/** Waits until the object's workflow reports `applied` events applied. */
const appliedOf = (id: string, applied: number, timeoutMs = 30_000) =>
  eventually(async () => {
    const s = await status(id);
    return s.applied >= applied && s.pending === 0 ? s : undefined;
  }, timeoutMs, `${applied} events applied to ${keyOf(id)}`);

/** No workflow was ever started for this object (given a moment, in case something signals late). */
async function assertNoWorkflow(id: string) {
  await sleep(300);
  await assert.rejects(temporal.client.workflow.getHandle(workflowIdOf(id)).describe(), WorkflowNotFoundError);
  assert.equal(setup.sim.catalog.has(keyOf(id)), false, 'nothing was written to the catalog');
}

describe('a verified delivery', () => {
  test('is answered 202 and reaches the object workflow, which applies it to the catalog', async () => {
    const id = uniqueId('valid');
    const body = itemBody(id, 1);
    const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json, { accepted: 1 });
    // 202 means Temporal already holds it: the workflow exists the moment the answer arrives.
    const description = await temporal.client.workflow.getHandle(workflowIdOf(id)).describe();
    assert.equal(description.type, 'objectEvents');
    const s = await appliedOf(id, 1);
    assert.deepEqual({ applied: s.applied, duplicates: s.duplicates, objectKey: s.objectKey }, { applied: 1, duplicates: 0, objectKey: keyOf(id) });
    assert.deepEqual(setup.sim.catalog.get(keyOf(id)), { id, kind: KIND, name: `${id} v1`, version: 1 });
  });

  test('bigger than the configured maxBodyBytes is still accepted on a GitHub-style route (GitHub sends up to 25 MiB)', async () => {
    assert.equal(setup.config.webhooks.maxBodyBytes, 1024);
    const id = uniqueId('big');
    const body = itemBody(id, 1, { padding: 'x'.repeat(64 * 1024) });
    const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
    assert.equal(res.status, 202, res.text);
    await appliedOf(id, 1);
  });
});

describe('a delivery that fails verification', () => {
  test('with a signature made with another secret gets 401 and starts no workflow', async () => {
    const id = uniqueId('wrongsig');
    const body = itemBody(id, 1);
    const res = await post(body, signDemoDelivery(body, `${setup.webhookSecret}-not`));
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { error: 'signature verification failed' });
    await assertNoWorkflow(id);
  });

  test('without a signature gets 401 and starts no workflow', async () => {
    const id = uniqueId('nosig');
    const body = itemBody(id, 1);
    const { 'x-hub-signature-256': _dropped, ...unsigned } = signDemoDelivery(body, setup.webhookSecret);
    const res = await post(body, unsigned);
    assert.equal(res.status, 401);
    await assertNoWorkflow(id);
  });

  test('whose body was changed after signing gets 401 and starts no workflow', async () => {
    const id = uniqueId('tampered');
    const other = uniqueId('tampered');
    const headers = signDemoDelivery(itemBody(id, 1), setup.webhookSecret);
    const res = await post(itemBody(other, 1), headers);
    assert.equal(res.status, 401);
    await assertNoWorkflow(id);
    await assertNoWorkflow(other);
  });
});

describe('duplicates and order', () => {
  test('the same delivery twice is answered 202 both times and applied once', async () => {
    const id = uniqueId('dup');
    const body = itemBody(id, 1);
    const headers = signDemoDelivery(body, setup.webhookSecret);
    const first = await post(body, headers);
    const second = await post(body, headers);
    assert.equal(first.status, 202, first.text);
    assert.equal(second.status, 202, second.text);
    const s = await eventually(async () => {
      const now = await status(id);
      return now.applied + now.duplicates === 2 && now.pending === 0 ? now : undefined;
    }, 30_000, 'both deliveries handled');
    assert.deepEqual({ applied: s.applied, duplicates: s.duplicates }, { applied: 1, duplicates: 1 });
    assert.deepEqual(setup.sim.writes.get(keyOf(id)), [1]);
  });

  test('an old delivery redelivered after a newer one is dropped, so the object does not go back', async () => {
    // The sim does not log a write that changes nothing, so a plain duplicate cannot show a second
    // apply in `writes`; a redelivery of v1 after v2 can: it would write v1 over v2.
    const id = uniqueId('redeliver');
    const v1 = itemBody(id, 1);
    const v1Headers = signDemoDelivery(v1, setup.webhookSecret);
    assert.equal((await post(v1, v1Headers)).status, 202);
    const v2 = itemBody(id, 2);
    assert.equal((await post(v2, signDemoDelivery(v2, setup.webhookSecret))).status, 202);
    await appliedOf(id, 2);
    assert.equal((await post(v1, v1Headers)).status, 202);
    const s = await eventually(async () => {
      const now = await status(id);
      return now.duplicates === 1 && now.pending === 0 ? now : undefined;
    }, 30_000, 'the redelivery seen');
    assert.equal(s.applied, 2);
    assert.deepEqual(setup.sim.writes.get(keyOf(id)), [1, 2]);
    assert.equal(setup.sim.catalog.get(keyOf(id))!.version, 2);
  });

  test('an old delivery redelivered after the object workflow ended is dropped by version, so the object does not go back', async () => {
    // The ended workflow forgot its delivery ids; the connector's versioned write is what protects.
    const quick = await startReceiver({ config: { ...setup.config, events: { idleTimeout: '1s' } }, client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
    try {
      const url = `${quick.url}/webhooks/${setup.integration}`;
      const id = uniqueId('late');
      const v1 = itemBody(id, 1);
      const v1Headers = signDemoDelivery(v1, setup.webhookSecret);
      assert.equal((await post(v1, v1Headers, url)).status, 202);
      const v2 = itemBody(id, 2);
      assert.equal((await post(v2, signDemoDelivery(v2, setup.webhookSecret), url)).status, 202);
      const ended = await temporal.client.workflow.getHandle(workflowIdOf(id)).result();
      assert.equal(ended.applied, 2);
      assert.equal((await post(v1, v1Headers, url)).status, 202);
      await appliedOf(id, 1);
      assert.deepEqual(setup.sim.writes.get(keyOf(id)), [1, 2]);
      assert.equal(setup.sim.catalog.get(keyOf(id))!.version, 2);
    } finally {
      await quick.close();
    }
  });

  test('an event the API refuses for good (4xx) is counted as failed and the next events of the object still apply', async () => {
    const id = uniqueId('refused');
    setup.sim.rejectWrite = (item) => item.id === id && item.version === 1;
    try {
      for (const version of [1, 2]) {
        const body = itemBody(id, version);
        assert.equal((await post(body, signDemoDelivery(body, setup.webhookSecret))).status, 202);
      }
      const s = await eventually(async () => {
        const now = await status(id);
        return now.applied + now.failed === 2 ? now : undefined;
      }, 30_000, 'both events handled');
      assert.deepEqual({ applied: s.applied, failed: s.failed }, { applied: 1, failed: 1 });
      assert.equal(setup.sim.catalog.get(keyOf(id))!.version, 2);
      const { status: state } = await temporal.client.workflow.getHandle(workflowIdOf(id)).describe();
      assert.equal(state.name, 'RUNNING', 'the object workflow did not fail');
    } finally {
      setup.sim.rejectWrite = undefined;
    }
  });

  test('200 events for one object, each sent after the previous got its 202, are applied in that order', async () => {
    const id = uniqueId('ordered');
    const versions = Array.from({ length: 200 }, (_, i) => i + 1);
    for (const version of versions) {
      const body = itemBody(id, version);
      const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
      assert.equal(res.status, 202, `event ${version}: ${res.text}`);
    }
    await eventually(() => setup.sim.catalog.get(keyOf(id))?.version === 200, 60_000, 'version 200 in the catalog');
    // Give a straggler (an event applied late, out of order) the chance to show up before comparing.
    await appliedOf(id, 200, 30_000);
    assert.deepEqual(setup.sim.writes.get(keyOf(id)), versions);
    assert.deepEqual(setup.sim.catalog.get(keyOf(id)), { id, kind: KIND, name: `${id} v200`, version: 200 });
    const s = await status(id);
    assert.equal(s.applied, 200);
    // Under `npm test` the server suggests continue-as-new at 200 history events, so the run that
    // answers here is a continued one: it must still carry the count and the search attributes.
    const description = await temporal.client.workflow.getHandle(workflowIdOf(id)).describe();
    assert.equal(description.typedSearchAttributes.get(INTEGRATION_ATTR), setup.integration);
    assert.equal(description.typedSearchAttributes.get(TRIGGER_ATTR), 'webhook');
  });
});

describe('requests that are not events', () => {
  test('a correctly signed body that is not JSON gets 400 and starts no workflow', async () => {
    const id = uniqueId('notjson');
    const body = itemBody(id, 1).slice(0, -2);
    const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: 'body is not JSON' });
    await assertNoWorkflow(id);
  });

  test('a signed item.updated without the fields the connector needs gets 400 and starts no workflow', async () => {
    const id = uniqueId('malformed');
    const body = JSON.stringify({ type: 'item.updated', item: { id, kind: KIND, name: 'no version' } });
    const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
    assert.equal(res.status, 400);
    assert.match(String(res.json?.error), /^malformed event/);
    await assertNoWorkflow(id);
  });

  test('a signed event without its delivery id gets 400 (it could not be deduplicated) and starts no workflow', async () => {
    const id = uniqueId('nodelivery');
    const body = itemBody(id, 1);
    const { 'x-demo-delivery': _dropped, ...headers } = signDemoDelivery(body, setup.webhookSecret);
    const res = await post(body, headers);
    assert.equal(res.status, 400);
    assert.match(String(res.json?.error), /X-Demo-Delivery/);
    await assertNoWorkflow(id);
  });

  test('a signed event whose reference would be more than a few KB gets 400 (not a 503 forever) and starts no workflow', async () => {
    // 20 KB would bloat the object's history; 3 MB is over Temporal's payload limit, so without the
    // check every redelivery would be refused by Temporal and answered 503, and the sender retry forever.
    for (const size of [20 * 1024, 3 * 1024 * 1024]) {
      const id = uniqueId('huge');
      const body = JSON.stringify({ type: 'item.updated', item: { id, kind: KIND, name: 'x'.repeat(size), version: 1 } });
      const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
      assert.equal(res.status, 400, `${size} bytes: ${res.text}`);
      assert.match(String(res.json?.error), /^malformed event: its reference is larger than 8192 bytes/);
      await assertNoWorkflow(id);
    }
  });

  test('a signed event whose object key cannot be a workflow id gets 400 (not a 503 forever)', async () => {
    const id = `long-${'x'.repeat(1200)}`;
    const body = itemBody(id, 1);
    const res = await post(body, signDemoDelivery(body, setup.webhookSecret));
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.json?.error), /object key is too long/);
    assert.equal(setup.sim.catalog.has(keyOf(id)), false);
  });

  test('a signed event of a type nobody handles gets 202, marked ignored, and starts no workflow', async () => {
    const plain = JSON.stringify({ type: 'other' });
    const res = await post(plain, signDemoDelivery(plain, setup.webhookSecret));
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json, { accepted: 0, ignored: true });

    const id = uniqueId('ignored');
    const withItem = itemBody(id, 1).replace('"item.updated"', '"item.deleted"');
    const res2 = await post(withItem, signDemoDelivery(withItem, setup.webhookSecret));
    assert.equal(res2.status, 202, res2.text);
    assert.equal(res2.json?.ignored, true);
    await assertNoWorkflow(id);
  });
});

describe('body size limit', () => {
  // Raw node:http, so the test controls Content-Length and whether the body is sent at all.
  function rawPost(opts: { headers: Record<string, string | number>; write?: (send: (chunk: Buffer) => boolean) => Promise<void> }) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Aborted rather than left hanging if no answer comes: an open request would also keep the
      // receiver from closing in after().
      const req = request(route, { method: 'POST', headers: opts.headers, signal: AbortSignal.timeout(10_000) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      if (opts.write) {
        const sendChunk = (chunk: Buffer) => req.write(chunk);
        opts.write(sendChunk).then(
          () => req.end(),
          (err: unknown) => reject(err as Error),
        );
      } else {
        req.flushHeaders();
      }
    });
  }

  test('a declared Content-Length over 25 MiB gets 413 before the body is read', async () => {
    // Only the headers are sent: the answer must not wait for 25 MiB that never come.
    const res = await rawPost({ headers: { 'content-type': 'application/json', 'content-length': GITHUB_MAX_BODY + 1 } });
    assert.equal(res.status, 413);
    assert.match(res.body, /larger than 26214400 bytes/);
  });

  test('a chunked body that grows over 25 MiB gets 413', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const res = await rawPost({
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      write: async (send) => {
        for (let i = 0; i < 26; i++) {
          if (!send(chunk)) await new Promise((r) => setTimeout(r, 5));
        }
      },
    });
    assert.equal(res.status, 413);
  });
});

describe('routes', () => {
  test('an unknown integration or path gets 404', async () => {
    const body = itemBody('x', 1);
    const headers = signDemoDelivery(body, setup.webhookSecret);
    assert.equal((await post(body, headers, `${receiver.url}/webhooks/no-such-integration`)).status, 404);
    assert.equal((await post(body, headers, `${receiver.url}/elsewhere`)).status, 404);
    assert.equal((await post(body, headers, `${receiver.url}/webhooks/${setup.integration}/extra`)).status, 404);
  });

  test('GET on a webhook route gets 405 with Allow: POST', async () => {
    const res = await fetch(route);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    await res.body?.cancel();
  });

  test('/healthz and /readyz answer 200 while Temporal is reachable', async () => {
    const health = await fetch(`${receiver.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${receiver.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  });
});

test('deliveries of one id do not collide with other objects (sanity: ids are per object)', async () => {
  const a = uniqueId('obj');
  const b = uniqueId('obj');
  const deliveryId = randomUUID();
  for (const id of [a, b]) {
    const body = itemBody(id, 1);
    const res = await post(body, { ...signDemoDelivery(body, setup.webhookSecret), 'x-demo-delivery': deliveryId });
    assert.equal(res.status, 202);
  }
  await appliedOf(a, 1);
  await appliedOf(b, 1);
  assert.equal(setup.sim.catalog.get(keyOf(a))!.version, 1);
  assert.equal(setup.sim.catalog.get(keyOf(b))!.version, 1);
});
