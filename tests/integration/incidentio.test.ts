// Port -> incident.io end to end on a real Temporal server: 1,000 Port services (Port simulator) become
// entries of a catalog type (incident.io simulator), keyed by external id. A second run writes nothing;
// 10 changed services are exactly 10 updates; 5 deleted services are exactly 5 archives, and entries
// made by hand and attributes the sync does not map are never touched. Bad input fails before any
// write with a message that names it; a Port search that fails mid-pagination deletes nothing. All
// traffic on both sides is valid against incident.io's and Port's OpenAPI specs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFailure, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { reportTable, startOrAttach } from '../../client/runSync';
import { startReceiver } from '../../client/webhooks/receiver';
import { WRITE_ROUTES, type Entry } from '../../sim/incidentio/server';
import { startWorkers, type RunningWorkers } from '../../worker/run';
import { eventsStatusQuery, objectWorkflowId, progressQuery, syncWorkflowId, type SyncInput, type SyncReport } from '../../workflows/definitions';
import { attributeIds, GUIDE_ATTRIBUTES, incidentIoSetup, portSignature, putService, service, writeMapping, type IncidentIoSetup } from '../helpers/incidentio';
import { formatViolations, incidentIoViolations, OpenApiValidator, skipReason, specPath } from '../helpers/openapi';
import { connectTemporal, reportTotals, eventually, logLines, testLogger, type TestTemporal } from '../helpers/temporal';

const SERVICES = 1000;
let temporal: TestTemporal;

before(async () => {
  temporal = await connectTemporal();
});

after(async () => {
  await temporal.close();
});

async function withWorkers<T>(setup: IncidentIoSetup, body: () => Promise<T>): Promise<T> {
  const workers: RunningWorkers = await startWorkers(setup.config, { connection: temporal.connection, namespace: temporal.target.namespace, logger: testLogger, env: setup.env });
  try {
    return await body();
  } finally {
    workers.shutdown();
    await workers.done;
  }
}

const run = async (setup: IncidentIoSetup, extra: Partial<SyncInput> = {}): Promise<SyncReport> => {
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, ...extra });
  return handle.result();
};

/** The run fails; returns its error and the report its progress query holds. */
async function failingRun(setup: IncidentIoSetup): Promise<{ message: string; report: SyncReport }> {
  const { handle } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration });
  const err = await handle.result().then(
    () => assert.fail('expected the sync to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  // An activity's own error sits under the ActivityFailure that wraps it.
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  return { message: String(cause?.message), report: await handle.query(progressQuery) };
}

const totals = reportTotals;

/** incident.io write requests so far, by route. */
function writes(setup: IncidentIoSetup): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, n] of setup.incident.http.requests) if (WRITE_ROUTES.has(label)) out[label] = n;
  return out;
}
const writeCount = (setup: IncidentIoSetup) => Object.values(writes(setup)).reduce((a, b) => a + b, 0);
const live = (setup: IncidentIoSetup) => setup.incident.entries(setup.type.id).filter((e) => !e.archived_at);

/** Every Port service has exactly one live entry, equal to what the guide's mapping gives, empty values omitted. */
function assertEntriesMatchPort(setup: IncidentIoSetup) {
  const ids = attributeIds(setup.type);
  const byExternalId = new Map(live(setup).filter((e) => e.external_id).map((e) => [e.external_id!, e]));
  const services = setup.port.entities('service').filter((s) => s.title);
  assert.equal(byExternalId.size, services.length, 'one entry per named service');
  for (const s of services) {
    const entry = byExternalId.get(s.identifier);
    assert.ok(entry, `entry for ${s.identifier}`);
    assert.equal(entry.name, s.title);
    const expected: Entry['attribute_values'] = {};
    for (const name of GUIDE_ATTRIBUTES) {
      const v = s.properties[name];
      if (v !== undefined && v !== null && v !== '') expected[ids[name]!] = { value: String(v) };
    }
    const mapped = Object.fromEntries(Object.entries(entry.attribute_values).filter(([id]) => id !== 'oncall-notes'));
    assert.deepEqual(mapped, expected, `values of ${s.identifier}`);
  }
}

