// The pure halves of the incident.io target: which catalog attributes a mapping writes (resolveAttributes,
// schemaWithAdded, attributeProblem) and the one comparable form of an entity and an entry (literalOf,
// canonicalValue, toCanonical, fromEntry, toValues, ExternalIds). The end-to-end property the target
// rests on: an entity, normalised, is the same as the entry incident.io stores for what we sent, read
// back, so planWrites never writes an unchanged entity; and a real change is exactly one update.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planWrites } from '../../activities/engine/diff';
import type { Entity } from '../../activities/engine/entity';
import { ALIASES_KEY, RANK_KEY, attributeProblem, resolveAttributes, schemaWithAdded } from '../../activities/incidentio/attributes';
import { ExternalIds, canonicalValue, fromEntry, literalOf, toCanonical, toValues } from '../../activities/incidentio/entries';
import { catalogEntrySchema, type CatalogAttribute, type CatalogEntry, type ValueBinding } from '../../activities/incidentio/schemas';

const attr = (id: string, name: string, extra: Partial<CatalogAttribute> = {}): CatalogAttribute => ({ id, name, type: 'String', array: false, mode: '', ...extra });

/** A type's schema as incident.io returns it: primitives, arrays, references, and two derived attributes. */
const ATTRIBUTES: CatalogAttribute[] = [
  attr('01TIER', 'tier'),
  attr('01PORT', 'port', { type: 'Number' }),
  attr('01ONCALL', 'oncall', { type: 'Bool', mode: 'api' }),
  attr('01TAGS', 'tags', { array: true }),
  attr('01LANGS', 'languages', { array: true, mode: 'dashboard' }),
  attr('01META', 'meta', { type: 'Text' }),
  attr('01NOTES', 'notes'),
  attr('01OWNER', 'owner', { type: 'Custom["Team"]' }),
  attr('01DEPS', 'dependencies', { type: 'Custom["Service"]', array: true }),
  attr('01USEDBY', 'used_by', { type: 'Custom["Service"]', array: true, mode: 'backlink', backlink_attribute: '01DEPS' }),
  attr('01OWNERSLACK', 'owner_slack', { mode: 'path', path: [{ attribute_id: '01OWNER', attribute_name: 'owner' }, { attribute_id: '01SLACK', attribute_name: 'slack' }] }),
];
const BY_ID = new Map(ATTRIBUTES.map((a) => [a.id, a]));
const PRIMITIVES = new Set(['String', 'Text', 'Number', 'Bool']);

/** Property keys the mapping declares: names, and one attribute by id (`01META`, i.e. `meta`). */
const PROPERTY_KEYS = ['tier', 'port', 'oncall', 'tags', 'languages', '01META', 'notes'];
const RELATION_KEYS = ['owner', 'dependencies'];
const RESOLVED = resolveAttributes([...PROPERTY_KEYS, ...RELATION_KEYS, ALIASES_KEY, RANK_KEY], ATTRIBUTES);
const BY_KEY = RESOLVED.byKey;

const BLUEPRINT = 'service';
const IDS = new ExternalIds('port:', [BLUEPRINT]);

/**
 * An entity as the mapping produces it: every declared key present (null when absent); `$aliases` and
 * `$rank` only when passed (a mapping that does not set them has no such key).
 */
function mapped(identifier: string, title: string, properties: Record<string, unknown> = {}, relations: Entity['relations'] = {}): Entity {
  return {
    identifier,
    blueprint: BLUEPRINT,
    title,
    properties: { ...Object.fromEntries(PROPERTY_KEYS.map((k) => [k, null])), ...properties },
    relations: { ...Object.fromEntries(RELATION_KEYS.map((k) => [k, null])), ...relations },
  };
}

/** The label incident.io presents: the referenced entry's name for references, the literal for primitives. */
function label(literal: string, attribute: CatalogAttribute): string {
  return PRIMITIVES.has(attribute.type) ? literal : `Name of ${literal}`;
}

/** Request bindings (what toValues sends) as incident.io echoes them: with labels. */
function echoed(values: ReturnType<typeof toValues>): Record<string, ValueBinding> {
  return Object.fromEntries(
    Object.entries(values).map(([id, binding]) => {
      const attribute = BY_ID.get(id)!;
      return [
        id,
        'array_value' in binding
          ? { array_value: binding.array_value.map(({ literal }) => ({ literal, label: label(literal, attribute) })) }
          : { value: { literal: binding.value.literal, label: label(binding.value.literal, attribute) } },
      ];
    }),
  );
}

/**
 * The entry incident.io holds after we created `entity`: the target sends toValues of the normalised
 * properties, the name, and aliases/rank only when mapped (otherwise incident.io's defaults, [] and 0).
 * `store` lets a test model how the API keeps what it was sent (e.g. de-duplicated aliases).
 */
