// Our JQ engine against the real thing: every expression below runs through Debian's jq 1.6 binary (the
// oracle) and through activities/mapping/jq on the same realistic input, and the outputs must be equal.
// Runtime errors must be errors on both sides (with jq's message, unless a case says otherwise) and compile
// errors must be compile errors. CI installs jq (.ci/run); without it this test fails, it never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { JqCompileError, JqRuntimeError, compileJq } from '../../activities/mapping/jq';

const JQ = process.env.JQ_BINARY ?? 'jq';

// --- realistic inputs ----------------------------------------------------------------------------------

const repo = {
  id: 1296269, node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5', name: 'Hello-World', full_name: 'octocat/Hello-World',
  owner: { login: 'octocat', id: 1, type: 'User', site_admin: false },
  private: false, html_url: 'https://github.com/octocat/Hello-World', description: 'This your first repo!',
  fork: false, url: 'https://api.github.com/repos/octocat/Hello-World', homepage: null,
  language: 'TypeScript', forks_count: 9, stargazers_count: 80, watchers_count: 80, size: 108,
  default_branch: 'main', open_issues_count: 0, is_template: false,
  topics: ['octocat', 'atom', 'electron', 'api', 'team-payments'], has_issues: true, has_wiki: false,
  archived: false, disabled: false, visibility: 'public',
  pushed_at: '2011-01-26T19:06:43Z', created_at: '2011-01-26T19:01:12Z', updated_at: '2011-01-26T19:14:43Z',
  permissions: { admin: false, push: false, pull: true },
  license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT' },
  custom_properties: { tier: '1', owner_team: 'payments', 'cost-center': null },
};

const app = {
  id: 'checkout', name: 'Checkout', created_at: '2024-03-01T09:30:00Z', created_by: 'u-123',
  envs: [
    { id: 'development', name: 'Development', type: 'development' },
    { id: 'staging', name: 'Staging', type: 'staging' },
    { id: 'production', name: 'Production', type: 'production' },
  ],
};

const env = {
  id: 'production', name: 'Production', type: 'production', created_at: '2024-03-01T09:31:00Z',
  from_deploy: null,
  last_deploy: {
    id: '17a0c6fb8b6f0a4b', status: 'succeeded', comment: 'Release 1.4.2', created_by: 'u-456',
    created_at: '2024-05-02T14:00:00Z', status_changed_at: '2024-05-02T14:03:12Z', set_id: 'c2Fsc2E', env_id: 'production',
  },
  workloads: { 'checkout-api': { image: 'registry.acme.io/checkout-api:1.4.2', replicas: 3 }, 'checkout-worker': { image: 'registry.acme.io/checkout-worker:1.4.2', replicas: 1 } },
};

const issue = {
  id: '10001', key: 'PAY-123', self: 'https://acme.atlassian.net/rest/api/3/issue/10001',
  fields: {
    summary: 'Checkout fails for EUR cards', created: '2024-01-02T10:00:00.000+0000', duedate: null,
    status: { name: 'In Progress', statusCategory: { key: 'indeterminate', name: 'In Progress' } },
    issuetype: { name: 'Bug', subtask: false }, priority: { name: 'High' },
    project: { key: 'PAY', name: 'Payments' },
    assignee: { accountId: '5b10a2844c20165700ede21g', displayName: 'Mia Krystof', emailAddress: 'mia@acme.io' },
    reporter: null, labels: ['backend', 'eur', 'Incident-2024-17'],
    components: [{ name: 'checkout' }, { name: 'payments-api' }],
    subtasks: [{ key: 'PAY-124', fields: { status: { name: 'Done' } } }, { key: 'PAY-125', fields: { status: { name: 'To Do' } } }],
    customfield_10020: null, story_points: 5, parent: null,
  },
};

const INPUTS = { repo, app, env, issue, null: null, text: 'Hello, World 😀 é', numbers: [3, 1.5, -2, 100000000000000000000, 0.1, 1e-7] } as const;
type InputName = keyof typeof INPUTS;

interface Case {
  input: InputName;
  expr: string;
  /** Our error message may differ from jq's (e.g. JSON parser details); both must still fail. */
  messageDiffers?: true;
}

const c = (input: InputName, expr: string, opts: Partial<Case> = {}): Case => ({ input, expr, ...opts });

