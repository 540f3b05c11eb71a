// Humanitec deployment webhooks (static token, payload template) and scoped runs (planScope, applyEvent).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_SCOPE_KINDS, createHumanitecConnector, ENV_SCOPE_KINDS, HUMANITEC_KINDS, planHumanitecScope } from '../../activities/humanitec/connector';
import { humanitecWebhook } from '../../activities/humanitec/webhook';
import { verifyToken } from '../../client/webhooks/verifiers';
import { configSchema } from '../../config/schema';
import type { EventRef } from '../../workflows/definitions';

const receivedAt = '2025-06-01T12:00:00.000Z';
const parse = (body: unknown) => humanitecWebhook.parse({ headers: {}, body, receivedAt });
const config = configSchema.parse({ integrations: [{ id: 'humanitec', type: 'humanitec', options: { orgId: 'acme' } }] });
const connector = createHumanitecConnector(config.integrations[0] as never, {});
const signal = new AbortController().signal;

const finished = {
  event: 'deployment.finished',
  triggered_at: '2025-06-01T11:59:58Z',
  triggered_by: 'u-1',
  org_id: 'acme',
  app_id: 'shop',
  env_id: 'production',
  deploy_id: '17a1b2c3d',
  delta_id: 'de1ta',
  set_id: 'set1',
  comment: 'release',
  status: 'succeeded',
};

test('the route takes a static token, as Humanitec can only add headers', () => {
  assert.equal(humanitecWebhook.verifier, 'token');
  assert.deepEqual(verifyToken(Buffer.from('{}'), { authorization: 'Bearer s3cret' }, 's3cret'), { ok: true });
  assert.equal(verifyToken(Buffer.from('{}'), {}, 's3cret').ok, false);
});

test('a deployment event becomes one event for {app}/{env}', () => {
  const events = parse(finished);
  assert.ok(Array.isArray(events));
  assert.equal(events.length, 1);
  const [e] = events;
  assert.equal(e!.objectKey, 'shop/production');
  assert.equal(e!.type, 'deployment.finished');
  assert.equal(e!.receivedAt, receivedAt);
  assert.deepEqual(e!.data, { app: 'shop', env: 'production', deployId: '17a1b2c3d', status: 'succeeded' });
  assert.match(e!.deliveryId, /^[0-9a-f]{32}$/);
  // Stable for the same event, different for the start of the same deployment.
  assert.equal((parse(finished) as EventRef[])[0]!.deliveryId, e!.deliveryId);
  assert.notEqual((parse({ ...finished, event: 'deployment.started' }) as EventRef[])[0]!.deliveryId, e!.deliveryId);
});

test("the default payload (no deploy_id), environment events and Humanitec's example names are read", () => {
  const created = parse({ event: 'environment.created', org_id: 'acme', app_id: 'shop', env_id: 'pr-42', triggered_at: 'x' }) as EventRef[];
  assert.deepEqual(created[0]!.data, { app: 'shop', env: 'pr-42' });
  const custom = parse({ application: 'shop', environment: 'staging', deployment: 'abc', status: 'failed' }) as EventRef[];
  assert.equal(custom[0]!.type, 'deployment');
  assert.deepEqual(custom[0]!.data, { app: 'shop', env: 'staging', deployId: 'abc', status: 'failed' });
});

test('unknown events are ignored; malformed bodies throw', () => {
  assert.equal(parse({ event: 'pipeline.run.finished', app_id: 'shop' }), 'ignored');
  assert.throws(() => parse(null));
  assert.throws(() => parse([finished]));
  assert.throws(() => parse('deployment.finished'));
  assert.throws(() => parse({ event: 'deployment.finished', app_id: 'shop' }), /app_id and env_id/);
  assert.throws(() => parse({ ...finished, env_id: '${env_id}' }), /Humanitec id/);
  assert.throws(() => parse({ ...finished, app_id: 'a/b' }));
  assert.throws(() => parse({ ...finished, event: 42 }));
});

test('applyEvent asks for a scoped resync of the env (its app for a deleted env)', async () => {
  const [e] = parse(finished) as EventRef[];
  assert.deepEqual(await connector.applyEvent(e!, signal), { refresh: { app: 'shop', env: 'production' } });
  const [gone] = parse({ ...finished, event: 'environment.deleted' }) as EventRef[];
  assert.deepEqual(await connector.applyEvent(gone!, signal), { refresh: { app: 'shop' } });
  await assert.rejects(() => connector.applyEvent({ ...e!, data: { app: 'shop' } }, signal), /no valid app and env/);
});

test('planScope: an app scope deletes under "{app}/", an env scope under "{app}/{env}/"; org-wide kinds never', () => {
  assert.deepEqual(connector.planScope!({ app: 'shop' }), { kinds: [...APP_SCOPE_KINDS], identifierPrefix: 'shop/' });
  assert.deepEqual(planHumanitecScope({ app: 'shop', env: 'production' }), { kinds: ENV_SCOPE_KINDS, identifierPrefix: 'shop/production/' });
  for (const kinds of [APP_SCOPE_KINDS, ENV_SCOPE_KINDS]) {
    for (const org of ['secretStore', 'group', 'user']) assert.ok(!(kinds as string[]).includes(org), org);
    // In dependency order, a subset of the kinds.
    assert.deepEqual(kinds, HUMANITEC_KINDS.filter((k) => (kinds as string[]).includes(k)));
  }
  assert.deepEqual(APP_SCOPE_KINDS, ['application', 'environment', 'workload', 'resourceGraph', 'resource', 'sharedValue', 'valueSetVersion', 'deploymentSet', 'pipeline', 'deploymentDelta']);
  assert.deepEqual(ENV_SCOPE_KINDS, ['application', 'environment', 'workload', 'resourceGraph', 'resource', 'sharedValue', 'deploymentDelta']);
  assert.throws(() => planHumanitecScope({ env: 'production' }), /app/);
  assert.throws(() => planHumanitecScope({ app: 'shop', env: 'prod', x: 'y' }));
  assert.throws(() => planHumanitecScope({ app: 'Shop/x' }), /not a Humanitec id/);
});

test('under an env prefix, only that env\'s identifiers can be deleted; graph nodes and app-level ids never', () => {
  const { identifierPrefix } = planHumanitecScope({ app: 'shop', env: 'dev' });
  const inScope = (id: string) => id.startsWith(identifierPrefix!);
  assert.ok(inScope('shop/dev/api'));
  assert.ok(inScope('shop/dev/modules.api.externals.db'));
  assert.ok(inScope('shop/dev/LOG_LEVEL'));
  for (const id of ['shop/dev', 'shop/dev2/api', 'shop/devops/x', 'shop/LOG_LEVEL', 'shop/de1ta', 'shop', '7bd3966c9ff8eaa66c5cce855c03d715857c3440']) assert.ok(!inScope(id), id);
  const app = planHumanitecScope({ app: 'shop' }).identifierPrefix!;
  assert.ok(!'shop'.startsWith(app) && !'shopping/x'.startsWith(app) && !'7bd3966c9ff8'.startsWith(app));
});