function storedEntry(entity: Entity, store: { aliases?: (sent: string[]) => string[] } = {}): CatalogEntry {
  const canonical = toCanonical(entity, BY_KEY);
  const p = canonical.properties;
  const sentAliases = ALIASES_KEY in p ? ((p[ALIASES_KEY] as string[] | null) ?? []) : [];
  const entry = {
    id: `01ENTRY${entity.identifier.toUpperCase()}`,
    catalog_type_id: '01TYPE',
    name: canonical.title!,
    external_id: IDS.of(entity.blueprint, entity.identifier),
    aliases: store.aliases ? store.aliases(sentAliases) : sentAliases,
    rank: RANK_KEY in p ? ((p[RANK_KEY] as number | null) ?? 0) : 0,
    attribute_values: echoed(toValues(p, BY_ID)),
    archived_at: null,
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:00Z',
  };
  // It must be a response the client accepts.
  return catalogEntrySchema.parse(entry);
}

/** What the target's getMany returns for those entries: keyed by identifier, parsed from the external id. */
function getMany(entries: CatalogEntry[]): Map<string, Entity> {
  const found = new Map<string, Entity>();
  for (const entry of entries) {
    const ours = IDS.parse(entry.external_id);
    assert.ok(ours, `external id ${entry.external_id} is ours`);
    found.set(ours.identifier, fromEntry(entry, ours.blueprint, ours.identifier));
  }
  return found;
}

const normalize = (entities: Entity[]) => entities.map((e) => toCanonical(e, BY_KEY));

/** A variety of mapped entities: numbers, booleans, empty strings, nulls, lists, objects, aliases, rank. */
const VARIETY: Entity[] = [
  mapped('numbers', 'Numbers', { port: 8080, tier: 1.5, notes: 0, meta: null, '01META': -2.25e-7 }),
  mapped('booleans', 'Booleans', { oncall: false, tier: true, tags: [true, false, 0] }),
  mapped('empties', 'Empties', { tier: '', notes: '', tags: ['', 'a', ''], languages: [] }),
  mapped('nulls', 'Nulls', {}, {}),
  mapped('arrays', 'Arrays', { tags: ['a', 'b', 'a'], languages: ['go', 1, null, 'rust'] }),
  mapped('scalar-into-array', 'Scalar into array', { tags: 'solo', languages: 42 }),
  mapped('array-into-single', 'Array into single', { notes: ['x', 'y', 3, false], tier: [] }),
  mapped('array-of-empties-into-single', 'Array of empties', { notes: ['', null], tier: [null] }),
  mapped('objects', 'Objects', { '01META': { b: [1, 2], a: { c: null } }, tags: [{ k: 'v' }, [1, 2]], notes: [{ x: 1 }] }),
  mapped('strings', 'Strings ünïcödé', { tier: ' spaced ', notes: 'a, b', tags: ['with, comma'], '01META': 'multi\nline' }),
  mapped('relations', 'Relations', {}, { owner: 'team-a', dependencies: ['svc-b', 'svc-c'] }),
  mapped('empty-relations', 'Empty relations', {}, { owner: null, dependencies: [] }),
  mapped('aliases', 'Aliases', { [ALIASES_KEY]: ['svc-a', 'A', '', 7] }),
  mapped('aliases-null', 'Aliases null', { [ALIASES_KEY]: null }),
  mapped('aliases-scalar', 'Aliases scalar', { [ALIASES_KEY]: 'only' }),
  mapped('aliases-empty', 'Aliases empty', { [ALIASES_KEY]: [] }),
  mapped('rank-null', 'Rank null', { [RANK_KEY]: null }),
  mapped('rank-number', 'Rank number', { [RANK_KEY]: 3 }),
  mapped('rank-zero', 'Rank zero', { [RANK_KEY]: 0 }),
  mapped('rank-string', 'Rank string', { [RANK_KEY]: '4' }),
  mapped('everything', 'Everything', { tier: 'gold', port: 443, oncall: true, tags: ['x'], languages: 'ts', '01META': { k: 1 }, notes: ['n1', 'n2'], [ALIASES_KEY]: ['e1', 'e2'], [RANK_KEY]: 9 }, { owner: 'team-z', dependencies: 'svc-q' }),
];