describe('1,000 services', () => {
  let setup: IncidentIoSetup;
  before(async () => {
    setup = await incidentIoSetup({ services: SERVICES });
    setup.incident.record = true;
    setup.port.record = true;
    // Made in the dashboard: no external id, and one with a value in an attribute nobody maps.
    setup.incident.putEntryDirect(setup.type.id, { name: 'Legacy mainframe' });
    setup.incident.putEntryDirect(setup.type.id, { name: 'Vendor CRM', values: { 'oncall-notes': 'call the vendor' } });
  });
  after(async () => {
    await setup.stop();
  });

  test('first run: every service is an entry (name, external id, values by attribute id), empty values omitted', async () => {
    await withWorkers(setup, async () => {
      const report = await run(setup);
      assert.equal(report.status, 'completed');
      assert.deepEqual(totals(report), { created: SERVICES, updated: 0, deleted: 0, failed: 0 });
      assert.equal(writes(setup)['POST /v3/catalog_entries'], SERVICES, 'one create per entry (the API has no bulk create)');
      assertEntriesMatchPort(setup);
      const readmeless = live(setup).find((e) => e.external_id === service(0).identifier)!;
      assert.equal(readmeless.attribute_values[attributeIds(setup.type).readme!], undefined, 'an empty readme is omitted, not sent as ""');
      assert.equal(live(setup).length, SERVICES + 2, 'the two entries made by hand are still there');
    });
  });

  test('second run: zero write requests', async () => {
    await withWorkers(setup, async () => {
      const before = writeCount(setup);
      const report = await run(setup);
      assert.equal(report.status, 'completed');
      assert.deepEqual(totals(report), { created: 0, updated: 0, deleted: 0, failed: 0 });
      assert.equal(report.kinds[0]!.unchanged, SERVICES);
      assert.equal(writeCount(setup) - before, 0, JSON.stringify(writes(setup)));
    });
  });

  test('10 changed services: exactly 10 updates in one bulk request; values the sync does not map stay', async () => {
    // Someone fills in on-call notes on one of them in the dashboard.
    live(setup).find((e) => e.external_id === service(3).identifier)!.attribute_values['oncall-notes'] = { value: 'page #payments' };
    for (let i = 0; i < 10; i++) {
      const s = service(i);
      putService(setup.port, { ...s, properties: { ...s.properties, lifecycle: 'Deprecated', language: i === 3 ? null : 'Rust' } });
    }
    await withWorkers(setup, async () => {
      const before = writes(setup);
      const report = await run(setup);
      assert.deepEqual(totals(report), { created: 0, updated: 10, deleted: 0, failed: 0 });
      const after = writes(setup);
      assert.equal((after['POST /v3/catalog_entries/actions/bulk_update'] ?? 0) - (before['POST /v3/catalog_entries/actions/bulk_update'] ?? 0), 1);
      assert.equal(after['POST /v3/catalog_entries'], before['POST /v3/catalog_entries'], 'no creates');
      assertEntriesMatchPort(setup);
      const noted = live(setup).find((e) => e.external_id === service(3).identifier)!;
      assert.deepEqual(noted.attribute_values['oncall-notes'], { value: 'page #payments' });
      assert.equal(noted.attribute_values[attributeIds(setup.type).language!], undefined, 'a value gone from Port is cleared');
    });
  });

  test('5 services deleted in Port: exactly those 5 are archived; entries made by hand stay', async () => {
    const gone = [20, 21, 22, 23, 24].map((i) => service(i).identifier);
    for (const id of gone) setup.port.deleteEntityDirect('service', id);
    await withWorkers(setup, async () => {
      const before = writes(setup)['DELETE /v3/catalog_entries/:id'] ?? 0;
      const report = await run(setup);
      assert.equal(report.status, 'completed');
      assert.deepEqual(totals(report), { created: 0, updated: 0, deleted: 5, failed: 0 });
      assert.equal((writes(setup)['DELETE /v3/catalog_entries/:id'] ?? 0) - before, 5);
      const archived = setup.incident.entries(setup.type.id).filter((e) => e.archived_at).map((e) => e.external_id);
      assert.deepEqual(archived.sort(), gone);
      assert.ok(live(setup).some((e) => e.name === 'Legacy mainframe'));
      assert.ok(live(setup).some((e) => e.name === 'Vendor CRM' && e.attribute_values['oncall-notes']));
      assertEntriesMatchPort(setup);
    });
  });

  test('a service without a title is reported, and its entry kept as it is', async () => {
    const s = service(40);
    putService(setup.port, { identifier: s.identifier, properties: { ...s.properties, url: 'https://changed.example.com' } });
    await withWorkers(setup, async () => {
      const report = await run(setup);
      assert.equal(report.status, 'completed');
      assert.equal(totals(report).failed, 1);
      assert.match(report.kinds[0]!.failures.join('\n'), new RegExp(`"${s.identifier}": no name`));
      const entry = live(setup).find((e) => e.external_id === s.identifier)!;
      assert.equal(entry.name, s.title, 'kept, not archived and not renamed');
      assert.equal(totals(report).deleted, 0);
    });
    putService(setup.port, s);
  });

  test('dry run: the plan names each create, each update field by field, and each delete; nothing is written', async () => {
    const changed = service(50);
    putService(setup.port, { ...changed, title: 'Checkout', properties: { ...changed.properties, language: 'Rust', readme: null } });
    putService(setup.port, { identifier: 'svc-new', title: 'Brand new', properties: { url: 'https://new.example.com' } });
    setup.port.deleteEntityDirect('service', service(60).identifier);
    try {
      await withWorkers(setup, async () => {
        const before = writeCount(setup);
        const report = await run(setup, { dryRun: true });
        assert.equal(report.status, 'completed');
        assert.equal(writeCount(setup) - before, 0, 'a dry run writes nothing');
        assert.deepEqual(totals(report), { created: 1, updated: 1, deleted: 1, failed: 0 });
        const plan = reportTable(report);
        assert.match(plan, /plan: create service "svc-new"/);
        assert.match(plan, /plan: update service "svc-00050": name: "Service 50" -> "Checkout"; readme: cleared; language: "[A-Za-z]+" -> "Rust"/);
        assert.match(plan, new RegExp(`plan: delete service "${service(60).identifier}"`));
      });
    } finally {
      putService(setup.port, changed);
      putService(setup.port, service(60));
      setup.port.deleteEntityDirect('service', 'svc-new');
    }
  });

  test('Port search fails mid-pagination: nothing is deleted, and the report says why', async () => {
    for (const i of [30, 31, 32]) setup.port.deleteEntityDirect('service', service(i).identifier);
    for (let i = SERVICES; i < SERVICES + 200; i++) putService(setup.port, service(i)); // a second search page
    // The sync's second read of the second search page is refused for good (a 422 for a `from` Port no
    // longer knows); the first is the count before writing, which passes.
    let pageTwos = 0;
    setup.port.http.faults.refuse = ({ path, body }) => (path.endsWith('/entities/search') && (body as { from?: string })?.from && ++pageTwos > 1 ? 422 : undefined);
    try {
      await withWorkers(setup, async () => {
        const before = writes(setup)['DELETE /v3/catalog_entries/:id'] ?? 0;
        const { message, report } = await failingRun(setup);
        assert.match(message, /incomplete, nothing deleted: kind "service" failed/);
        assert.equal(report.kinds[0]!.status, 'failed');
        assert.equal(report.reconcile.status, 'skipped');
        assert.match(report.reconcile.reason!, /kind "service" failed: port API: POST \/v1\/blueprints\/service\/entities\/search answered 422/);
        assert.equal((writes(setup)['DELETE /v3/catalog_entries/:id'] ?? 0) - before, 0);
        for (const i of [30, 31, 32]) assert.ok(live(setup).some((e) => e.external_id === service(i).identifier));
      });
    } finally {
      setup.port.http.faults.refuse = undefined;
    }
    for (const i of [30, 31, 32]) putService(setup.port, service(i));
  });

  test('neither API key nor Port secret is in any run history or the worker log', async () => {
    const secrets = [setup.apiKey, setup.port.credentials.clientSecret];
    let runs = 0;
    for await (const wf of temporal.client.workflow.list({ query: `WorkflowId = "${syncWorkflowId(setup.integration)}"` })) {
      const history = await temporal.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const text = JSON.stringify(historyToJSON(history));
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret is in the history of run ${wf.runId}`);
      runs += 1;
    }
    assert.ok(runs >= 5, `${runs} runs checked`);
    for (const secret of secrets) assert.ok(!logLines.some((l) => l.includes(secret)), 'a secret is in the log');
  });

  test('every exchange on both sides matches the OpenAPI specs', { skip: skipReason('incident-io-openapi3.json') || skipReason('port-apispec.yaml') }, () => {
    assert.ok(setup.incident.exchanges.length > SERVICES);
    const violations = incidentIoViolations(setup.incident.exchanges);
    assert.equal(violations.length, 0, formatViolations(violations));
    const port = OpenApiValidator.load(specPath('port-apispec.yaml')!, {
      allowExtraResponseProperties: ['blueprint', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
      undocumentedStatuses: [429],
    });
    const portViolations = setup.port.exchanges.flatMap((x) => (x.status >= 400 ? port.validateResponse(x.method, x.path, x.status, x.responseBody) : port.validate(x)));
    assert.equal(portViolations.length, 0, formatViolations(portViolations));
    assert.ok(
      setup.port.exchanges.every((x) => x.path.endsWith('/entities/search') || x.path.includes('/auth/')),
      'Port is only searched (paginated), never listed in one call or written',
    );
  });
});

describe('bad input fails before any write', () => {
  test('a mapped attribute the type lacks is named, and nothing is written', async () => {
    const mapping = writeMapping({ service: { url: '.properties.url', owner: '.team[0]', tier: '.properties.tier' } });
    const setup = await incidentIoSetup({ services: 20, mapping });
    try {
      await withWorkers(setup, async () => {
        const { message } = await failingRun(setup);
        assert.match(message, /incident\.io catalog type "Service" has no attribute "owner", "tier": add them to the type, or set options\.addMissingAttributes: true/);
        assert.equal(writeCount(setup), 0);
      });
    } finally {
      await setup.stop();
    }
  });

  test('with addMissingAttributes the schema gains them once, every existing attribute kept', async () => {
    const mapping = writeMapping({ service: { url: '.properties.url', kind: '.properties.type' } });
    const setup = await incidentIoSetup({ services: 20, mapping, integrationOptions: { addMissingAttributes: true } });
    try {
      const before = setup.incident.types.get(setup.type.id)!.schema.attributes.map((a) => ({ ...a }));
      await withWorkers(setup, async () => {
        assert.equal((await run(setup)).status, 'completed');
        assert.equal((await run(setup)).status, 'completed');
      });
      assert.equal(writes(setup)['POST /v3/catalog_types/:id/actions/update_schema'], 1, 'sent once, on the real difference only');
      const after = setup.incident.types.get(setup.type.id)!.schema.attributes;
      for (const a of before) assert.deepEqual(after.find((x) => x.id === a.id), a, `attribute ${a.name} kept as it was`);
      const kind = after.find((a) => a.name === 'kind')!;
      assert.ok(live(setup).every((e) => e.attribute_values[kind.id]), 'the added attribute is filled');
    } finally {
      await setup.stop();
    }
  });

  test('beyond 50,000 entries per type (here 1,000): the run fails before writing, saying by how much', async () => {
    const setup = await incidentIoSetup({ services: 995, incident: { maxEntriesPerType: 1000 }, integrationOptions: { maxEntries: 1000 } });
    for (let i = 0; i < 8; i++) setup.incident.putEntryDirect(setup.type.id, { name: `hand ${i}` });
    try {
      await withWorkers(setup, async () => {
        const { message } = await failingRun(setup);
        assert.match(message, /would need 1,003 entries in incident\.io catalog type "Service", 3 more than its limit of 1,000 .*nothing was written/);
        assert.equal(writeCount(setup), 0);
      });
    } finally {
      await setup.stop();
    }
  });
});

describe('several blueprints feed one type', () => {
  test('external ids carry the blueprint; a team gone from Port archives only its own entry', async () => {
    const mapping = writeMapping({ service: { url: '.properties.url' }, team: { type: '"team"' } });
    const setup = await incidentIoSetup({ services: 5, mapping });
    setup.port.putBlueprint({ identifier: 'team', title: 'Team', schema: { properties: {} } });
    // A team and a service may share an identifier: their entries must not.
    for (const id of ['payments', 'svc-00001']) setup.port.putEntity('team', { identifier: id, title: `Team ${id}` });
    try {
      await withWorkers(setup, async () => {
        assert.equal(totals(await run(setup)).created, 7);
        const ids = live(setup).map((e) => e.external_id).sort();
        assert.deepEqual(ids, ['service/svc-00000', 'service/svc-00001', 'service/svc-00002', 'service/svc-00003', 'service/svc-00004', 'team/payments', 'team/svc-00001']);
        setup.port.deleteEntityDirect('team', 'svc-00001');
        const report = await run(setup);
        assert.equal(totals(report).deleted, 1);
        assert.ok(live(setup).some((e) => e.external_id === 'service/svc-00001'), 'the service of the same identifier stays');
        assert.ok(!live(setup).some((e) => e.external_id === 'team/svc-00001'));
      });
    } finally {
      await setup.stop();
    }
  });
});

describe('deletes are refused when they are not certain', () => {
  test('Port returns no services: nothing is archived, and the report says why', async () => {
    const setup = await incidentIoSetup({ services: 20 });
    try {
      await withWorkers(setup, async () => {
        assert.equal(totals(await run(setup)).created, 20);
        for (let i = 0; i < 20; i++) setup.port.deleteEntityDirect('service', service(i).identifier);
        const report = await run(setup);
        assert.equal(report.reconcile.status, 'refused');
        assert.match(report.reconcile.reason!, /returned none/);
        assert.equal(live(setup).length, 20, 'every entry kept');
        assert.equal(writes(setup)['DELETE /v3/catalog_entries/:id'] ?? 0, 0);
      });
    } finally {
      await setup.stop();
    }
  });

  test('more than the deletion threshold gone at once: nothing is archived, and the report gives the numbers', async () => {
    const setup = await incidentIoSetup({ services: 20 });
    try {
      await withWorkers(setup, async () => {
        await run(setup);
        for (let i = 0; i < 19; i++) setup.port.deleteEntityDirect('service', service(i).identifier);
        const report = await run(setup);
        assert.equal(report.reconcile.status, 'refused');
        assert.match(report.reconcile.reason!, /19 of 20 .*threshold/);
        assert.equal(live(setup).length, 20);
      });
    } finally {
      await setup.stop();
    }
  });
});

describe('Port entity webhooks', () => {
  test('a changed entity is written within seconds, a deleted one archived; unsigned deliveries are refused', async () => {
    const setup = await incidentIoSetup({ services: 300 }); // more than one page (250) of entries
    setup.incident.putEntryDirect(setup.type.id, { name: 'by hand' });
    const receiver = await startReceiver({ config: setup.config, client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
    const deliver = async (payload: unknown, signed = true) => {
      const body = JSON.stringify(payload);
      const headers = { 'content-type': 'application/json', ...(signed ? portSignature(body, setup.webhookSecret) : {}) };
      return fetch(`${receiver.url}/webhooks/${setup.integration}`, { method: 'POST', headers, body });
    };
    const entry = (i: number) => live(setup).find((e) => e.external_id === service(i).identifier);
    try {
      await withWorkers(setup, () => run(setup));
      // A worker that has not run a sync yet: an event must not list the whole type to apply one entity.
      await withWorkers(setup, async () => {
        const lists = () => setup.incident.http.requests.get('GET /v3/catalog_entries') ?? 0;
        const listsBefore = lists();
        const before = writes(setup);
        const s3 = service(3);
        putService(setup.port, { ...s3, title: 'Renamed in Port' });
        // Port's automation context, as its webhook invocation sends it.
        const res = await deliver({ event: { context: { blueprintIdentifier: 'service', entityIdentifier: s3.identifier } }, trigger: { by: { orgId: 'org' } } });
        assert.equal(res.status, 202, await res.text());
        await eventually(() => entry(3)?.name === 'Renamed in Port', 30_000, 'the renamed entry');
        const after = writes(setup);
        assert.equal((after['POST /v3/catalog_entries/actions/bulk_update'] ?? 0) - (before['POST /v3/catalog_entries/actions/bulk_update'] ?? 0), 1, 'one write');
        assert.equal(lists() - listsBefore, 1, 'one lookup of that entry by its external id');

        setup.port.deleteEntityDirect('service', service(4).identifier);
        assert.equal((await deliver({ blueprint: 'service', identifier: service(4).identifier })).status, 202);
        await eventually(() => entry(4) === undefined, 30_000, 'the archived entry');
        assert.equal(live(setup).length, 300, '299 services and the entry made by hand');

        assert.equal((await deliver({ blueprint: 'service', identifier: service(5).identifier }, false)).status, 401);
      });
    } finally {
      await receiver.close();
      await setup.stop();
    }
  });

  test('an event applied while a full sync runs is applied again once it has ended: an older write in between does not stay', async () => {
    const setup = await incidentIoSetup({ services: 300 });
    const receiver = await startReceiver({ config: setup.config, client: temporal.client, logger: testLogger, env: setup.env, host: '127.0.0.1', port: 0 });
    const entry = (i: number) => live(setup).find((e) => e.external_id === service(i).identifier);
    try {
      await withWorkers(setup, () => run(setup));
      await withWorkers(setup, async () => {
        const s7 = service(7);
        putService(setup.port, { ...s7, title: 'Title B' });
        // A full sync that keeps running (its Port reads fail and are retried) and writes nothing (a dry
        // run): whatever service 7's entry holds when it ends, only the event's second application sets.
        setup.port.http.faults.refuse = ({ method, path }) => (method === 'POST' && path.endsWith('/entities/search') ? 503 : undefined);
        const { handle: full } = await startOrAttach(temporal.client, setup.config, { integration: setup.integration, dryRun: true, trigger: 'cli' });
        await eventually(async () => (await full.describe()).status.name === 'RUNNING', 10_000, 'the full sync runs');
        const body = JSON.stringify({ blueprint: 'service', identifier: s7.identifier });
        const res = await fetch(`${receiver.url}/webhooks/${setup.integration}`, { method: 'POST', headers: { 'content-type': 'application/json', ...portSignature(body, setup.webhookSecret) }, body });
        assert.equal(res.status, 202, await res.text());
        await eventually(() => entry(7)?.name === 'Title B', 30_000, 'the event applied at once');
        const events = temporal.client.workflow.getHandle(objectWorkflowId(setup.integration, `service/${s7.identifier}`));
        await eventually(async () => (await events.query(eventsStatusQuery)).waitingForFullSync === true, 30_000, 'the applied event waits for the full sync');
        // As if the sync had read service 7 before the event and wrote that older state after it.
        entry(7)!.name = 'Stale';
        assert.equal((await full.describe()).status.name, 'RUNNING');
        setup.port.http.faults.refuse = undefined;
        assert.equal((await full.result()).status, 'completed');
        await eventually(() => entry(7)?.name === 'Title B', 30_000, 'applied again after the full sync');
        const status = await events.query(eventsStatusQuery);
        assert.equal(status.reapplied, 1);
        assert.equal(status.waitingForFullSync, undefined);
      });
    } finally {
      setup.port.http.faults.refuse = undefined;
      await receiver.close();
      await setup.stop();
    }
  });
});
