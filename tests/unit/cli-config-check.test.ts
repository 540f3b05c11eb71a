// `port-sync config check` loads every mapping file of one's own, as the worker does before it starts:
// a file that is missing or does not compile stops it with exit 2, naming the integration's field.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'port-sync-config-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function check(mapping: string) {
  const configFile = join(dir, `port-sync-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(configFile, ['integrations:', '  - id: hum', '    type: humanitec', `    mapping: ${mapping}`, '    options: { orgId: acme }', ''].join('\n'));
  return spawnSync(process.execPath, [join(root, 'bin/port-sync.js'), '--config', configFile, 'config', 'check'], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
}

test('a missing mapping file fails config check with exit 2, naming integrations.0.mapping', () => {
  const missing = join(dir, 'does-not-exist.yaml');
  const result = check(missing);
  assert.equal(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /integrations\.0\.mapping \(.*does-not-exist\.yaml\): cannot read file \(ENOENT\)/);
});

test('a mapping whose JQ does not compile fails config check, naming the kind and the field', () => {
  const file = join(dir, 'bad-mapping.yaml');
  writeFileSync(file, ['resources:', '  - kind: application', '    selector: { query: "true" }', '    port:', '      entity:', '        mappings:', '          identifier: .id', '          title: ".name |"', '          blueprint: \'"humanitecApplication"\'', ''].join('\n'));
  const result = check(file);
  assert.equal(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /integrations\.0\.mapping .*kind "application".*title/);
});

test('a mapping that compiles passes', () => {
  const file = join(dir, 'good-mapping.yaml');
  writeFileSync(file, ['resources:', '  - kind: application', '    selector: { query: "true" }', '    port:', '      entity:', '        mappings:', '          identifier: .id', '          title: .name', '          blueprint: \'"humanitecApplication"\'', ''].join('\n'));
  const result = check(file);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /valid/);
});