describe('resolveAttributes', () => {
  test('keys resolve by name and by id', () => {
    const r = resolveAttributes(['tier', '01PORT'], ATTRIBUTES);
    assert.deepEqual([...r.byKey.keys()], ['tier', '01PORT']);
    assert.equal(r.byKey.get('tier')!.id, '01TIER');
    assert.equal(r.byKey.get('01PORT')!.name, 'port');
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.derived, []);
  });

  test('a name is preferred when it equals another attribute\'s id', () => {
    const attributes = [attr('alpha', 'first'), attr('beta', 'alpha')];
    assert.equal(resolveAttributes(['alpha'], attributes).byKey.get('alpha')!.id, 'beta');
    assert.equal(resolveAttributes(['beta'], attributes).byKey.get('beta')!.id, 'beta');
    assert.equal(resolveAttributes(['first'], attributes).byKey.get('first')!.id, 'alpha');
  });

  test('keys the type has no attribute for are listed as missing, once each, in order', () => {
    const r = resolveAttributes(['nope', 'tier', 'also-nope', 'nope', 'TIER'], ATTRIBUTES);
    assert.deepEqual(r.missing, ['nope', 'also-nope', 'TIER']);
    assert.deepEqual([...r.byKey.keys()], ['tier']);
  });

  test('derived attributes (backlink, path) are listed as derived, by name or id, and not resolved', () => {
    const r = resolveAttributes(['used_by', '01OWNERSLACK', 'owner'], ATTRIBUTES);
    assert.deepEqual(r.derived, ['used_by', '01OWNERSLACK']);
    assert.deepEqual([...r.byKey.keys()], ['owner']);
    assert.deepEqual(r.missing, []);
  });

  test('other modes (api, dashboard, external, empty) are writable', () => {
    const attributes = ['', 'api', 'dashboard', 'external', 'internal', 'dynamic'].map((mode, i) => attr(`id${i}`, `n${i}`, { mode }));
    const { mode: _omitted, ...noMode } = attr('id9', 'n9');
    void _omitted;
    const r = resolveAttributes([...attributes.map((a) => a.name), 'n9'], [...attributes, noMode]);
    assert.equal(r.byKey.size, 7);
    assert.deepEqual(r.derived, []);
  });

  test('$aliases and $rank are entry fields, not attributes: neither resolved nor missing', () => {
    const r = resolveAttributes([ALIASES_KEY, RANK_KEY, 'tier'], ATTRIBUTES);
    assert.deepEqual([...r.byKey.keys()], ['tier']);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.derived, []);
    assert.equal(ALIASES_KEY, '$aliases');
    assert.equal(RANK_KEY, '$rank');
  });

  test('the shared mapping of this file resolves every key, the id key included', () => {
    assert.deepEqual(RESOLVED.missing, []);
    assert.deepEqual(RESOLVED.derived, []);
    assert.equal(BY_KEY.get('01META')!.name, 'meta');
    assert.equal(BY_KEY.size, PROPERTY_KEYS.length + RELATION_KEYS.length);
  });
});

describe('schemaWithAdded', () => {
  test('every existing attribute is kept exactly (id, name, type, array, mode, backlink_attribute, path), then String ones for the missing', () => {
    const before = structuredClone(ATTRIBUTES);
    const schema = schemaWithAdded(ATTRIBUTES, ['owner_email', 'cost centre']);
    assert.deepEqual(ATTRIBUTES, before, 'the input is not changed');
    assert.equal(schema.length, ATTRIBUTES.length + 2);
    ATTRIBUTES.forEach((a, i) => {
      const kept = schema[i]!;
      assert.equal(kept.id, a.id);
      assert.equal(kept.name, a.name);
      assert.equal(kept.type, a.type);
      assert.equal(kept.array, a.array);
      assert.equal(kept.mode ?? '', a.mode ?? '', `${a.name}: mode`);
      assert.equal(kept.backlink_attribute, a.backlink_attribute, `${a.name}: backlink_attribute`);
      assert.deepEqual(kept.path, a.path, `${a.name}: path`);
    });
    assert.deepEqual(schema.slice(ATTRIBUTES.length), [
      { name: 'owner_email', type: 'String', array: false },
      { name: 'cost centre', type: 'String', array: false },
    ]);
  });

  test('derived attributes keep their mode and what they derive from', () => {
    const schema = schemaWithAdded(ATTRIBUTES, []);
    assert.deepEqual(schema.find((a) => a.id === '01USEDBY'), {
      id: '01USEDBY', name: 'used_by', type: 'Custom["Service"]', array: true, mode: 'backlink', backlink_attribute: '01DEPS',
    });
    assert.deepEqual(schema.find((a) => a.id === '01OWNERSLACK'), {
      id: '01OWNERSLACK', name: 'owner_slack', type: 'String', array: false, mode: 'path',
      path: [{ attribute_id: '01OWNER', attribute_name: 'owner' }, { attribute_id: '01SLACK', attribute_name: 'slack' }],
    });
  });

  test('nothing missing: the schema is the existing one; an empty type takes only the new ones', () => {
    assert.equal(schemaWithAdded(ATTRIBUTES, []).length, ATTRIBUTES.length);
    assert.deepEqual(schemaWithAdded([], ['a']), [{ name: 'a', type: 'String', array: false }]);
  });

  test('with resolveAttributes: after adding the missing ones, every key resolves', () => {
    const keys = ['tier', 'region', 'slo'];
    const { missing } = resolveAttributes(keys, ATTRIBUTES);
    assert.deepEqual(missing, ['region', 'slo']);
    // incident.io gives the added attributes ids.
    const updated = schemaWithAdded(ATTRIBUTES, missing).map((a, i) => ({ ...a, id: a.id ?? `01NEW${i}`, mode: a.mode ?? '' }));
    const again = resolveAttributes(keys, updated);
    assert.deepEqual(again.missing, []);
    assert.equal(again.byKey.size, 3);
  });
});