const CASES: Case[] = [
  // paths, null handling, optional
  c('repo', '.name'),
  c('repo', '.owner.login'),
  c('repo', '.license.spdx_id'),
  c('repo', '.homepage.url'),
  c('repo', '.missing.deeply.nested'),
  c('repo', '.custom_properties["cost-center"]'),
  c('repo', '.custom_properties."owner_team"'),
  c('repo', '.topics[0], .topics[-1], .topics[10]'),
  c('repo', '.topics[1:3]'),
  c('repo', '.topics[:2], .topics[-2:]'),
  c('repo', '.name[0:5]'),
  c('repo', '.name.first'),
  c('repo', '.name.first?'),
  c('repo', '.topics.name'),
  c('repo', '[.topics[]?], [.name[]?]'),
  c('repo', '.owner | .login, .type'),
  c('repo', '.["full_name"]'),
  c('repo', '.toString, .constructor, .__proto__'),
  c('null', '.a.b, .[0], .[1:2]'),
  c('null', '.[]'),
  c('repo', '..|numbers'),
  c('app', '[.. | strings] | length'),
  // alternatives and booleans
  c('repo', '.homepage // .html_url'),
  c('repo', '.archived // "not archived"'),
  c('repo', '.fork // false'),
  c('issue', '.fields.assignee.displayName // "unassigned", .fields.reporter.displayName // "nobody"'),
  c('issue', '[.fields.labels[] // "none"]'),
  c('null', '(null, false) // (3, 4)'),
  c('null', '(1, null, 2) // 3'),
  c('repo', '.private and .fork, .private or .has_issues, (.archived | not)'),
  c('repo', '.stargazers_count > 50 and .language == "TypeScript"'),
  // select, map, array functions
  c('repo', '.topics | map(select(startswith("team-")) | ltrimstr("team-"))'),
  c('repo', '[.topics[] | select(length > 3)]'),
  c('app', '.envs | map(.id)'),
  c('app', '[.envs[] | select(.type == "production") | .id] | first'),
  c('app', '.envs | first, last'),
  c('app', 'first(.envs[] | select(.type != "development")) | .name'),
  c('app', '.envs | map(.type) | unique'),
  c('app', '.envs | sort_by(.name) | map(.id)'),
  c('app', '.envs | sort_by(.type, .id) | reverse | map(.id)'),
  c('app', '.envs | group_by(.type == "production") | map(length)'),
  c('app', '.envs | min_by(.name), max_by(.name) | .id'),
  c('app', '.envs | any(.type == "production"), all(.type == "production")'),
  c('app', '[.envs[].id] | index("staging"), contains(["staging"]), inside(["a"])'),
  c('app', '.envs | length, (map(.id) | join(","))'),
  c('issue', '.fields.subtasks | map(.key)'),
  c('issue', '.fields.subtasks | map(select(.fields.status.name != "Done") | .key)'),
  c('issue', '[.fields.components[].name] | sort | join(" / ")'),
  c('numbers', 'sort, add, min, max, (map(tostring))'),
  c('numbers', 'map(floor), map(. * 2), (.[0] / .[1]), (.[0] % 2)'),
  c('numbers', '[.[] | tojson]'),
  c('numbers', 'flatten, ([[1, [2]], 3] | flatten), ([[1, [2]], 3] | flatten(1))'),
  c('null', '[range(5)], [range(2; 4)], [range(0; 10; 3)], [limit(2; range(10))]'),
  c('null', '[1, 2, 2, 3] | unique, (. - [2]), index(2), rindex(2), indices(2)'),
  c('null', '[[1, 2], [3, 4]] | transpose, add'),
  // strings
  c('repo', '.name | ascii_downcase, ascii_upcase, length, utf8bytelength'),
  c('repo', '.full_name | split("/") | .[0]'),
  c('repo', '.full_name | split("/") | join("-")'),
  c('repo', '.html_url | ltrimstr("https://") | rtrimstr("/Hello-World")'),
  c('repo', '.name | startswith("Hello"), endswith("World"), contains("lo-W")'),
  c('repo', '.name | test("hello"), test("hello"; "i"), test("^H.*d$")'),
  c('repo', '.description | sub("first"; "second"), gsub("[aeiou]"; "_")'),
  c('repo', '.full_name | sub("(?<org>[^/]+)/(?<repo>.+)"; "\\(.repo)@\\(.org)")'),
  c('repo', '.full_name | capture("(?<org>[^/]+)/(?<repo>.+)")'),
  c('repo', '[.html_url | match("[a-z]+"; "g") | .string]'),
  c('repo', '.html_url | [scan("[A-Z][a-z]+")]'),
  c('repo', '.html_url | split("/"; null), [splits("/+")]'),
  c('issue', '(.self | split("/") | .[:3] | join("/")) + "/browse/" + .key'),
  c('issue', '.fields.labels | map(ascii_downcase | gsub("-"; "_"))'),
  c('issue', '.fields.created | split(".")[0] + "Z" | fromdateiso8601'),
  c('issue', '.key | split("-") | .[1] | tonumber'),
  c('issue', '.fields.story_points | tostring, tojson, (tostring | tonumber)'),
  c('text', 'length, utf8bytelength, .[7:], explode[-3:], (explode | implode), ascii_downcase'),
  c('text', 'test("😀 .$"), (match("é").offset), [splits(", ")], split("")[-3:]'),
  c('text', '@base64, (@base64 | @base64d), @uri, @html, @sh, @json, @text'),
  c('null', '["a,b", 1, null, true] | @csv, @tsv'),
  c('null', '"a\\nb" | test("^b"), test("^b"; "s"), test("a.b"), test("a.b"; "p")'),
  c('null', '"2015-03-05T23:51:47Z" | fromdate, (fromdate | todate)'),
  // interpolation and formats
  c('repo', '"https://github.com/\\(.full_name)/blob/\\(.default_branch)/README.md"'),
  c('repo', '"\\(.name) has \\(.stargazers_count) stars and \\(.topics | length) topics"'),
  c('repo', '"\\(.homepage)-\\(.private)-\\(.permissions)"'),
  c('repo', '@uri "https://example.com/search?q=\\(.description)"'),
  c('null', '"\\(1, 2)-\\(3, 4)"'),
  // objects and entries
  c('repo', '{name, url: .html_url, lang: (.language // "none"), "stars": .stargazers_count}'),
  c('repo', '{(.name): .id, "x-\\(.owner.login)": true}'),
  c('repo', '.permissions | keys, keys_unsorted, to_entries, has("push"), has("deploy")'),
  c('repo', '.permissions | with_entries(select(.value)) | keys'),
  c('repo', '.custom_properties | to_entries | map(select(.value != null)) | from_entries'),
  c('env', '.workloads | to_entries | map({name: .key, image: .value.image, replicas: .value.replicas})'),
  c('env', '.workloads | keys | map(ltrimstr("checkout-"))'),
  c('env', '.workloads | map_values(.replicas), [.[] | .replicas] | add'),
  c('env', '.last_deploy | {status, at: .created_at, by: .created_by} + {env: "prod"}'),
  c('env', '. * {last_deploy: {status: "failed"}} | .last_deploy | .status, .comment'),
  c('null', '{a: (1, 2), b: (3, 4)}'),
  c('null', '[{"name": "a", "value": 1}, {"key": "c"}, {"key": false, "Name": "d", "value": false}] | from_entries'),
  c('null', '[{"k": "b", "v": 2}] | from_entries'),
  c('repo', '.license | del(.key), (.name |= ascii_upcase), (.url = "x"), (.stars += 1)'),
  c('repo', '[paths(type == "boolean")] | length, ([leaf_paths] | length)'),
  c('repo', 'path(.owner.login), getpath(["license", "key"]), ([paths] | length)'),
  c('repo', 'to_entries | map(select(.value | type == "string")) | length'),
  // updates and deletions through paths
  c('repo', 'del(.topics[] | select(startswith("team-"))) | .topics'),
  c('repo', '.permissions |= with_entries(.value |= not) | .permissions'),
  c('repo', '.custom_properties | del(.[] | select(. == null)) | keys'),
  c('repo', '.owner.login |= ascii_upcase | .owner'),
  c('repo', '.topics[1:] = ["x"] | .topics'),
  c('repo', '.homepage //= .html_url | .homepage'),
  c('repo', '.topics[0] -= "x"'),
  c('repo', 'setpath(["a", "b"]; 1) | .a, (delpaths([["owner"], ["license"]]) | has("owner"))'),
  c('repo', '.license | [paths(..)], [recurse(.[]?; . != null)] | length'),
  c('env', '.workloads | to_entries | sort_by(.key) | map("\\(.key)=\\(.value.replicas)") | join("&")'),
  // conditionals
  c('repo', 'if .archived then "archived" elif .private then "private" else "public" end'),
  c('env', 'if .last_deploy.status == "succeeded" then "healthy" else "unhealthy" end'),
  c('issue', 'if .fields.assignee then .fields.assignee.emailAddress else null end'),
  c('issue', '.fields.priority.name as $p | if ($p | IN("High", "Highest")) then "urgent" else "normal" end'),
  // variables, reduce, functions, try
  c('app', '.name as $n | .envs | map($n + "/" + .id)'),
  c('app', '. as {name: $n, envs: [$first]} | "\\($n):\\($first.id)"'),
  c('app', 'reduce .envs[] as $e ({}; .[$e.id] = $e.type)'),
  c('app', '[foreach .envs[] as $e (0; . + 1; "\\(.)-\\($e.id)")]'),
  c('app', 'def slug: ascii_downcase | gsub(" "; "-"); .envs | map(.name | slug)'),
  c('app', 'def f($a; g): $a + g; f(.id; "-x")'),
  c('null', 'def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; 10 | fac'),
  c('repo', 'try (.name | tonumber) catch "not a number"'),
  c('repo', '(.name | tonumber)?, "after"'),
  c('repo', '[.topics[] | tonumber?]'),
  c('repo', 'try error("custom: \\(.name)") catch .'),
  c('repo', 'try error({code: 1}) catch .code'),
  c('repo', 'tojson | fromjson | .owner.id'),
  c('repo', '.permissions | tojson'),
  c('null', 'isempty(empty), ([limit(3; repeat(1))] | length), ([.[]?] | length)'),
  c('null', '[1, [2, 3]] | walk(if type == "number" then . * 10 else . end)'),
  c('null', '{"b": 2, "a": {"d": 1, "c": 0}} | [paths], [..]'),
  c('null', '[3, 1, 2] | sort_by(-.), (map(-.) | sort)'),
  c('null', 'now | type, (1425599621 | todate)'),
  c('null', '[.[]?] | add, (["x"] | join(1)), ([] | join(","))'),
  c('null', 'error(null), 1'),
  c('null', '[limit(0; 1, 2)], [limit(-1; 1, 2)]'),
  c('null', '[1, 2] | .[] |= empty'),
  c('null', 'reduce (1, 2) as $x (0; empty), reduce (1, 2) as $x (0; ., 10)'),
  c('null', '[1e1000, -1e1000, 0.00001, 1.25e-5, 1e17, 1.5e16, 123456789012345678, -0] | tojson, .'),
  // runtime errors: same failure, same message
  c('repo', '.name + 1'),
  c('repo', '.topics | .["name"]'),
  c('repo', '.owner[0]'),
  c('repo', '.id | .[]'),
  c('repo', '.name | keys'),
  c('repo', '.id | startswith("1")'),
  c('repo', '.topics | join(",") | ascii_downcase | has("a")'),
  c('repo', '.topics - "a"'),
  c('repo', '{} | sort'),
  c('repo', '.license | error'),
  c('repo', 'error("boom")'),
  c('repo', '.name | tonumber', { messageDiffers: true }),
  c('repo', '"[1]" | tonumber'),
  c('repo', '.permissions | @csv'),
  c('repo', '{(.id): 1}'),
  c('repo', '[[1]] | join(",")'),
  c('repo', '.owner | -.'),
  c('repo', '.description | fromjson', { messageDiffers: true }),
  c('repo', '.created_at + "x" | fromdate'),
  c('null', 'ascii_downcase'),
  c('null', '[{"key": null}] | from_entries'),
  c('null', '"a" | @base32'),
  // compile errors
  c('repo', '.name +'),
  c('repo', '.name | nosuchfunction'),
  c('repo', '$nosuchvar'),
  c('repo', '{a: 1 + 2}'),
  c('repo', 'if .a then 1'),
  c('repo', '"unterminated'),
  c('repo', '.[1'),
  c('repo', 'map(.a; .b)'),
];

