// Port's search rules, evaluated over stored entities: combinators nest; a rule reads a property,
// a relation or a meta-property ($identifier, $title, $team, $datasource, ...). Rules on array values
// ($team, $datasource, many-relations, array properties) match when any element matches.
import { invalid, type SimEntity } from './types';

export interface Rule {
  property?: string;
  relation?: string;
  operator?: string;
  value?: unknown;
  combinator?: 'and' | 'or';
  rules?: Rule[];
}

export type Predicate = (e: SimEntity) => boolean;

function read(e: SimEntity, rule: Rule): unknown {
  if (rule.relation !== undefined) return e.relations[rule.relation];
  const p = rule.property!;
  switch (p) {
    case '$identifier': return e.identifier;
    case '$title': return e.title;
    case '$icon': return e.icon;
    case '$team': return e.team;
    case '$blueprint': return e.blueprint;
    case '$createdAt': return e.createdAt;
    case '$updatedAt': return e.updatedAt;
    case '$createdBy': return e.createdBy;
    case '$updatedBy': return e.updatedBy;
    case '$datasource': return e.datasource;
    default: return p in e.properties ? e.properties[p] : e.relations[p];
  }
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/** Any element of an array value, or the value itself, satisfies `test`. */
const any = (v: unknown, test: (x: unknown) => boolean) => (Array.isArray(v) ? v.some(test) : test(v));
const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
/** Numbers compare as numbers, everything else (ISO dates) as strings' time or text. */
const comparable = (x: unknown) => (typeof x === 'number' ? x : typeof x === 'string' && !Number.isNaN(Date.parse(x)) ? Date.parse(x) : x);

function values(rule: Rule): unknown[] {
  if (!Array.isArray(rule.value)) throw invalid(`rule "${rule.operator}" on "${rule.property}" needs an array value`);
  return rule.value;
}

function compileRule(rule: Rule): Predicate {
  if (rule.combinator !== undefined || rule.rules !== undefined) return compile(rule);
  if (rule.property === undefined && rule.relation === undefined) throw invalid('a rule needs a property');
  const v = rule.value;
  const get = (e: SimEntity) => read(e, rule);
  switch (rule.operator) {
    case '=': return (e) => any(get(e), (x) => x === v);
    case '!=': return (e) => !any(get(e), (x) => x === v);
    case 'in': { const set = new Set(values(rule)); return (e) => any(get(e), (x) => set.has(x)); }
    case 'notIn': { const set = new Set(values(rule)); return (e) => !any(get(e), (x) => set.has(x)); }
    case 'contains': return (e) => any(get(e), (x) => str(x)?.includes(String(v)) ?? false);
    case 'doesNotContains': return (e) => !any(get(e), (x) => str(x)?.includes(String(v)) ?? false);
    case 'containsAny': { const subs = values(rule).map(String); return (e) => any(get(e), (x) => subs.some((s) => str(x)?.includes(s))); }
    case 'beginsWith': return (e) => any(get(e), (x) => str(x)?.startsWith(String(v)) ?? false);
    case 'doesNotBeginsWith': return (e) => !any(get(e), (x) => str(x)?.startsWith(String(v)) ?? false);
    case 'endsWith': return (e) => any(get(e), (x) => str(x)?.endsWith(String(v)) ?? false);
    case 'doesNotEndsWith': return (e) => !any(get(e), (x) => str(x)?.endsWith(String(v)) ?? false);
    case 'isEmpty': return (e) => isEmpty(get(e));
    case 'isNotEmpty': return (e) => !isEmpty(get(e));
    case '>': return (e) => any(get(e), (x) => (comparable(x) as number) > (comparable(v) as number));
    case '>=': return (e) => any(get(e), (x) => (comparable(x) as number) >= (comparable(v) as number));
    case '<': return (e) => any(get(e), (x) => (comparable(x) as number) < (comparable(v) as number));
    case '<=': return (e) => any(get(e), (x) => (comparable(x) as number) <= (comparable(v) as number));
    case 'between':
    case 'notBetween': {
      const range = v as { from?: string; to?: string } | undefined;
      if (!range?.from || !range.to) throw invalid('between needs value {from, to} (date presets are not simulated)');
      const from = Date.parse(range.from), to = Date.parse(range.to);
      const inside = (e: SimEntity) => any(get(e), (x) => typeof x === 'string' && Date.parse(x) >= from && Date.parse(x) <= to);
      return rule.operator === 'between' ? inside : (e) => !inside(e);
    }
    default:
      throw invalid(`operator "${rule.operator}" is not supported by the Port simulator`);
  }
}

/** Compiles a query ({combinator, rules}) once into a predicate evaluated per entity. */
export function compile(query: Rule | undefined): Predicate {
  if (query === undefined) return () => true;
  if (typeof query !== 'object' || query === null) throw invalid('query must be object');
  if (query.combinator !== 'and' && query.combinator !== 'or') throw invalid('query/combinator must be "and" or "or"');
  if (!Array.isArray(query.rules)) throw invalid('query must have required property \'rules\'');
  const parts = query.rules.map(compileRule);
  return query.combinator === 'and' ? (e) => parts.every((p) => p(e)) : (e) => parts.length === 0 || parts.some((p) => p(e));
}

/**
 * Identifiers a query can only match, when its top level is an `and` holding `$identifier` `=` or
 * `in`: the search then reads those entities directly instead of scanning the blueprint.
 */
export function identifierCandidates(query: Rule | undefined): string[] | undefined {
  if (query?.combinator !== 'and' || !Array.isArray(query.rules)) return undefined;
  for (const r of query.rules) {
    if (r.property !== '$identifier') continue;
    if (r.operator === '=' && typeof r.value === 'string') return [r.value];
    if (r.operator === 'in' && Array.isArray(r.value)) return r.value.filter((x): x is string => typeof x === 'string');
  }
  return undefined;
}