describe('attributeProblem', () => {
  test('missing attributes: names the integration, the type and each attribute, and suggests addMissingAttributes', () => {
    const message = attributeProblem('pd-sync', 'Service', resolveAttributes(['tier', 'region', 'cost centre'], ATTRIBUTES), false);
    assert.ok(message);
    assert.match(message, /integration "pd-sync"/);
    assert.match(message, /catalog type "Service"/);
    assert.match(message, /"region", "cost centre"/);
    assert.match(message, /addMissingAttributes/);
    assert.doesNotMatch(message, /"tier"/);
  });

  test('one missing attribute reads "add it"', () => {
    const message = attributeProblem('i', 'T', resolveAttributes(['region'], ATTRIBUTES), false)!;
    assert.match(message, /"region"/);
    assert.match(message, /add it to the type/);
  });

  test('derived attributes are named, whether or not attributes may be added', () => {
    for (const canAdd of [false, true]) {
      const message = attributeProblem('i', 'Service', resolveAttributes(['used_by', 'owner_slack', 'tier'], ATTRIBUTES), canAdd);
      assert.ok(message, `canAdd=${canAdd}`);
      assert.match(message, /integration "i"/);
      assert.match(message, /catalog type "Service"/);
      assert.match(message, /"used_by", "owner_slack"/);
      assert.match(message, /derived/);
    }
  });

  test('with canAdd only derived ones are a problem: missing ones are not mentioned', () => {
    assert.equal(attributeProblem('i', 'T', resolveAttributes(['region', 'tier'], ATTRIBUTES), true), undefined);
    const message = attributeProblem('i', 'T', resolveAttributes(['region', 'used_by'], ATTRIBUTES), true)!;
    assert.match(message, /"used_by"/);
    assert.doesNotMatch(message, /region/);
    assert.doesNotMatch(message, /addMissingAttributes/);
  });

  test('both problems at once are both named', () => {
    const message = attributeProblem('i', 'T', resolveAttributes(['region', 'used_by'], ATTRIBUTES), false)!;
    assert.match(message, /"region"/);
    assert.match(message, /"used_by"/);
  });

  test('undefined when nothing is wrong', () => {
    assert.equal(attributeProblem('i', 'T', RESOLVED, false), undefined);
    assert.equal(attributeProblem('i', 'T', resolveAttributes([], ATTRIBUTES), false), undefined);
    assert.equal(attributeProblem('i', 'T', resolveAttributes([ALIASES_KEY, RANK_KEY], []), false), undefined);
  });
});

describe('literalOf and canonicalValue', () => {
  test('literalOf: empty is absent; numbers and booleans as JSON writes them; objects as JSON', () => {
    assert.equal(literalOf(''), undefined);
    assert.equal(literalOf(null), undefined);
    assert.equal(literalOf(undefined), undefined);
    assert.equal(literalOf(0), '0');
    assert.equal(literalOf(-0), '0');
    assert.equal(literalOf(false), 'false');
    assert.equal(literalOf(true), 'true');
    assert.equal(literalOf(1.5), '1.5');
    assert.equal(literalOf(1e21), '1e+21');
    assert.equal(literalOf(' '), ' ');
    assert.equal(literalOf('x'), 'x');
    assert.equal(literalOf({ a: 1, b: [true, null] }), '{"a":1,"b":[true,null]}');
    assert.equal(literalOf([1, 'a']), '[1,"a"]');
    assert.equal(literalOf({}), '{}');
  });

  test('single-valued: one literal, or null when empty', () => {
    assert.equal(canonicalValue('', false), null);
    assert.equal(canonicalValue(null, false), null);
    assert.equal(canonicalValue(undefined, false), null);
    assert.equal(canonicalValue(0, false), '0');
    assert.equal(canonicalValue(false, false), 'false');
    assert.equal(canonicalValue(1.5, false), '1.5');
    assert.equal(canonicalValue({ a: 1 }, false), '{"a":1}');
  });

  test('array attribute: a list of literals, a scalar as a one-element list, empty as null', () => {
    assert.deepEqual(canonicalValue([1, false, 'x', 1.5], true), ['1', 'false', 'x', '1.5']);
    assert.deepEqual(canonicalValue('solo', true), ['solo']);
    assert.deepEqual(canonicalValue(0, true), ['0']);
    assert.deepEqual(canonicalValue(false, true), ['false']);
    assert.deepEqual(canonicalValue({ a: 1 }, true), ['{"a":1}']);
    assert.deepEqual(canonicalValue([{ a: 1 }, [2]], true), ['{"a":1}', '[2]']);
    assert.deepEqual(canonicalValue(['', null, 'a', undefined], true), ['a']);
    assert.equal(canonicalValue([], true), null);
    assert.equal(canonicalValue(['', null], true), null);
    assert.equal(canonicalValue('', true), null);
    assert.equal(canonicalValue(null, true), null);
    assert.equal(canonicalValue(undefined, true), null);
  });

  test('a list into a single-valued attribute is joined with ", " (empties dropped); an empty one is null', () => {
    assert.equal(canonicalValue(['a', 'b'], false), 'a, b');
    assert.equal(canonicalValue(['a', '', null, 2, true], false), 'a, 2, true');
    assert.equal(canonicalValue([{ x: 1 }], false), '{"x":1}');
    assert.equal(canonicalValue([], false), null);
    assert.equal(canonicalValue(['', null], false), null);
  });
});

