// Configuration: a bad file is refused with every problem named by its path (and the file), zero-config
// builds the seed scripts' integrations from the environment, and *_API_URL variables point the
// integrations elsewhere (a file's own value wins).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configPath, loadConfig, parseConfigText } from '../../config/load';
import { DEFAULT_GITHUB_API_URL, DEFAULT_HUMANITEC_API_URL, DEFAULT_INCIDENT_IO_API_URL, DEFAULT_PORT_API_URL, type Config } from '../../config/schema';
import { missingSecrets } from '../../config/secrets';
import { BAD_CONFIG_YAML, INLINED_SECRET } from '../helpers/configs';

const dir = mkdtempSync(join(tmpdir(), 'port-sync-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));


const SEED_ENV = {
  PORT_CLIENT_ID: 'port-id',
  PORT_CLIENT_SECRET: 'port-secret',
  HUMANITEC_API_KEY: 'h-key',
  HUMANITEC_ORG_ID: 'acme',
  INCIDENT_IO_API_KEY: 'i-key',
  INCIDENT_IO_CATALOG_TYPE_ID: '01CATALOGTYPE',
  GITHUB_APP_ID: '12345',
  GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----',
  GITHUB_WEBHOOK_SECRET: 'gh-secret',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

/** The one problem reported at exactly this path ("<path>: <what was expected>"). */
function problemAt(err: ConfigError, path: string): string {
  const found = err.problems.filter((p) => p.startsWith(`${path}: `));
  assert.equal(found.length, 1, `one problem at ${path}, got:\n${err.problems.join('\n')}`);
  return found[0]!;
}

const byId = (config: Config, id: string) => {
  const found = config.integrations.find((i) => i.id === id);
  assert.ok(found, `integration ${id}`);
  return found;
};

test('a file with several mistakes is refused with each one named by its path, and nothing else', () => {
  const err = configError(() => parseConfigText(BAD_CONFIG_YAML, 'bad.yaml', {}));
  assert.equal(err.source, 'bad.yaml');
  assert.match(problemAt(err, 'integrations.0.type'), /expected one of "demo", "humanitec", "incidentio", "github"/);
  assert.match(problemAt(err, 'integrations.1.schedule.cron'), /cron expression/);
  assert.match(problemAt(err, 'integrations.1.options.apiKeyEnv'), /name of an environment variable/);
  assert.match(problemAt(err, 'integrations.2.options.orgId'), /expected string/);
  assert.equal(err.problems.length, 4, err.problems.join('\n'));
  // The value that looks like a secret is refused without being repeated.
  assert.ok(!err.message.includes(INLINED_SECRET), err.message);
});

test('loadConfig names the file in its error, and a file that cannot be read', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, BAD_CONFIG_YAML);
  const err = configError(() => loadConfig({ path: file, env: {} }));
  assert.equal(err.source, file);
  assert.match(err.message, new RegExp(`^invalid configuration in ${file}: `));
  assert.ok(err.problems.some((p) => p.startsWith('integrations.1.schedule.cron: ')));

  const missing = join(dir, 'missing.yaml');
  const unreadable = configError(() => loadConfig({ path: missing, env: {} }));
  assert.equal(unreadable.source, missing);
  assert.deepEqual(unreadable.problems, ['cannot read file (ENOENT)']);
});

test('unknown fields (a typo) are named, not ignored', () => {
  const err = configError(() =>
    parseConfigText('integrations:\n  - id: h\n    type: humanitec\n    shedule: { cron: "@daily" }\n    options: { orgId: acme }\n', 'typo.yaml', {}),
  );
  assert.match(problemAt(err, 'integrations.0'), /unknown field\(s\) "shedule"/);
});

test('duplicate integration ids are refused, naming both places', () => {
  const text = `
integrations:
  - { id: same, type: humanitec, options: { orgId: a } }
  - { id: other, type: humanitec, options: { orgId: b } }
  - { id: same, type: incidentio, options: { catalogTypeId: c } }
`;
  const err = configError(() => parseConfigText(text, 'dup.yaml', {}));
  assert.match(problemAt(err, 'integrations.2.id'), /duplicate id "same" \(also at integrations\.0\.id\)/);
  assert.equal(err.problems.length, 1);
});

test('a YAML syntax error is reported with its line', () => {
  const err = configError(() => parseConfigText('integrations:\n  - id: a\n    type: demo\n   options: [\n', 'syntax.yaml', {}));
  assert.equal(err.source, 'syntax.yaml');
  assert.ok(err.problems.length >= 1);
  for (const p of err.problems) assert.match(p, /^YAML syntax: .*line \d+/);
});

test('a valid file gets its defaults: schedule policies, task queue, base URLs', () => {
  const config = parseConfigText(
    'integrations:\n  - id: h\n    type: humanitec\n    schedule: { cron: "0 2 * * 1" }\n    options: { orgId: acme }\n  - id: d\n    type: demo\n    schedule: { cron: "@every 2s" }\n    options: { apiUrl: "http://127.0.0.1:4010" }\n',
    'good.yaml',
    {},
  );
  const h = byId(config, 'h');
  assert.deepEqual(h.schedule, { cron: '0 2 * * 1', timezone: 'UTC', paused: false, catchupWindow: '1h', pauseOnFailure: false });
  assert.deepEqual(h.options, { orgId: 'acme', apiUrl: DEFAULT_HUMANITEC_API_URL, apiKeyEnv: 'HUMANITEC_API_KEY' });
  const d = byId(config, 'd');
  assert.equal(d.schedule && d.schedule.cron, '@every 2s');
  assert.equal(config.worker.taskQueue, 'port-sync');
  assert.equal(config.port.apiUrl, DEFAULT_PORT_API_URL);
  assert.deepEqual(parseConfigText('', 'empty.yaml', {}).integrations, []);
});

test('zero-config: each complete group of seed variables yields its integration with a default schedule', () => {
  const { config, source } = loadConfig({ env: SEED_ENV });
  assert.equal(source, 'environment');
  assert.deepEqual(config.integrations.map((i) => i.id).sort(), ['github', 'humanitec', 'incidentio']);
  const h = byId(config, 'humanitec');
  assert.equal(h.type, 'humanitec');
  assert.equal(h.schedule && h.schedule.cron, '0 2 * * 1');
  assert.deepEqual(h.options, { orgId: 'acme', apiUrl: DEFAULT_HUMANITEC_API_URL, apiKeyEnv: 'HUMANITEC_API_KEY' });
  const i = byId(config, 'incidentio');
  assert.equal(i.type, 'incidentio');
  assert.equal(i.schedule && i.schedule.cron, '0 */2 * * *');
  assert.deepEqual(i.options, { catalogTypeId: '01CATALOGTYPE', apiUrl: DEFAULT_INCIDENT_IO_API_URL, apiKeyEnv: 'INCIDENT_IO_API_KEY', externalIdPrefix: '', addMissingAttributes: false, maxEntries: 50_000 });
  const g = byId(config, 'github');
  assert.equal(g.type, 'github');
  assert.ok(g.schedule && g.schedule.cron);
  assert.deepEqual(g.options, { appId: '12345', privateKeyEnv: 'GITHUB_APP_PRIVATE_KEY', apiUrl: DEFAULT_GITHUB_API_URL });
  assert.deepEqual(g.webhook, { secretEnv: 'GITHUB_WEBHOOK_SECRET' });
  for (const integration of config.integrations) {
    assert.ok(integration.schedule, `${integration.id} has a schedule`);
    assert.equal(integration.schedule.timezone, 'UTC');
    assert.equal(integration.schedule.paused, false);
  }
  // No secret value ends up in the config: only the names of the variables.
  assert.ok(!JSON.stringify(config).includes('port-secret') && !JSON.stringify(config).includes('h-key'));
});

test('zero-config: only the groups that are set; nothing set means no integration', () => {
  const { PORT_CLIENT_ID, PORT_CLIENT_SECRET, INCIDENT_IO_API_KEY, INCIDENT_IO_CATALOG_TYPE_ID } = SEED_ENV;
  const only = loadConfig({ env: { PORT_CLIENT_ID, PORT_CLIENT_SECRET, INCIDENT_IO_API_KEY, INCIDENT_IO_CATALOG_TYPE_ID } }).config;
  assert.deepEqual(only.integrations.map((i) => i.id), ['incidentio']);
  assert.deepEqual(loadConfig({ env: {} }).config.integrations, []);
  // Blank values count as unset.
  assert.deepEqual(loadConfig({ env: { HUMANITEC_API_KEY: '  ', HUMANITEC_ORG_ID: '' } }).config.integrations, []);
});

test('zero-config: a partly set group is an error naming the missing variable', () => {
  const { PORT_CLIENT_ID, PORT_CLIENT_SECRET, HUMANITEC_API_KEY } = SEED_ENV;
  const err = configError(() => loadConfig({ env: { PORT_CLIENT_ID, PORT_CLIENT_SECRET, HUMANITEC_API_KEY } }));
  assert.equal(err.source, 'environment');
  assert.equal(err.problems.length, 1, err.problems.join('\n'));
  assert.match(err.problems[0]!, /HUMANITEC_ORG_ID/);
  assert.ok(!err.message.includes('h-key'), 'the key value is not repeated');

  const github = configError(() => loadConfig({ env: { PORT_CLIENT_ID, PORT_CLIENT_SECRET, GITHUB_APP_ID: '1' } }));
  assert.match(github.problems.join('\n'), /GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET/);

  // An integration without Port credentials cannot do anything.
  const { HUMANITEC_ORG_ID } = SEED_ENV;
  const noPort = configError(() => loadConfig({ env: { PORT_CLIENT_ID, HUMANITEC_API_KEY, HUMANITEC_ORG_ID } }));
  assert.match(noPort.problems.join('\n'), /PORT_CLIENT_SECRET/);
});

test('*_API_URL variables set every base URL in zero-config', () => {
  const { config } = loadConfig({
    env: {
      ...SEED_ENV,
      PORT_API_URL: 'http://127.0.0.1:5001',
      HUMANITEC_API_URL: 'http://127.0.0.1:5002',
      INCIDENT_IO_API_URL: 'http://127.0.0.1:5003',
      GITHUB_API_URL: 'http://127.0.0.1:5004',
    },
  });
  assert.equal(config.port.apiUrl, 'http://127.0.0.1:5001');
  assert.equal(byId(config, 'humanitec').options.apiUrl, 'http://127.0.0.1:5002');
  assert.equal(byId(config, 'incidentio').options.apiUrl, 'http://127.0.0.1:5003');
  assert.equal(byId(config, 'github').options.apiUrl, 'http://127.0.0.1:5004');
});

test('*_API_URL variables fill in a base URL a file leaves out; a value in the file wins', () => {
  const text = `
port: { clientIdEnv: PORT_ID }
integrations:
  - { id: h-env, type: humanitec, options: { orgId: a } }
  - { id: h-file, type: humanitec, options: { orgId: a, apiUrl: "http://file.example:1" } }
  - { id: i-env, type: incidentio, options: { catalogTypeId: c } }
  - { id: g-env, type: github, options: { appId: "1" } }
`;
  const env = {
    PORT_API_URL: 'http://port.env:1',
    HUMANITEC_API_URL: 'http://humanitec.env:1',
    INCIDENT_IO_API_URL: 'http://incident.env:1',
    GITHUB_API_URL: 'http://github.env:1',
  };
  const config = parseConfigText(text, 'urls.yaml', env);
  assert.equal(config.port.apiUrl, 'http://port.env:1');
  assert.equal(config.port.clientIdEnv, 'PORT_ID');
  assert.equal(byId(config, 'h-env').options.apiUrl, 'http://humanitec.env:1');
  assert.equal(byId(config, 'h-file').options.apiUrl, 'http://file.example:1');
  assert.equal(byId(config, 'i-env').options.apiUrl, 'http://incident.env:1');
  assert.equal(byId(config, 'g-env').options.apiUrl, 'http://github.env:1');

  const filePort = parseConfigText('port: { apiUrl: "http://port.file:1" }\n', 'port.yaml', env);
  assert.equal(filePort.port.apiUrl, 'http://port.file:1');

  const noEnv = parseConfigText(text, 'urls.yaml', {});
  assert.equal(byId(noEnv, 'h-env').options.apiUrl, DEFAULT_HUMANITEC_API_URL);
  assert.equal(noEnv.port.apiUrl, DEFAULT_PORT_API_URL);

  // An invalid URL from the environment is still validated.
  const err = configError(() => parseConfigText(text, 'urls.yaml', { HUMANITEC_API_URL: 'not a url' }));
  assert.ok(err.problems.some((p) => p.startsWith('integrations.0.options.apiUrl: ')), err.problems.join('\n'));
});

test('which file is read: --config, then PORT_SYNC_CONFIG, then ./port-sync.yaml when it exists', () => {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  assert.equal(configPath(undefined, {}, cwd), undefined);
  assert.equal(configPath(undefined, { PORT_SYNC_CONFIG: 'env.yaml' }, cwd), join(cwd, 'env.yaml'));
  assert.equal(configPath('flag.yaml', { PORT_SYNC_CONFIG: 'env.yaml' }, cwd), join(cwd, 'flag.yaml'));
  writeFileSync(join(cwd, 'port-sync.yaml'), 'integrations: []\n');
  assert.equal(configPath(undefined, {}, cwd), join(cwd, 'port-sync.yaml'));
});

test('a worker whose integrations talk to Port needs the Port credentials; the demo writing its own catalog does not', () => {
  const humanitec = parseConfigText('integrations:\n  - id: hum\n    type: humanitec\n    options: { orgId: acme }\n', 'hum.yaml', {});
  assert.deepEqual(missingSecrets(humanitec, { HUMANITEC_API_KEY: 'h-key' }, 'worker'), [
    'port.clientIdEnv: PORT_CLIENT_ID is not set',
    'port.clientSecretEnv: PORT_CLIENT_SECRET is not set',
  ]);
  assert.deepEqual(missingSecrets(humanitec, { HUMANITEC_API_KEY: 'h-key', PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'secret' }, 'worker'), []);
  const demo = parseConfigText('integrations:\n  - id: demo\n    type: demo\n    options: { apiUrl: "http://127.0.0.1:9" }\n', 'demo.yaml', {});
  assert.deepEqual(missingSecrets(demo, { DEMO_API_KEY: 'k' }, 'worker'), []);
});
