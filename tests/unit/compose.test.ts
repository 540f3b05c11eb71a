// The production deployment (docker-compose.yml, .env.example) cannot be started here (no Docker engine,
// no Docker Hub), so it is checked statically: valid against the Compose schema, every variable it
// interpolates is documented, no secret is written into it, and it only runs port-sync subcommands
// that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseDocument } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const composeFile = resolve(root, 'docker-compose.yml');
const envExampleFile = resolve(root, '.env.example');
const composeSchemaFile = resolve(root, '../shared/specs/compose-spec.json');

/** Subcommands of the `port-sync` CLI that run a long-lived process. */
const SERVICE_SUBCOMMANDS = ['worker', 'webhooks'];
/** Environment keys whose values are secrets and must come from variables. */
const SECRET_KEY = /SECRET|PASSWORD|PASSWD|PWD|TOKEN|KEY/i;
/** A whole value that is one interpolation without a fallback: `${VAR}`, `${VAR:?msg}`, `${VAR?msg}`. */
const SECRET_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*)?\}$/;

/** Variables port-sync itself reads; .env.example documents each (set or commented out). */
const PORT_SYNC_VARIABLES = [
  'PORT_CLIENT_ID', 'PORT_CLIENT_SECRET', 'PORT_API_URL', 'PORT_WEBHOOK_SECRET',
  'HUMANITEC_API_KEY', 'HUMANITEC_ORG_ID', 'HUMANITEC_API_URL', 'HUMANITEC_WEBHOOK_TOKEN',
  'INCIDENT_IO_API_KEY', 'INCIDENT_IO_CATALOG_TYPE_ID', 'INCIDENT_IO_API_URL',
  'GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_WEBHOOK_SECRET', 'GITHUB_API_URL',
  'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'PORT_SYNC_CONFIG', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME',
  'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Service = { [key: string]: Json };

function loadCompose(): { [key: string]: Json } {
  // merge: Compose files may use YAML merge keys (`<<: *anchor`), as docker compose does.
  const doc = parseDocument(readFileSync(composeFile, 'utf8'), { merge: true, prettyErrors: true });
  assert.deepEqual(doc.errors.map((e) => e.message), [], 'docker-compose.yml must be valid YAML');
  const compose = doc.toJS() as unknown;
  assert.ok(isObject(compose), 'docker-compose.yml must be a mapping');
  return compose;
}

function services(compose: { [key: string]: Json }): [string, Service][] {
  const all = compose.services;
  assert.ok(isObject(all), 'docker-compose.yml needs a services mapping');
  return Object.entries(all).map(([name, service]) => {
    assert.ok(isObject(service), `service ${name} must be a mapping`);
    return [name, service];
  });
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every string value in the document, keys excluded (Compose interpolates values). */
function strings(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

/** Names interpolated by `$VAR` / `${VAR...}`, nested defaults included; `$$` is a literal dollar. */
function interpolatedNames(text: string): string[] {
  const unescaped = text.replaceAll('$$', '');
  return [...unescaped.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** `environment` as key/value pairs, from either the mapping or the `KEY=value` list form. */
function environment(service: Service): [string, Json][] {
  const env = service.environment;
  if (env === undefined || env === null) return [];
  if (Array.isArray(env)) {
    return env.map((entry) => {
      const text = String(entry);
      const eq = text.indexOf('=');
      return eq === -1 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
    });
  }
  assert.ok(isObject(env), 'environment must be a mapping or a list');
  return Object.entries(env);
}

/** Variables set in .env.example (`VAR=`) or shown commented out (`# VAR=`), with the comment above. */
function envExample(): Map<string, { set: boolean; documented: boolean }> {
  const lines = readFileSync(envExampleFile, 'utf8').split(/\r?\n/);
  const found = new Map<string, { set: boolean; documented: boolean }>();
  lines.forEach((line, i) => {
    const m = /^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (!m) return;
    const above = lines[i - 1] ?? '';
    // Documentation is a comment line that is not itself a commented-out assignment.
    const documented = /^#/.test(above) && !/^#\s*[A-Za-z_][A-Za-z0-9_]*=/.test(above);
    const name = m[2]!;
    const set = m[1] === undefined;
    const previous = found.get(name);
    if (!previous || (set && !previous.set)) found.set(name, { set, documented });
  });
  return found;
}

test('docker-compose.yml is valid against the Compose JSON schema', (t) => {
  if (!existsSync(composeSchemaFile)) {
    t.skip('../shared/specs/compose-spec.json not found: compose schema check skipped');
    return;
  }
  const schema = JSON.parse(readFileSync(composeSchemaFile, 'utf8')) as { $schema?: string };
  // The spec declares draft-07 as "https://json-schema.org/draft-07/schema", which Ajv's built-in
  // draft-07 meta-schema is not registered under. Ajv's default class is draft-07, so drop the reference.
  assert.match(schema.$schema ?? '', /draft-07/, 'compose-spec.json is expected to be draft-07');
  delete schema.$schema;
  // strict: false because the published schema itself trips Ajv's strict-mode lint (union types,
  // additionalProperties without type); validation is unaffected.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const valid = validate(loadCompose());
  assert.ok(valid, `docker-compose.yml violates the Compose schema:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
});

test('every variable docker-compose.yml interpolates is documented in .env.example', () => {
  const names = new Set(strings(loadCompose()).flatMap(interpolatedNames));
  assert.ok(names.size > 0, 'expected docker-compose.yml to take settings from variables');
  const documented = envExample();
  const problems: string[] = [];
  for (const name of [...names].sort()) {
    const entry = documented.get(name);
    if (!entry?.set) problems.push(`${name}: no "${name}=" line in .env.example`);
    else if (!entry.documented) problems.push(`${name}: needs a comment line directly above it`);
  }
  assert.deepEqual(problems, []);
});

test('.env.example documents every variable port-sync reads', () => {
  const documented = envExample();
  const problems = PORT_SYNC_VARIABLES.flatMap((name) => {
    const entry = documented.get(name);
    if (!entry) return [`${name}: missing (as "${name}=" or "# ${name}=")`];
    return entry.documented ? [] : [`${name}: needs a comment line directly above it`];
  });
  assert.deepEqual(problems, []);
});

test('no service writes a secret value into docker-compose.yml', () => {
  const problems: string[] = [];
  for (const [name, service] of services(loadCompose())) {
    for (const [key, value] of environment(service)) {
      if (!SECRET_KEY.test(key)) continue;
      if (typeof value !== 'string' || !SECRET_REFERENCE.test(value)) {
        problems.push(`${name}: ${key} must be \${VAR} or \${VAR:?message} (no inline value, no default)`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('services built from this repo run an existing port-sync subcommand', () => {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  assert.ok(pkg.bin?.['port-sync'], 'package.json must declare the port-sync bin that `npx port-sync` runs');
  const built = services(loadCompose()).filter(([, service]) => service.build !== undefined);
  assert.deepEqual(built.map(([name]) => name).sort(), ['webhooks', 'worker']);
  for (const [name, service] of built) {
    const command = typeof service.command === 'string' ? service.command.trim().split(/\s+/) : service.command;
    assert.ok(Array.isArray(command), `${name}: needs an explicit command`);
    const [runner, bin, subcommand] = command;
    assert.deepEqual([runner, bin], ['npx', 'port-sync'], `${name}: command must be npx port-sync <subcommand>`);
    assert.ok(
      typeof subcommand === 'string' && SERVICE_SUBCOMMANDS.includes(subcommand),
      `${name}: "${String(subcommand)}" is not a port-sync subcommand (${SERVICE_SUBCOMMANDS.join(', ')})`,
    );
  }
});

test('the checks above reject what they exist to catch', () => {
  assert.deepEqual(interpolatedNames('${A:-${B}} $C $$D ${E:?set E}'), ['A', 'B', 'C', 'E']);
  assert.ok(SECRET_REFERENCE.test('${POSTGRES_PASSWORD:?set it}'));
  assert.ok(SECRET_REFERENCE.test('${PORT_CLIENT_SECRET}'));
  assert.ok(!SECRET_REFERENCE.test('${POSTGRES_PASSWORD:-temporal}'), 'a default is an inline secret');
  assert.ok(!SECRET_REFERENCE.test('temporal'));
  assert.ok(!SECRET_REFERENCE.test('prefix-${TOKEN}'));
});