describe('toCanonical', () => {
  test('keys resolve to attribute ids, values are canonical, unknown keys are dropped, relations map onto attributes', () => {
    const entity: Entity = {
      identifier: 'svc',
      blueprint: BLUEPRINT,
      title: 'Service',
      icon: 'Go',
      team: 'platform',
      properties: { tier: 1, tags: 'x', '01META': { a: 1 }, notes: ['a', 'b'], port: null, unknown: 'dropped', used_by: ['nope'] },
      relations: { owner: 'team-a', dependencies: ['b', 'c'], 'not-an-attribute': 'x' },
    };
    const byKey = resolveAttributes([...Object.keys(entity.properties), ...Object.keys(entity.relations)], ATTRIBUTES).byKey;
    assert.deepEqual(toCanonical(entity, byKey), {
      identifier: 'svc',
      blueprint: BLUEPRINT,
      title: 'Service',
      properties: { '01TIER': '1', '01TAGS': ['x'], '01META': '{"a":1}', '01NOTES': 'a, b', '01PORT': null, '01OWNER': 'team-a', '01DEPS': ['b', 'c'] },
      relations: {},
    });
  });

  test('a missing or empty title is "" (the target reports it, it is never sent)', () => {
    const { title: _t, ...untitled } = mapped('x', 'X');
    void _t;
    assert.equal(toCanonical(untitled, BY_KEY).title, '');
    assert.equal(toCanonical(mapped('x', ''), BY_KEY).title, '');
    assert.equal(toCanonical(mapped('x', 'Named'), BY_KEY).title, 'Named');
  });

  test('$aliases: always a list ([] when null or empty); $rank: a number (0 when null), absent when not mapped', () => {
    const p = (properties: Record<string, unknown>) => toCanonical(mapped('x', 'X', properties), BY_KEY).properties;
    assert.deepEqual(p({ [ALIASES_KEY]: ['a', '', 2] })[ALIASES_KEY], ['a', '2']);
    assert.deepEqual(p({ [ALIASES_KEY]: 'a' })[ALIASES_KEY], ['a']);
    assert.deepEqual(p({ [ALIASES_KEY]: null })[ALIASES_KEY], []);
    assert.deepEqual(p({ [ALIASES_KEY]: [] })[ALIASES_KEY], []);
    assert.equal(p({ [RANK_KEY]: 3 })[RANK_KEY], 3);
    assert.equal(p({ [RANK_KEY]: '4' })[RANK_KEY], 4);
    assert.equal(p({ [RANK_KEY]: null })[RANK_KEY], 0);
    assert.equal(p({ [RANK_KEY]: 0 })[RANK_KEY], 0);
    assert.ok(!(RANK_KEY in p({})));
    assert.ok(!(ALIASES_KEY in p({})));
  });

  test('the input entity is not changed', () => {
    const entity = mapped('x', 'X', { tags: 'a', [ALIASES_KEY]: null }, { owner: 'o' });
    const before = structuredClone(entity);
    toCanonical(entity, BY_KEY);
    assert.deepEqual(entity, before);
  });
});

