/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk parsed log JSON of arbitrary shape */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  createLogger,
  redactSecrets,
  redactValue,
  registerSecret,
  registerSecretsFromEnv,
} from '../../worker/logger';

// Registered once for the whole file (the registry is process-wide).
const PORT_SECRET = 'port-client-secret-9f8e7d';
const GITHUB_TOKEN = 'ghp_AbCdEf0123456789xyz';
const QUOTED = 'pa"ss\\word!'; // JSON-escaped in the serialized line; must still be caught
const PREFIXED = 'ghp_AbCdEf0123456789xyz_extended'; // longer secret that starts with another one
registerSecretsFromEnv(
  { PORT_CLIENT_SECRET: PORT_SECRET, GITHUB_TOKEN, UNSET: undefined },
  ['PORT_CLIENT_SECRET', 'GITHUB_TOKEN', 'UNSET'],
);
registerSecret(QUOTED);
registerSecret(PREFIXED);
registerSecret('abc'); // too short to register: would shred ordinary text
const ALL_SECRETS = [PORT_SECRET, GITHUB_TOKEN, QUOTED, PREFIXED, '_extended'];

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = () =>
    chunks.join('').split('\n').filter(Boolean).map((l) => ({ raw: l, json: JSON.parse(l) as Record<string, any> }));
  return { stream, lines };
}

function assertNoSecrets(text: string) {
  for (const s of ALL_SECRETS) assert.ok(!text.includes(s), `secret ${s} leaked in ${text}`);
  assert.ok(!text.includes(JSON.stringify(QUOTED).slice(1, -1)), `escaped secret leaked in ${text}`);
}

test('registered secrets are redacted from messages, nested fields and bindings', () => {
  const { stream, lines } = capture();
  const log = createLogger({ destination: stream, name: 'port-sync' }).child({ conn: `github:${GITHUB_TOKEN}` });
  log.info({ repo: 'acme/api', deep: { list: [`x${PORT_SECRET}y`, 42], q: `s=${QUOTED}` } }, `token is ${GITHUB_TOKEN}`);
  log.info({ url: `https://h/?t=${encodeURIComponent(QUOTED)}` }, `long ${PREFIXED} abc`);
  const [a, b] = lines();
  assert.ok(a && b);
  assertNoSecrets(a.raw + b.raw);
  assert.equal(a.json.msg, 'token is [REDACTED]');
  assert.equal(a.json.conn, 'github:[REDACTED]');
  assert.deepEqual(a.json.deep, { list: ['x[REDACTED]y', 42], q: 's=[REDACTED]' });
  assert.equal(a.json.repo, 'acme/api');
  assert.equal(a.json.name, 'port-sync');
  assert.equal(a.json.level, 30);
  assert.equal(b.json.msg, 'long [REDACTED] abc'); // whole longer secret, not its prefix; short 'abc' kept
  assert.equal(b.json.url, 'https://h/?t=[REDACTED]');
});

test('Error message and stack (and cause) are redacted, other error fields kept', () => {
  const { stream, lines } = capture();
  const log = createLogger({ destination: stream });
  const err = Object.assign(new Error(`401 from Port with secret ${PORT_SECRET}`, { cause: new Error(`inner ${GITHUB_TOKEN}`) }), { status: 401 });
  log.error(err);
  log.warn({ error: err }, 'under the error key');
  const [a, b] = lines();
  assert.ok(a && b);
  assertNoSecrets(a.raw + b.raw);
  assert.equal(a.json.msg, '401 from Port with secret [REDACTED]');
  for (const e of [a.json.err, b.json.error]) {
    assert.equal(e.message, '401 from Port with secret [REDACTED]: inner [REDACTED]'); // pino appends causes
    assert.match(e.stack, /caused by: Error: inner \[REDACTED\]/);
    assert.match(e.stack, /^Error: 401 from Port with secret \[REDACTED\]\n\s+at /);
    assert.equal(e.status, 401);
    assert.equal(e.type, 'Error');
  }
});

