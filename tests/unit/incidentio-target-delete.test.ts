// The incident.io target's deletes against the simulator: the index a run reads at its start may be old
// by the time reconcile deletes, so an entry someone edited since is found fresh and kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentIoClient } from '../../activities/incidentio/client';
import { ExternalIds } from '../../activities/incidentio/entries';
import { IncidentIoTarget } from '../../activities/incidentio/target';
import { IncidentIoSim, type CatalogType } from '../../sim/incidentio/server';
import { createTestType } from '../helpers/incidentio';

const signal = new AbortController().signal;
let sim: IncidentIoSim;
let type: CatalogType;

before(async () => {
  sim = new IncidentIoSim({ apiKey: 'inc-key' });
  await sim.start();
  type = createTestType(sim);
});
after(() => sim.stop());

test('an entry edited after the run read its index is kept when reconcile deletes; an untouched one goes', async () => {
  const ids = new ExternalIds('port:', ['service']);
  for (const id of ['edited', 'stale']) sim.putEntryDirect(type.id, { name: id, external_id: ids.of('service', id) });
  const target = new IncidentIoTarget({
    client: new IncidentIoClient({ apiUrl: sim.url, apiKey: 'inc-key', integrationId: 'test' }),
    integration: 'test',
    typeId: type.id,
    externalIds: ids,
    mappedKeys: [],
    addMissingAttributes: false,
  });
  await new Promise((r) => setTimeout(r, 5));
  const runStart = new Date().toISOString();
  target.beginRun(runStart);
  const listed: string[] = [];
  for await (const page of target.listOwned('service', signal)) listed.push(...page.map((e) => e.identifier));
  assert.deepEqual(listed.sort(), ['edited', 'stale'], 'both look stale in the index read at the start');

  // Someone renames "edited" in the dashboard while the run goes on.
  await new Promise((r) => setTimeout(r, 5));
  const entry = sim.entries(type.id).find((e) => e.name === 'edited')!;
  Object.assign(entry, { name: 'edited by hand', updated_at: new Date().toISOString() });

  const result = await target.delete('service', ['edited', 'stale'], { deleteDependents: false, signal, keepWrittenSince: runStart });
  assert.deepEqual(result.deleted, ['stale']);
  assert.deepEqual(result.keptWrittenDuringRun, ['edited']);
  assert.deepEqual(sim.entries(type.id).filter((e) => !e.archived_at).map((e) => e.name), ['edited by hand']);
});
