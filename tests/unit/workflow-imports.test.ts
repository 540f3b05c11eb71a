// Proves the eslint.config.js guard that keeps workflows/ deterministic: Node built-ins, I/O
// libraries and activity/worker/client/sim code must not be imported from workflow code.
// The probe files do not exist on disk; lintText() lints the source as if it lived at filePath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';
const WORKFLOW_PROBE = 'workflows/__probe.ts';

const eslint = new ESLint({ cwd: repoRoot });

/** Messages reported by the import-restriction rule (other rules are not under test here). */
async function restrictedImports(code: string, filePath = WORKFLOW_PROBE) {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, 'ESLint returned no result');
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `probe did not parse or was ignored: ${JSON.stringify(result.messages)}`);
  return result.messages.filter((m) => m.ruleId === RULE);
}

test('the probe paths are linted, not ignored, and get the workflow rule', async () => {
  assert.equal(await eslint.isPathIgnored(WORKFLOW_PROBE), false);
  assert.equal(await eslint.isPathIgnored('activities/__probe.ts'), false);
  const config = await eslint.calculateConfigForFile(WORKFLOW_PROBE);
  assert.ok(config.rules?.[RULE], `${RULE} is not configured for ${WORKFLOW_PROBE}`);
});

const forbidden: Array<[label: string, code: string]> = [
  ['node:fs', `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`],
  ['bare fs', `import fs from 'fs';\nexport const x = fs;\n`],
  ['node:crypto', `import { randomUUID } from 'node:crypto';\nexport const x = randomUUID;\n`],
  ['ky', `import ky from 'ky';\nexport const x = ky;\n`],
  ['@temporalio/activity', `import { Context } from '@temporalio/activity';\nexport const x = Context;\n`],
  ['@opentelemetry/sdk-trace-base', `import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';\nexport const x = BasicTracerProvider;\n`],
  [
    'value import from ../activities/demo/source',
    `import { fetchDemo } from '../activities/demo/source';\nexport const x = fetchDemo;\n`,
  ],
  ['value import from ../activities', `import * as activities from '../activities';\nexport const x = activities;\n`],
  ['import from ../client/x', `import { thing } from '../client/x';\nexport const x = thing;\n`],
  ['type-only import from ../client/x', `import type { Thing } from '../client/x';\nexport type X = Thing;\n`],
  ['import from ../worker', `import { run } from '../worker';\nexport const x = run;\n`],
  ['import from ../sim/clock', `import { clock } from '../sim/clock';\nexport const x = clock;\n`],
];

for (const [label, code] of forbidden) {
  test(`workflows/ may not import ${label}`, async () => {
    const messages = await restrictedImports(code);
    assert.ok(messages.length > 0, `expected ${RULE} to reject: ${code}`);
    for (const m of messages) {
      assert.equal(m.severity, 2);
      assert.match(m.message, /workflows must be deterministic/, 'the message should say why');
    }
  });
}

const allowed: Array<[label: string, code: string]> = [
  [
    'a type-only import of activities',
    `import type * as activities from '../activities';\nexport type Acts = typeof activities;\n`,
  ],
  [
    'inline type specifiers from an activity module',
    `import { type DemoResult } from '../activities/demo/source';\nexport type R = DemoResult;\n`,
  ],
  [
    '@temporalio/workflow',
    `import { proxyActivities } from '@temporalio/workflow';\nexport const x = proxyActivities;\n`,
  ],
  ['@temporalio/common', `import { ApplicationFailure } from '@temporalio/common';\nexport const x = ApplicationFailure;\n`],
  [
    '@temporalio/interceptors-opentelemetry/lib/workflow',
    `import { OpenTelemetryInboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';\n` +
      `export const x = OpenTelemetryInboundInterceptor;\n`,
  ],
  ['a relative file within workflows/', `import { thing } from './definitions';\nexport const x = thing;\n`],
];

for (const [label, code] of allowed) {
  test(`workflows/ may import ${label}`, async () => {
    assert.deepEqual(await restrictedImports(code), []);
  });
}

test('the restriction only applies under workflows/', async () => {
  const code = `import { readFileSync } from 'node:fs';\nimport ky from 'ky';\nexport const x = [readFileSync, ky];\n`;
  assert.ok((await restrictedImports(code)).length > 0, 'sanity: rejected inside workflows/');
  assert.deepEqual(await restrictedImports(code, 'activities/__probe.ts'), []);
  assert.deepEqual(await restrictedImports(code, 'worker/__probe.ts'), []);
});