test('secret-looking keys are redacted at any depth, case-insensitively', () => {
  const { stream, lines } = capture();
  const log = createLogger({ destination: stream });
  log.info({
    req: { method: 'GET', headers: { Authorization: 'Basic dXNlcjpwYXNz', Cookie: 'sid=1', 'content-type': 'application/json', 'X-Hub-Signature-256': 'sha256=ab' } },
    res: { headers: { 'set-cookie': ['a=1'], 'x-port-signature': 'v1,xx' } },
    config: { clientSecret: { nested: 1 }, apiKey: 'k1', api_key: 'k2', privateKey: '---', password: 'p', PORT_CLIENT_SECRET: 's', accessToken: 't', tokenType: 'bearer', secretName: 'github-app' },
    list: [{ token: 'tok' }],
    empty: { password: null },
  });
  const [a] = lines();
  assert.ok(a);
  const R = '[REDACTED]';
  assert.deepEqual(a.json.req, { method: 'GET', headers: { Authorization: R, Cookie: R, 'content-type': 'application/json', 'X-Hub-Signature-256': R } });
  assert.deepEqual(a.json.res, { headers: { 'set-cookie': R, 'x-port-signature': R } });
  assert.deepEqual(a.json.config, { clientSecret: R, apiKey: R, api_key: R, privateKey: R, password: R, PORT_CLIENT_SECRET: R, accessToken: R, tokenType: 'bearer', secretName: 'github-app' });
  assert.deepEqual(a.json.list, [{ token: R }]);
  assert.deepEqual(a.json.empty, { password: null }); // "missing" stays visible
});

test('Bearer tokens in strings are redacted', () => {
  const { stream, lines } = capture();
  createLogger({ destination: stream }).info({ curl: 'curl -H "authorization: Bearer eyJhbGciOi.J9x-_y/z+=="' }, 'sent bearer abc.DEF-123 ok');
  const [a] = lines();
  assert.ok(a);
  assert.equal(a.json.msg, 'sent bearer [REDACTED] ok');
  assert.equal(a.json.curl, 'curl -H "authorization: Bearer [REDACTED]"');
  assert.ok(!a.raw.includes('eyJhbGciOi') && !a.raw.includes('DEF-123'));
});

test('level comes from LOG_LEVEL, default info', () => {
  const saved = process.env.LOG_LEVEL;
  try {
    delete process.env.LOG_LEVEL;
    assert.equal(createLogger({ destination: capture().stream }).level, 'info');
    process.env.LOG_LEVEL = 'debug';
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream });
    log.debug('visible');
    log.trace('hidden');
    assert.deepEqual(lines().map((l) => l.json.msg), ['visible']);
    assert.equal(createLogger({ level: 'warn', destination: stream }).level, 'warn');
  } finally {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  }
});

test('redactValue / redactSecrets work outside pino', () => {
  assert.equal(redactSecrets(`gh ${GITHUB_TOKEN} Bearer abc`), 'gh [REDACTED] Bearer [REDACTED]');
  const err = Object.assign(new Error(`bad ${PORT_SECRET}`), { headers: { authorization: 'x' } });
  const circular: Record<string, unknown> = { ok: true };
  circular.self = circular;
  const shared = { a: 1 };
  const input = { err, n: 1, circular, when: new Date(0), pair: [shared, shared] };
  const out = redactValue(input) as Record<string, any>;
  assertNoSecrets(JSON.stringify(out));
  assert.equal(out.err.message, 'bad [REDACTED]');
  assert.match(out.err.stack, /^Error: bad \[REDACTED\]/);
  assert.deepEqual(out.err.headers, { authorization: '[REDACTED]' });
  assert.deepEqual(out.circular, { ok: true, self: '[Circular]' });
  assert.deepEqual(out.pair, [{ a: 1 }, { a: 1 }]); // a repeated (non-cyclic) reference is not a cycle
  assert.equal(out.n, 1);
  assert.deepEqual(out.when, new Date(0));
  assert.ok(err.message.includes(PORT_SECRET)); // input untouched: it is a copy
});
