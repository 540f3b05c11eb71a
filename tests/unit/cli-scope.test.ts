import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScope } from '../../client/cli';

test('--scope reads key=value pairs', () => {
  assert.deepEqual(parseScope('app=shop'), { app: 'shop' });
  assert.deepEqual(parseScope('app=shop, env=dev'), { app: 'shop', env: 'dev' });
  assert.deepEqual(parseScope('prefix=a=b'), { prefix: 'a=b' });
});

test('--scope without a value is a usage error naming the format', () => {
  for (const bad of ['app', 'app=', '=shop', ',']) {
    assert.throws(() => parseScope(bad), /key=value pairs|at least one/, bad);
  }
});