// --- the oracle ---------------------------------------------------------------------------------------

type Outcome = { ok: true; outputs: unknown[] } | { ok: false; kind: 'runtime' | 'compile'; message: string };

function jqVersion(): string {
  const r = spawnSync(JQ, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    assert.fail(`the jq binary (the conformance oracle) was not found: ${r.error.message}. Install Debian's jq 1.6 with \`apt-get install jq\` (CI does this in .ci/run).`);
  }
  return r.stdout.trim();
}

function oracle(expr: string, input: unknown): Outcome {
  const r = spawnSync(JQ, ['-c', expr], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status === 0) return { ok: true, outputs: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  if (r.status === 5) {
    // `jq: error (at <stdin>:0): msg`, or for a non-string error value `jq: error (at <stdin>:0) (not a string): value`
    const message = r.stderr.trim().replace(/^jq: error \(at <stdin>:\d+\)(?: \(not a string\))?: (.*)$/s, (all, m: string) => (all.includes('(not a string):') ? `${m} (not a string)` : m));
    return { ok: false, kind: 'runtime', message };
  }
  if (r.status === 3) return { ok: false, kind: 'compile', message: r.stderr.trim() };
  return assert.fail(`jq exited ${r.status}: ${r.stderr}`);
}

function ours(expr: string, input: unknown): Outcome {
  let program;
  try {
    program = compileJq(expr);
  } catch (e) {
    if (e instanceof JqCompileError) return { ok: false, kind: 'compile', message: e.message };
    throw e;
  }
  try {
    return { ok: true, outputs: program.run(JSON.parse(JSON.stringify(input))) };
  } catch (e) {
    if (e instanceof JqRuntimeError) return { ok: false, kind: 'runtime', message: e.message };
    throw e;
  }
}

/** jq prints numbers past double range as 1.7976931348623157e+308; JSON.stringify prints Infinity as null. */
const normalise = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x === Infinity ? Number.MAX_VALUE : x === -Infinity ? -Number.MAX_VALUE : x)));

