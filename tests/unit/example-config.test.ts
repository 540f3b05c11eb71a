import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../config/load';

test('the example config in config/ is valid and shows every integration type that has settings', () => {
  const { config } = loadConfig({ path: new URL('../../config/port-sync.example.yaml', import.meta.url).pathname, env: {} });
  assert.deepEqual(config.integrations.map((i) => i.type), ['humanitec', 'incidentio', 'github']);
  assert.equal(config.apis.humanitec?.activitiesPerSecond, 5);
});
