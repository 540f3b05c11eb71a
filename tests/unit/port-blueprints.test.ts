// ensureBlueprints against the Port simulator: relations that need their targets first (self-relation,
// a cycle), and a user's existing blueprint that only gains what it lacks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBlueprints } from '../../activities/port/blueprints';
import { PortClient } from '../../activities/port/client';
import type { BlueprintBody } from '../../activities/port/schemas';
import { PortSim } from '../../sim/port/server';
import { formatViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';

const SPEC = 'port-apispec.yaml';
let sim: PortSim;
let client: PortClient;

before(async () => {
  sim = new PortSim();
  sim.record = true;
  await sim.start();
  client = new PortClient({ apiUrl: sim.url, ...sim.credentials, integrationId: 'bp-test' });
});
after(() => sim.stop());

test('a self-relation and a two-blueprint cycle are created (blueprints first, relations after)', async () => {
  const wanted: BlueprintBody[] = [
    {
      identifier: 'app',
      title: 'App',
      schema: { properties: { name: { type: 'string' } } },
      relations: { dependsOn: { target: 'app', required: false, many: true }, env: { target: 'env', required: false, many: false } },
    },
    {
      identifier: 'env',
      title: 'Environment',
      schema: { properties: {} },
      relations: { apps: { target: 'app', required: false, many: true } },
    },
  ];
  const result = await ensureBlueprints(client, wanted);
  assert.deepEqual(result, { created: ['app', 'env'], changed: [] });
  assert.deepEqual(Object.keys(sim.blueprint('app')!.relations).sort(), ['dependsOn', 'env']);
  assert.equal(sim.blueprint('app')!.relations.dependsOn!.target, 'app');
  assert.equal(sim.blueprint('env')!.relations.apps!.target, 'app');

  // A second run finds everything in place.
  assert.deepEqual(await ensureBlueprints(client, wanted), { created: [], changed: [] });
});

test('an existing blueprint keeps the user\'s properties and relations and gains only what it lacks', async () => {
  sim.putBlueprint({ identifier: 'team', title: 'Team', schema: { properties: {} } });
  sim.putBlueprint({
    identifier: 'service',
    title: 'Our services',
    schema: { properties: { notes: { type: 'string', title: 'Notes' }, url: { type: 'string', title: 'Theirs' } }, required: ['notes'] },
    relations: { owner: { target: 'team', required: false, many: false } },
  });
  const result = await ensureBlueprints(client, [
    {
      identifier: 'service',
      title: 'Service',
      schema: { properties: { url: { type: 'string', format: 'url' }, language: { type: 'string' } }, required: ['language'] },
      relations: { owner: { target: 'app', required: true, many: true }, team: { target: 'team', required: false, many: false } },
    },
  ]);
  assert.deepEqual(result, { created: [], changed: [{ blueprint: 'service', added: ['properties.language', 'relations.team'] }] });
  const bp = sim.blueprint('service')!;
  assert.equal(bp.title, 'Our services');
  assert.deepEqual(bp.schema.properties.notes, { type: 'string', title: 'Notes' });
  assert.deepEqual(bp.schema.properties.url, { type: 'string', title: 'Theirs' });
  assert.deepEqual(bp.schema.properties.language, { type: 'string' });
  assert.deepEqual(bp.schema.required, ['notes']);
  assert.deepEqual(bp.relations.owner, { target: 'team', required: false, many: false });
  assert.equal(bp.relations.team?.target, 'team');
});

test('a blueprint body from a mapping file that Port would refuse names the field before anything is sent', async () => {
  const before = sim.exchanges.length;
  await assert.rejects(ensureBlueprints(client, [{ identifier: 'bad id', title: 'X', schema: { properties: {} } }]), {
    type: 'InvalidRequest',
    message: /blueprint "bad id" is not valid: identifier: /,
  });
  assert.equal(sim.exchanges.length, before);
});

test('every request and response above matches port-apispec.yaml', { skip: skipReason(SPEC) }, () => {
  const validator = OpenApiValidator.load(specPath(SPEC)!, {
    allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
  });
  const violations = sim.exchanges.flatMap((x) =>
    x.status < 300 ? validator.validate(x) : validator.validateResponse(x.method, x.path, x.status, x.responseBody),
  );
  assert.equal(violations.length, 0, formatViolations(violations));
});