describe('fromEntry and toValues', () => {
  const entry = (attribute_values: Record<string, ValueBinding>, extra: Partial<CatalogEntry> = {}): CatalogEntry =>
    catalogEntrySchema.parse({
      id: '01E', catalog_type_id: '01TYPE', name: 'Entry', external_id: 'port:x', aliases: ['a1', 'a2'], rank: 5, attribute_values,
      created_at: '2024-05-01T10:00:00Z', updated_at: '2024-05-01T10:00:00Z', ...extra,
    });

  test('labels are dropped; aliases, rank and name are there', () => {
    const e = entry({
      '01TIER': { value: { literal: 'gold', label: 'Gold' } },
      '01OWNER': { value: { literal: '01TEAMA', label: 'Team A' } },
      '01DEPS': { array_value: [{ literal: 'svc-b', label: 'Service B' }, { literal: 'svc-c', label: 'Service C' }] },
    });
    assert.deepEqual(fromEntry(e, BLUEPRINT, 'x'), {
      identifier: 'x',
      blueprint: BLUEPRINT,
      title: 'Entry',
      properties: { [ALIASES_KEY]: ['a1', 'a2'], [RANK_KEY]: 5, '01TIER': 'gold', '01OWNER': '01TEAMA', '01DEPS': ['svc-b', 'svc-c'] },
      relations: {},
    });
  });

  test('no value is null: an empty array_value, an empty binding, an empty or missing literal', () => {
    const e = entry({
      '01TAGS': { array_value: [] },
      '01LANGS': { array_value: [{ label: 'x' }, { literal: '', label: '' }] },
      '01TIER': {},
      '01NOTES': { value: { literal: '', label: '' } },
      '01META': { value: { label: 'only a label' } },
    }, { aliases: [], rank: 0 });
    assert.deepEqual(fromEntry(e, BLUEPRINT, 'x').properties, {
      [ALIASES_KEY]: [], [RANK_KEY]: 0, '01TAGS': null, '01LANGS': null, '01TIER': null, '01NOTES': null, '01META': null,
    });
  });

  test('toValues: value for single attributes, array_value for arrays; absent values, entry fields and unknown ids left out', () => {
    assert.deepEqual(
      toValues({ '01TIER': 'gold', '01PORT': null, '01TAGS': ['a', 'b'], '01DEPS': null, '01META': undefined, [ALIASES_KEY]: ['x'], [RANK_KEY]: 3, '01GONE': 'x' }, BY_ID),
      { '01TIER': { value: { literal: 'gold' } }, '01TAGS': { array_value: [{ literal: 'a' }, { literal: 'b' }] } },
    );
  });

  test('toValues of a normalised entity never sends "" nor an empty list', () => {
    for (const entity of VARIETY) {
      for (const [id, binding] of Object.entries(toValues(toCanonical(entity, BY_KEY).properties, BY_ID))) {
        const literals = 'array_value' in binding ? binding.array_value.map((v) => v.literal) : [binding.value.literal];
        assert.ok(literals.length > 0, `${entity.identifier}.${id}: empty list`);
        for (const l of literals) assert.ok(typeof l === 'string' && l !== '', `${entity.identifier}.${id}: literal ${JSON.stringify(l)}`);
        assert.equal('array_value' in binding, BY_ID.get(id)!.array, `${entity.identifier}.${id}: binding shape`);
      }
    }
  });
});

