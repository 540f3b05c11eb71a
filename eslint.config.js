// ESLint flat config for port-sync.
//
// Besides the usual recommended rules, this enforces the one architectural rule that breaks
// Temporal at runtime if violated: code under workflows/ runs inside the deterministic workflow
// sandbox, so it must not import Node built-ins, I/O libraries or activity/worker/client code.
// Type-only imports of activities are fine (they are erased; proxyActivities<typeof acts> needs them).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const WHY = 'workflows must be deterministic: do I/O in activities/ and call it via proxyActivities';

// Node 20's builtinModules omits the modules that only exist with the `node:` prefix.
const PREFIX_ONLY_BUILTINS = ['node:sea', 'node:sqlite', 'node:test', 'node:test/reporters'];
const nodeBuiltins = [
  ...new Set([
    ...builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])),
    ...PREFIX_ONLY_BUILTINS,
  ]),
].sort();

const IO_LIBRARIES = [
  'ky',
  'undici',
  'pino',
  'yaml',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  '@temporalio/envconfig',
  // The package root also pulls in the worker-side interceptors; workflows use .../lib/workflow.
  '@temporalio/interceptors-opentelemetry',
];

/** Options for @typescript-eslint/no-restricted-imports in workflows/. */
const workflowImportRestrictions = {
  paths: [
    ...nodeBuiltins.map((name) => ({
      name,
      message: `Node built-in "${name}" is not available in the workflow sandbox; ${WHY}.`,
    })),
    ...IO_LIBRARIES.map((name) => ({
      name,
      message: `"${name}" does I/O or belongs to the worker/client side; ${WHY}.`,
    })),
  ],
  patterns: [
    {
      regex: '^@opentelemetry/(?:sdk|exporter)-',
      message: `OpenTelemetry SDKs/exporters do I/O; ${WHY}. Use @temporalio/interceptors-opentelemetry/lib/workflow.`,
    },
    {
      regex: '^@temporalio/interceptors-opentelemetry/lib/(?!workflow(?:[/.]|$))',
      message: `Only @temporalio/interceptors-opentelemetry/lib/workflow may be imported from workflows; ${WHY}.`,
    },
    {
      // ../activities, ../activities/demo/source, ../../activities/index.js, ...
      regex: '^\\.{1,2}/(?:.*/)?activities(?:[/.]|$)',
      allowTypeImports: true,
      message:
        `Activity implementations do I/O; ${WHY}. ` +
        `Use a type-only import (import type * as activities from '../activities').`,
    },
    {
      regex: '^\\.{1,2}/(?:.*/)?(?:worker|client|sim)(?:[/.]|$)',
      message: `worker/, client/ and sim/ run outside the workflow sandbox; ${WHY}.`,
    },
  ],
};

/** Node globals for the few plain-JS files (config, bin/). TS files rely on the type checker. */
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
    'queueMicrotask', 'structuredClone', 'fetch', 'TextEncoder', 'TextDecoder', 'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig([
  globalIgnores(['**/node_modules/', '.port-sync/', 'coverage/', 'dist/', 'tests/fixtures/**']),

  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // @typescript-eslint/no-floating-promises is deliberately absent: it needs type-aware
      // linting (a full TS program per run), which makes `eslint .` several times slower.
    },
  },

  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },

  {
    files: ['workflows/**/*.{ts,mts,cts,js,mjs}'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', workflowImportRestrictions],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: `Dynamic import() is not allowed in workflows; ${WHY}.`,
        },
        {
          selector: "CallExpression[callee.name='require']",
          message: `require() is not allowed in workflows; ${WHY}.`,
        },
      ],
    },
  },
]);