test('the oracle is jq 1.6', () => {
  assert.equal(jqVersion(), 'jq-1.6', 'the conformance table is written against jq 1.6 (Debian bookworm\'s `apt-get install jq`)');
});

test(`the table has at least 60 expressions (${CASES.length})`, () => {
  assert.ok(CASES.length >= 60);
  assert.equal(new Set(CASES.map((x) => `${x.input}:${x.expr}`)).size, CASES.length, 'no duplicates');
});

for (const k of CASES) {
  test(`jq 1.6 and ours agree: ${k.expr}  (on ${k.input})`, () => {
    jqVersion();
    const input = INPUTS[k.input];
    const expected = oracle(k.expr, input);
    const actual = ours(k.expr, input);
    if (expected.ok) {
      assert.ok(actual.ok, `jq succeeded with ${JSON.stringify(expected.outputs)}, ours failed: ${!actual.ok && actual.message}`);
      assert.deepStrictEqual(normalise(actual.outputs), normalise(expected.outputs));
      return;
    }
    assert.ok(!actual.ok, `jq failed (${expected.message}), ours gave ${actual.ok && JSON.stringify(actual.outputs)}`);
    assert.equal(actual.kind, expected.kind, `jq: ${expected.message}; ours: ${actual.message}`);
    if (expected.kind === 'runtime' && !k.messageDiffers) assert.equal(actual.message, expected.message);
  });
}

// jq 1.7 additions Port users write (Ocean runs jq 1.7). jq 1.6 rejects them; we accept them, as documented
// in docs/mapping.md.
const EXTENSIONS: [expr: string, input: unknown, outputs: unknown[]][] = [
  ['if .a then "yes" end', { a: false }, [{ a: false }]],
  ['if .a then "yes" end', { a: true }, ['yes']],
  ['pick(.a, .b.c)', { a: 1, b: { c: 2, d: 3 }, e: 4 }, [{ a: 1, b: { c: 2 } }]],
  ['map(abs)', [-1, 2], [[1, 2]]],
  ['map(toarray)', [1, [2]], [[[1], [2]]]],
  ['map(trim, ltrim, rtrim)', ['  x  '], [['x', 'x  ', '  x']]],
  ['.a.[0]', { a: [7] }, [7]],
];

for (const [expr, input, outputs] of EXTENSIONS) {
  test(`jq 1.7 extension: ${expr}`, () => {
    jqVersion();
    assert.deepStrictEqual(compileJq(expr).run(input), outputs);
    assert.equal(oracle(expr, input).ok, false, 'jq 1.6 rejects it (otherwise it belongs in the conformance table)');
  });
}