describe('the normalised form is what incident.io echoes back', () => {
  const stored = VARIETY.map((e) => storedEntry(e));

  for (const merge of [true, false]) {
    test(`an unchanged entity is never written (merge=${merge})`, () => {
      const plan = planWrites(normalize(VARIETY), getMany(stored), merge);
      assert.deepEqual(plan.creates.map((e) => e.identifier), []);
      assert.deepEqual(plan.updates.map((e) => e.identifier), []);
      assert.equal(plan.unchanged, VARIETY.length);
    });
  }

  test('each entity alone is unchanged (no entity is hidden by another)', () => {
    VARIETY.forEach((entity, i) => {
      const plan = planWrites(normalize([entity]), getMany([stored[i]!]), true);
      assert.equal(plan.unchanged, 1, `${entity.identifier}: ${JSON.stringify(plan.updates[0]?.properties)}`);
    });
  });

  test('normalising twice is normalising once (the stored form is a fixed point)', () => {
    const canonical = normalize(VARIETY);
    // Re-normalising keyed by id gives the same values (`$aliases` and `$rank` included).
    const byIdKey = new Map(ATTRIBUTES.map((a) => [a.id, a]));
    assert.deepEqual(canonical.map((e) => toCanonical(e, byIdKey)), canonical);
  });

  test('an entity not yet in incident.io is created once, without empty values', () => {
    const fresh = mapped('fresh', 'Fresh', { tier: 'gold', port: null, tags: [] });
    const plan = planWrites(normalize([...VARIETY, fresh]), getMany(stored), true);
    assert.deepEqual(plan.creates.map((e) => e.identifier), ['fresh']);
    assert.deepEqual(plan.creates[0]!.properties, { '01TIER': 'gold' });
    assert.equal(plan.updates.length, 0);
    assert.equal(plan.unchanged, VARIETY.length);
  });

  const base = mapped('svc', 'Service', { tier: 'gold', port: 443, oncall: false, tags: ['a', 'b'], notes: ['n1', 'n2'], [ALIASES_KEY]: ['s1'], [RANK_KEY]: 2 }, { owner: 'team-a', dependencies: ['x'] });
  const changes: [string, Entity][] = [
    ['a changed number', { ...base, properties: { ...base.properties, port: 444 } }],
    ['a changed boolean', { ...base, properties: { ...base.properties, oncall: true } }],
    ['a changed string', { ...base, properties: { ...base.properties, tier: 'silver' } }],
    ['a value cleared (null)', { ...base, properties: { ...base.properties, tier: null } }],
    ['a value cleared ("")', { ...base, properties: { ...base.properties, tier: '' } }],
    ['a list cleared (null)', { ...base, properties: { ...base.properties, tags: null } }],
    ['a list cleared ([])', { ...base, properties: { ...base.properties, tags: [] } }],
    ['a list item added', { ...base, properties: { ...base.properties, tags: ['a', 'b', 'c'] } }],
    ['list order changed', { ...base, properties: { ...base.properties, tags: ['b', 'a'] } }],
    ['a joined list changed', { ...base, properties: { ...base.properties, notes: ['n1'] } }],
    ['a value set where there was none', { ...base, properties: { ...base.properties, '01META': 'now' } }],
    ['a relation changed', { ...base, relations: { ...base.relations, owner: 'team-b' } }],
    ['a relation cleared', { ...base, relations: { ...base.relations, dependencies: null } }],
    ['the name changed', { ...base, title: 'Service (renamed)' }],
    ['aliases changed', { ...base, properties: { ...base.properties, [ALIASES_KEY]: ['s1', 's2'] } }],
    ['aliases cleared', { ...base, properties: { ...base.properties, [ALIASES_KEY]: null } }],
    ['rank changed', { ...base, properties: { ...base.properties, [RANK_KEY]: 3 } }],
    ['rank cleared (null is 0)', { ...base, properties: { ...base.properties, [RANK_KEY]: null } }],
  ];

  test('the base entity of the change cases is unchanged against its own entry', () => {
    const plan = planWrites(normalize([base]), getMany([storedEntry(base)]), true);
    assert.equal(plan.unchanged, 1);
  });

  for (const [what, changed] of changes) {
    test(`${what}: exactly one update`, () => {
      const entries = [storedEntry(base), ...stored];
      const plan = planWrites(normalize([changed, ...VARIETY]), getMany(entries), true);
      assert.equal(plan.creates.length, 0);
      assert.deepEqual(plan.updates.map((e) => e.identifier), ['svc']);
      assert.equal(plan.unchanged, VARIETY.length);
    });
  }

  test('a cleared value is left out of the values sent (update_attributes then clears it)', () => {
    const cleared = { ...base, properties: { ...base.properties, tier: null, notes: '' }, relations: { ...base.relations, owner: null } };
    const [update] = planWrites(normalize([cleared]), getMany([storedEntry(base)]), true).updates;
    assert.ok(update);
    const values = toValues(update.properties, BY_ID);
    assert.ok(!('01TIER' in values));
    assert.ok(!('01NOTES' in values));
    assert.ok(!('01OWNER' in values));
    assert.deepEqual(values['01PORT'], { value: { literal: '443' } });
  });

  test('a cleared list attribute is left out of the values sent, not sent as an empty array_value', () => {
    for (const tags of [null, []]) {
      const cleared = { ...base, properties: { ...base.properties, tags }, relations: { ...base.relations, dependencies: null } };
      const [update] = planWrites(normalize([cleared]), getMany([storedEntry(base)]), true).updates;
      assert.ok(update);
      const values = toValues(update.properties, BY_ID);
      assert.ok(!('01TAGS' in values), JSON.stringify(values['01TAGS']));
      assert.ok(!('01DEPS' in values), JSON.stringify(values['01DEPS']));
    }
  });

  test('after the update is stored, the changed entity is unchanged', () => {
    for (const [what, changed] of changes) {
      if (!changed.title) continue;
      const plan = planWrites(normalize([changed]), getMany([storedEntry(changed)]), true);
      assert.equal(plan.unchanged, 1, what);
    }
  });

  test('duplicate aliases, stored once each (as the simulator stores them), do not cause a write', () => {
    const entity = mapped('dup', 'Dup', { [ALIASES_KEY]: ['a', 'a', 'b'] });
    const entry = storedEntry(entity, { aliases: (sent) => [...new Set(sent)] });
    assert.deepEqual(entry.aliases, ['a', 'b']);
    const plan = planWrites(normalize([entity]), getMany([entry]), true);
    assert.equal(plan.updates.length, 0);
    assert.equal(plan.unchanged, 1);
  });
});

describe('ExternalIds', () => {
  test('one blueprint, no prefix: the identifier itself; any non-empty id parses', () => {
    const ids = new ExternalIds('', ['service']);
    assert.equal(ids.of('service', 'svc-a'), 'svc-a');
    assert.deepEqual(ids.parse('svc-a'), { blueprint: 'service', identifier: 'svc-a' });
    assert.deepEqual(ids.parse('a/b:c'), { blueprint: 'service', identifier: 'a/b:c' });
    assert.equal(ids.parse(''), undefined);
    assert.equal(ids.parse(null), undefined);
    assert.equal(ids.parse(undefined), undefined);
  });

  test('one blueprint, prefix "port:": prefix then identifier; other prefixes and a bare prefix do not parse', () => {
    const ids = new ExternalIds('port:', ['service']);
    assert.equal(ids.of('service', 'svc-a'), 'port:svc-a');
    assert.deepEqual(ids.parse('port:svc-a'), { blueprint: 'service', identifier: 'svc-a' });
    assert.deepEqual(ids.parse('port:port:x'), { blueprint: 'service', identifier: 'port:x' });
    assert.deepEqual(ids.parse('port:service/x'), { blueprint: 'service', identifier: 'service/x' });
    assert.equal(ids.parse('port:'), undefined);
    assert.equal(ids.parse('svc-a'), undefined);
    assert.equal(ids.parse('other:svc-a'), undefined);
    assert.equal(ids.parse('Port:svc-a'), undefined);
    assert.equal(ids.parse('port'), undefined);
    assert.equal(ids.parse(''), undefined);
    assert.equal(ids.parse(null), undefined);
  });

  test('several blueprints: "<blueprint>/<identifier>" after the prefix; identifiers may hold "/" and ":"', () => {
    const ids = new ExternalIds('port:', ['service', 'team']);
    assert.equal(ids.of('service', 'x'), 'port:service/x');
    assert.equal(ids.of('team', 'a/b:c'), 'port:team/a/b:c');
    assert.deepEqual(ids.parse('port:service/x'), { blueprint: 'service', identifier: 'x' });
    assert.deepEqual(ids.parse('port:team/a/b:c'), { blueprint: 'team', identifier: 'a/b:c' });
    assert.deepEqual(ids.parse('port:service//x'), { blueprint: 'service', identifier: '/x' });
    const bare = new ExternalIds('', ['service', 'team']);
    assert.equal(bare.of('service', 'x'), 'service/x');
    assert.deepEqual(bare.parse('service/x'), { blueprint: 'service', identifier: 'x' });
  });

  test('several blueprints: parse rejects empty, another prefix, an unknown blueprint, a missing blueprint or identifier', () => {
    const ids = new ExternalIds('port:', ['service', 'team']);
    for (const bad of ['', null, undefined, 'port:', 'service/x', 'other:service/x', 'port:x', 'port:db/x', 'port:/x', 'port:service/', 'port:service', 'port:Service/x', 'port:servic/x', 'port:services/x']) {
      assert.equal(ids.parse(bad), undefined, JSON.stringify(bad));
    }
    const bare = new ExternalIds('', ['service', 'team']);
    for (const bad of ['', 'x', 'db/x', '/x', 'team/']) assert.equal(bare.parse(bad), undefined, JSON.stringify(bad));
  });

  test('of and parse round-trip', () => {
    const identifiers = ['x', 'svc-a_1', 'a/b', 'a:b', 'port:x', 'service/x', '/lead', 'trail/', 'ü n i', '.'];
    for (const prefix of ['', 'port:', 'port/', 'sync-1:']) {
      for (const blueprints of [['service'], ['service', 'team'], ['service', 'team', 'db']]) {
        const ids = new ExternalIds(prefix, blueprints);
        for (const blueprint of blueprints) {
          for (const identifier of identifiers) {
            const externalId = ids.of(blueprint, identifier);
            assert.ok(externalId.startsWith(prefix));
            assert.deepEqual(ids.parse(externalId), { blueprint, identifier }, `${JSON.stringify(prefix)} ${blueprints} ${externalId}`);
          }
        }
      }
    }
  });

  test('ids of one blueprint never parse as another blueprint\'s, and distinct entities get distinct ids', () => {
    const ids = new ExternalIds('port:', ['service', 'team']);
    const all = ['service', 'team'].flatMap((b) => ['x', 'y', 'team/x'].map((i) => ids.of(b, i)));
    assert.equal(new Set(all).size, all.length);
    assert.equal(ids.parse(ids.of('service', 'team/x'))!.blueprint, 'service');
  });
});
