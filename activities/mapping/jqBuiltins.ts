// jq's builtin functions, written in TypeScript with jq 1.6's behaviour and messages (its quirks included:
// `limit(0; f)` yields one output, `error(null)` behaves as `empty`, `join` refuses arrays). A few jq 1.7
// additions that Port users write (abs, toarray, trim, ltrim, rtrim, pick) are accepted too.
import {
  type Compiled, type Emit, type Env, type Filter, type Native, type PathFilter, Stop, add, collect, deletePaths, firstOf, getPath, index, indicesOf, iterate, pathToJson, pathsOf, setPath, splitString,
} from './jqEval';
import { FORMATS, tostring } from './jqFormat';
import { compileRegex, matches } from './jqRegex';
import {
  type Json, type JsonObject, JqError, codePoints, compare, describe, equals, hasKey, isObject, setKey, sortedKeys, stringLength, toJson, truthy, typeOf,
} from './jqValue';

const natives = new Map<string, Native>();

const invalidPath = (value: Filter): PathFilter => (input, _path, env) =>
  value(input, env, (v) => {
    throw new JqError(`Invalid path expression with result ${toJson(v).slice(0, 11)}`);
  });

function compiled(value: Filter, path?: PathFilter, one?: (input: Json, env: Env) => Json): Compiled {
  return { value, one, path: () => path ?? invalidPath(value) };
}

const single = (one: (input: Json, env: Env) => Json, path?: PathFilter): Compiled => compiled((i, env, emit) => emit(one(i, env)), path, one);

/** A builtin whose arguments are values (`$x` parameters): called once per combination of their outputs. */
function fn(name: string, arity: number, body: (input: Json, ...args: Json[]) => Json): void {
  natives.set(`${name}/${arity}`, (args) => {
    if (args.every((a) => a.one)) {
      const ones = args.map((a) => a.one!);
      if (arity === 0) return single((i) => body(i));
      if (arity === 1) return single((i, env) => body(i, ones[0]!(i, env)));
      return single((i, env) => body(i, ...ones.map((o) => o(i, env))));
    }
    return compiled((i, env, emit) => {
      const step = (k: number, vals: Json[]): void => {
        if (k === args.length) return emit(body(i, ...vals));
        args[k]!.value(i, env, (v) => step(k + 1, [...vals, v]));
      };
      step(0, []);
    });
  });
}

/** A builtin that takes filters (closures), e.g. `map(f)`, `select(f)`. */
function filter(name: string, arity: number, make: (args: Compiled[]) => Compiled): void {
  natives.set(`${name}/${arity}`, make);
}

/** Runs `f` and stops after `n` outputs (jq 1.6: n <= 0 still lets the first through; negative is unlimited). */
function limited(f: Compiled, n: number, i: Json, env: Env, emit: Emit): void {
  if (n < 0) return f.value(i, env, emit);
  const stop = new Stop();
  let count = 0;
  try {
    f.value(i, env, (v) => {
      emit(v);
      if (++count >= n) throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
}

// --- basics ----------------------------------------------------------------------------------------

filter('empty', 0, () => compiled(() => {}, () => {}));
fn('not', 0, (i) => !truthy(i));
fn('type', 0, typeOf);
fn('tostring', 0, tostring);
fn('tojson', 0, toJson);
fn('debug', 0, (i) => i);
fn('stderr', 0, (i) => i);
fn('env', 0, () => ({}));
fn('infinite', 0, () => Infinity);
fn('nan', 0, () => NaN);
fn('now', 0, () => Date.now() / 1000);

const raise = (v: Json) => {
  // jq 1.6 treats an error whose message is null as no error at all: the branch just ends.
  if (v === null) throw new Stop();
  throw new JqError(v);
};
const errorFilter = (msg: Compiled | null) =>
  compiled(
    (i, env) => {
      try {
        if (msg) msg.value(i, env, raise);
        else raise(i);
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
      }
    },
    (i, _p, env) => {
      try {
        if (msg) msg.value(i, env, raise);
        else raise(i);
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
      }
    },
  );
filter('error', 0, () => errorFilter(null));
filter('error', 1, ([m]) => errorFilter(m!));

fn('length', 0, (i) => {
  if (i === null) return 0;
  if (typeof i === 'boolean') throw new JqError(`${describe(i)} has no length`);
  if (typeof i === 'number') return Math.abs(i);
  if (typeof i === 'string') return stringLength(i);
  return Array.isArray(i) ? i.length : Object.keys(i).length;
});
fn('utf8bytelength', 0, (i) => {
  if (typeof i !== 'string') throw new JqError(`${describe(i)} only strings have UTF-8 byte length`);
  return Buffer.byteLength(i, 'utf8');
});

function keysOf(i: Json, sorted: boolean): Json[] {
  if (isObject(i)) return sorted ? sortedKeys(i) : Object.keys(i);
  if (Array.isArray(i)) return i.map((_, k) => k);
  throw new JqError(`${describe(i)} has no keys`);
}
fn('keys', 0, (i) => keysOf(i, true));
fn('keys_unsorted', 0, (i) => keysOf(i, false));

function has(i: Json, k: Json): boolean {
  if (isObject(i) && typeof k === 'string') return hasKey(i, k);
  if (Array.isArray(i) && typeof k === 'number') return k >= 0 && k < i.length;
  throw new JqError(`Cannot check whether ${typeOf(i)} has a ${typeOf(k)} key`);
}
fn('has', 1, has);
fn('in', 1, (i, o) => has(o, i));

function contains(a: Json, b: Json): boolean {
  if (isObject(a) && isObject(b)) return Object.keys(b).every((k) => hasKey(a, k) && contains(a[k]!, b[k]!));
  if (Array.isArray(a) && Array.isArray(b)) return b.every((y) => a.some((x) => contains(x, y)));
  if (typeof a === 'string' && typeof b === 'string') return a.includes(b);
  if (typeOf(a) === typeOf(b)) return equals(a, b);
  throw new JqError(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
}
fn('contains', 1, contains);
fn('inside', 1, (i, b) => contains(b, i));

// --- numbers ---------------------------------------------------------------------------------------

const math = (name: string, f: (x: number) => number) =>
  fn(name, 0, (i) => {
    if (typeof i !== 'number') throw new JqError(`${describe(i)} number required`);
    return f(i);
  });
math('floor', Math.floor);
math('ceil', Math.ceil);
math('round', Math.round);
math('sqrt', Math.sqrt);
math('fabs', Math.abs);
math('log', Math.log);
math('log10', Math.log10);
math('log2', Math.log2);
math('exp', Math.exp);
math('exp10', (x) => 10 ** x);
math('trunc', Math.trunc);
fn('pow', 2, (_i, a, b) => {
  if (typeof a !== 'number' || typeof b !== 'number') throw new JqError(`${describe(typeof a !== 'number' ? a : b)} number required`);
  return a ** b;
});
fn('isinfinite', 0, (i) => i === Infinity || i === -Infinity);
fn('isnan', 0, (i) => typeof i === 'number' && Number.isNaN(i));
fn('isnormal', 0, (i) => typeof i === 'number' && Number.isFinite(i) && i !== 0);
// jq 1.7
fn('abs', 0, (i) => {
  if (typeof i !== 'number') throw new JqError(`${describe(i)} has no absolute value`);
  return Math.abs(i);
});
fn('toarray', 0, (i) => (Array.isArray(i) ? i : [i]));

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
fn('tonumber', 0, (i) => {
  if (typeof i === 'number') return i;
  if (typeof i !== 'string') throw new JqError(`${describe(i)} cannot be parsed as a number`);
  const t = i.trim();
  if (JSON_NUMBER.test(t)) return Number(t);
  try {
    JSON.parse(t);
  } catch {
    throw new JqError(`Cannot parse '${i}' as JSON`);
  }
  throw new JqError(`${describe(i)} cannot be parsed as a number`);
});
fn('fromjson', 0, (i) => {
  if (typeof i !== 'string') throw new JqError(`${describe(i)} only strings can be parsed`);
  try {
    return JSON.parse(i) as Json;
  } catch (e) {
    throw new JqError(`${(e as Error).message} (while parsing '${i}')`);
  }
});

function numbersIn(name: string, ...xs: Json[]): number[] {
  for (const x of xs) if (typeof x !== 'number') throw new JqError(`${name} bounds must be numeric`);
  return xs as number[];
}
filter('range', 1, ([n]) => compiled((i, env, emit) => n!.value(i, env, (upto) => {
  const [u] = numbersIn('Range', upto);
  for (let k = 0; k < u!; k++) emit(k);
})));
filter('range', 2, ([from, upto]) => compiled((i, env, emit) => from!.value(i, env, (f) => upto!.value(i, env, (u) => {
  const [a, b] = numbersIn('Range', f, u);
  for (let k = a!; k < b!; k++) emit(k);
}))));
filter('range', 3, ([from, upto, by]) => compiled((i, env, emit) => from!.value(i, env, (f) => upto!.value(i, env, (u) => by!.value(i, env, (s) => {
  const [a, b, step] = numbersIn('Range', f, u, s);
  if (step! > 0) for (let k = a!; k < b!; k += step!) emit(k);
  else if (step! < 0) for (let k = a!; k > b!; k += step!) emit(k);
})))));

// --- strings ---------------------------------------------------------------------------------------

const needStrings = (name: string, a: Json, b: Json) => {
  if (typeof a !== 'string' || typeof b !== 'string') throw new JqError(`${name}() requires string inputs`);
};
fn('startswith', 1, (i, s) => (needStrings('startswith', i, s), (i as string).startsWith(s as string)));
fn('endswith', 1, (i, s) => (needStrings('endswith', i, s), (i as string).endsWith(s as string)));
fn('ltrimstr', 1, (i, s) => (typeof i === 'string' && typeof s === 'string' && i.startsWith(s) ? i.slice(s.length) : i));
fn('rtrimstr', 1, (i, s) => (typeof i === 'string' && typeof s === 'string' && i.endsWith(s) && s !== '' ? i.slice(0, i.length - s.length) : i));
// jq 1.7
const needString = (i: Json): string => {
  if (typeof i !== 'string') throw new JqError(`${describe(i)} cannot be trimmed`);
  return i;
};
fn('trim', 0, (i) => needString(i).trim());
fn('ltrim', 0, (i) => needString(i).trimStart());
fn('rtrim', 0, (i) => needString(i).trimEnd());

fn('explode', 0, (i) => {
  if (typeof i !== 'string') throw new JqError('explode input must be a string');
  return codePoints(i).map((c) => c.codePointAt(0)!);
});
fn('implode', 0, (i) => {
  if (!Array.isArray(i)) throw new JqError('implode input must be an array');
  return i.map((c) => {
    if (typeof c !== 'number') throw new JqError('Unicode codepoint must be numeric');
    return String.fromCodePoint(c);
  }).join('');
});
const ascii = (upper: boolean) => (i: Json) => {
  if (typeof i !== 'string') throw new JqError('explode input must be a string');
  return upper ? i.replace(/[a-z]+/g, (s) => s.toUpperCase()) : i.replace(/[A-Z]+/g, (s) => s.toLowerCase());
};
fn('ascii_downcase', 0, ascii(false));
fn('ascii_upcase', 0, ascii(true));

fn('split', 1, (i, sep) => {
  if (typeof i !== 'string' || typeof sep !== 'string') throw new JqError('split input and separator must be strings');
  return splitString(i, sep);
});
fn('join', 1, (i, sep) => {
  // jq 1.6: reduce .[] as $x (null; (if . == null then "" else . + $sep end) + ($x | null -> "", numbers and booleans -> tojson))
  let acc: Json = null;
  iterate(i, (x) => {
    const part = x === null ? '' : typeof x === 'number' || typeof x === 'boolean' ? toJson(x) : x;
    acc = add(acc === null ? '' : add(acc, sep), part);
  });
  return acc ?? '';
});

for (const [name, format] of Object.entries(FORMATS)) fn('@' + name, 0, format);

// --- regular expressions ---------------------------------------------------------------------------

const regex = (name: string, arity: number, body: (input: string, m: JsonObject[], emit: Emit) => void, addGlobal = false) =>
  filter(name, arity, ([re, flags]) => compiled((i, env, emit) => re!.value(i, env, (r) => {
    const run = (f: Json) => {
      const opts = compileRegex(i, r, addGlobal ? `g${f ?? ''}` : f);
      body(i as string, matches(i as string, opts), emit);
    };
    if (flags) flags.value(i, env, run);
    else run(null);
  })));

regex('test', 1, (_s, m, emit) => emit(m.length > 0));
regex('test', 2, (_s, m, emit) => emit(m.length > 0));
regex('match', 1, (_s, m, emit) => m.forEach(emit));
regex('match', 2, (_s, m, emit) => m.forEach(emit));
const captureObject = (m: JsonObject): JsonObject => {
  const o: JsonObject = {};
  for (const c of m.captures as JsonObject[]) if (typeof c.name === 'string') setKey(o, c.name, c.string!);
  return o;
};
regex('capture', 1, (_s, m, emit) => m.map(captureObject).forEach(emit));
regex('capture', 2, (_s, m, emit) => m.map(captureObject).forEach(emit));
const scan = (_s: string, m: JsonObject[], emit: Emit) =>
  m.forEach((x) => emit((x.captures as JsonObject[]).length ? (x.captures as JsonObject[]).map((c) => c.string!) : x.string!));
regex('scan', 1, scan, true);
regex('scan', 2, scan, true);
/** The pieces between matches (jq's `split/2` and `splits`). */
const pieces = (s: string, m: JsonObject[]): string[] => {
  const cps = codePoints(s);
  const out: string[] = [];
  let prev = 0;
  for (const x of m) {
    out.push(cps.slice(prev, x.offset as number).join(''));
    prev = (x.offset as number) + (x.length as number);
  }
  out.push(cps.slice(prev).join(''));
  return out;
};
regex('split', 2, (s, m, emit) => emit(pieces(s, m)), true);
regex('splits', 1, (s, m, emit) => pieces(s, m).forEach(emit), true);
regex('splits', 2, (s, m, emit) => pieces(s, m).forEach(emit), true);

/** `sub`/`gsub`: the replacement is a filter over the named captures; its first output is used. */
function substitute(global: boolean) {
  return ([re, repl, flags]: Compiled[]) =>
    compiled((i, env, emit) => re!.value(i, env, (r) => {
      const run = (f: Json) => {
        const opts = compileRegex(i, r, global ? `g${f ?? ''}` : f);
        const s = i as string;
        const cps = codePoints(s);
        let out = '';
        let prev = 0;
        for (const m of matches(s, opts)) {
          const replacement = firstOf(repl!, captureObject(m), env) ?? '';
          if (typeof replacement !== 'string') throw new JqError(`${describe(out + cps.slice(prev, m.offset as number).join(''))} and ${describe(replacement)} cannot be added`);
          out += cps.slice(prev, m.offset as number).join('') + replacement;
          prev = (m.offset as number) + (m.length as number);
        }
        emit(out + cps.slice(prev).join(''));
      };
      if (flags) flags.value(i, env, run);
      else run(null);
    }));
}
filter('sub', 2, substitute(false));
filter('sub', 3, substitute(false));
filter('gsub', 2, substitute(true));
filter('gsub', 3, substitute(true));

// --- arrays and objects ----------------------------------------------------------------------------

function needArray(i: Json, what: string): Json[] {
  if (!Array.isArray(i)) throw new JqError(`${describe(i)} cannot be ${what}, as it is not an array`);
  return i;
}
fn('sort', 0, (i) => [...needArray(i, 'sorted')].sort(compare));

/** Sort keys are the arrays of all outputs of f, as jq's `[f]`. */
function keyed(f: Compiled, i: Json, env: Env): { key: Json[]; value: Json }[] {
  const out: { key: Json[]; value: Json }[] = [];
  iterate(i, (v) => out.push({ key: collect(f, v, env), value: v }));
  return out;
}
filter('sort_by', 1, ([f]) => single((i, env) => (needArray(i, 'sorted'), keyed(f!, i, env).sort((a, b) => compare(a.key, b.key)).map((x) => x.value))));
function groups(f: Compiled, i: Json, env: Env): Json[][] {
  const sorted = keyed(f, i, env).sort((a, b) => compare(a.key, b.key));
  const out: Json[][] = [];
  let prev: Json[] | undefined;
  for (const x of sorted) {
    if (prev && equals(prev, x.key)) out[out.length - 1]!.push(x.value);
    else out.push([x.value]);
    prev = x.key;
  }
  return out;
}
filter('group_by', 1, ([f]) => single((i, env) => (needArray(i, 'grouped'), groups(f!, i, env))));
filter('unique_by', 1, ([f]) => single((i, env) => (needArray(i, 'grouped'), groups(f!, i, env).map((g) => g[0]!))));
fn('unique', 0, (i) => {
  const sorted = [...needArray(i, 'sorted')].sort(compare);
  return sorted.filter((x, k) => k === 0 || !equals(sorted[k - 1]!, x));
});
function extreme(f: Compiled | null, max: boolean, i: Json, env: Env): Json {
  const items = keyed(f ?? IDENTITY, i, env);
  let best: { key: Json[]; value: Json } | undefined;
  for (const x of items) {
    const c = best ? compare(x.key, best.key) : 0;
    // jq keeps the first minimum and the last maximum.
    if (!best || (max ? c >= 0 : c < 0)) best = x;
  }
  return best ? best.value : null;
}
const IDENTITY: Compiled = single((i) => i, (i, p, _e, emit) => emit(i, p));
fn('min', 0, (i) => extreme(null, false, i, undefined as unknown as Env));
fn('max', 0, (i) => extreme(null, true, i, undefined as unknown as Env));
filter('min_by', 1, ([f]) => single((i, env) => extreme(f!, false, i, env)));
filter('max_by', 1, ([f]) => single((i, env) => extreme(f!, true, i, env)));

fn('reverse', 0, (i) => {
  if (i === null) return [];
  if (Array.isArray(i)) return [...i].reverse();
  if (i === '') return [];
  return index(i, 0);
});
fn('add', 0, (i) => {
  let acc: Json = null;
  iterate(i, (x) => (acc = add(acc, x)));
  return acc;
});
function flatten(i: Json, depth: number): Json[] {
  const out: Json[] = [];
  iterate(i, (x) => {
    if (Array.isArray(x) && depth !== 0) out.push(...flatten(x, depth - 1));
    else out.push(x);
  });
  return out;
}
fn('flatten', 0, (i) => flatten(i, 1e9));
fn('flatten', 1, (i, d) => {
  if (typeof d !== 'number' || d < 0) throw new JqError('flatten depth must not be negative');
  return flatten(i, d);
});
fn('indices', 1, (i, x) => {
  if (i === null) return null;
  if (typeof i === 'string' && typeof x === 'string') {
    if (x === '') return null;
    const out: number[] = [];
    const cps = codePoints(i);
    const needle = codePoints(x);
    for (let k = 0; k + needle.length <= cps.length; k++) if (needle.every((c, j) => cps[k + j] === c)) out.push(k);
    return out;
  }
  if (Array.isArray(i)) return indicesOf(i, Array.isArray(x) ? x : [x]);
  return index(i, x);
});
const nth = (which: 'first' | 'last') => (i: Json, x: Json) => {
  const all = natives.get('indices/1')!([single(() => x)]).one!(i, undefined as unknown as Env);
  if (!Array.isArray(all)) return all;
  return all.length ? (which === 'first' ? all[0]! : all[all.length - 1]!) : null;
};
fn('index', 1, nth('first'));
fn('rindex', 1, nth('last'));
fn('transpose', 0, (i) => {
  const rows = needArray(i, 'transposed');
  const width = Math.max(0, ...rows.map((r) => (Array.isArray(r) ? r.length : 0)));
  return Array.from({ length: width }, (_, j) => rows.map((r) => index(r, j)));
});

fn('to_entries', 0, (i) => keysOf(i, false).map((k) => ({ key: k, value: index(i, k) })));
/** jq 1.6: the key is `.key // .name // .Name` and must be a string; the value is `.value`. */
function fromEntries(i: Json): Json {
  const o: JsonObject = {};
  iterate(i, (e) => {
    let k: Json = null;
    for (const name of ['key', 'name', 'Name']) {
      k = index(e, name);
      if (truthy(k)) break;
    }
    if (typeof k !== 'string') throw new JqError(`Cannot use ${describe(k)} as object key`);
    setKey(o, k, index(e, 'value'));
  });
  return o;
}
fn('from_entries', 0, fromEntries);
filter('with_entries', 1, ([f]) => single((i, env) => {
  const mapped: Json[] = [];
  for (const e of keysOf(i, false).map((k) => ({ key: k, value: index(i, k) }))) f!.value(e, env, (v) => mapped.push(v));
  return fromEntries(mapped);
}));

filter('map', 1, ([f]) => {
  const one = f!.one;
  if (one) return single((i, env) => {
    if (Array.isArray(i)) return i.map((x) => one(x, env));
    const out: Json[] = [];
    iterate(i, (x) => out.push(one(x, env)));
    return out;
  });
  return single((i, env) => {
    const out: Json[] = [];
    iterate(i, (x) => f!.value(x, env, (v) => out.push(v)));
    return out;
  });
});
filter('map_values', 1, ([f]) => single((i, env) => {
  // `.[] |= f`: the first output replaces the value; no output deletes it.
  if (Array.isArray(i)) return i.flatMap((x) => { const v = firstOf(f!, x, env); return v === undefined ? [] : [v]; });
  if (!isObject(i)) throw new JqError(`Cannot iterate over ${describe(i)}`);
  const o: JsonObject = {};
  for (const k in i) {
    const v = firstOf(f!, i[k]!, env);
    if (v !== undefined) setKey(o, k, v);
  }
  return o;
}));
filter('walk', 1, ([f]) => {
  const walk = (v: Json, env: Env, emit: Emit): void => {
    let rebuilt: Json = v;
    if (Array.isArray(v)) {
      const out: Json[] = [];
      for (const x of v) walk(x, env, (y) => out.push(y));
      rebuilt = out;
    } else if (isObject(v)) {
      const o: JsonObject = {};
      for (const k of sortedKeys(v)) {
        let last: Json | undefined;
        walk(v[k]!, env, (y) => (last = y));
        if (last !== undefined) setKey(o, k, last);
      }
      rebuilt = o;
    }
    f!.value(rebuilt, env, emit);
  };
  return compiled((i, env, emit) => walk(i, env, emit));
});

// --- selection and generators (with path forms, so `del(.[] | select(...))` and `|=` work) ------------

filter('select', 1, ([f]) => {
  const one = f!.one;
  return compiled(
    one
      ? (i, env, emit) => {
          if (truthy(one(i, env))) emit(i);
        }
      : (i, env, emit) => f!.value(i, env, (c) => truthy(c) && emit(i)),
    (i, p, env, emit) => f!.value(i, env, (c) => truthy(c) && emit(i, p)),
  );
});
const typeSelector = (name: string, test: (v: Json) => boolean) =>
  filter(name, 0, () => compiled((i, _env, emit) => test(i) && emit(i), (i, p, _env, emit) => test(i) && emit(i, p)));
typeSelector('arrays', Array.isArray);
typeSelector('objects', isObject);
typeSelector('iterables', (v) => Array.isArray(v) || isObject(v));
typeSelector('booleans', (v) => typeof v === 'boolean');
typeSelector('numbers', (v) => typeof v === 'number');
typeSelector('strings', (v) => typeof v === 'string');
typeSelector('nulls', (v) => v === null);
typeSelector('values', (v) => v !== null);
typeSelector('scalars', (v) => !Array.isArray(v) && !isObject(v));

/** `recurse(f)`: the input, then recursively everything f yields (`..` is `recurse(.[]?)`). */
function recurse(f: Compiled | null, cond: Compiled | null): Compiled {
  const children = (v: Json, env: Env, emit: Emit) => {
    if (!f) {
      if (Array.isArray(v) || isObject(v)) iterate(v, emit);
    } else {
      f.value(v, env, emit);
    }
  };
  const value: Filter = (i, env, emit) => {
    emit(i);
    // `f | select(cond) | recurse`: once per truthy output of cond.
    children(i, env, (c) => {
      if (!cond) value(c, env, emit);
      else cond.value(c, env, (ok) => truthy(ok) && value(c, env, emit));
    });
  };
  const path: PathFilter = (i, p, env, emit) => {
    emit(i, p);
    const step = (c: Json, cp: (string | number | { start: Json; end: Json })[]) => {
      if (!cond) path(c, cp, env, emit);
      else cond.value(c, env, (ok) => truthy(ok) && path(c, cp, env, emit));
    };
    if (!f) {
      if (Array.isArray(i)) i.forEach((x, k) => step(x, [...p, k]));
      else if (isObject(i)) for (const k in i) step(i[k]!, [...p, k]);
    } else {
      f.path()(i, p, env, (c, cp) => step(c, cp));
    }
  };
  return compiled(value, path);
}
filter('recurse', 0, () => recurse(null, null));
filter('recurse', 1, ([f]) => recurse(f!, null));
filter('recurse', 2, ([f, cond]) => recurse(f!, cond!));

filter('first', 1, ([f]) => compiled((i, env, emit) => limited(f!, 1, i, env, emit), (i, p, env, emit) => {
  const stop = new Stop();
  try {
    f!.path()(i, p, env, (v, vp) => {
      emit(v, vp);
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
}));
filter('limit', 2, ([n, f]) => compiled((i, env, emit) => n!.value(i, env, (count) => {
  if (typeof count !== 'number') throw new JqError('Invalid limit: must be a number');
  limited(f!, count, i, env, emit);
})));
filter('last', 1, ([f]) => compiled((i, env, emit) => {
  let last: Json | undefined;
  f!.value(i, env, (v) => (last = v));
  if (last !== undefined) emit(last);
}));
filter('nth', 2, ([n, f]) => compiled((i, env, emit) => n!.value(i, env, (k) => {
  if (typeof k !== 'number') throw new JqError('Invalid nth: must be a number');
  if (k < 0) throw new JqError('Out of bounds negative array index');
  let last: Json | undefined;
  limited(f!, k + 1, i, env, (v) => (last = v));
  if (last !== undefined) emit(last);
})));
// `first` is `.[0]` and `last` is `.[-1]`, so both are paths too.
const indexed = (name: string, k: number) =>
  filter(name, 0, () => single((i) => index(i, k), (i, p, _env, emit) => emit(i === null ? null : index(i, k), [...p, k])));
indexed('first', 0);
indexed('last', -1);
fn('nth', 1, (i, k) => index(i, k));
filter('isempty', 1, ([f]) => single((i, env) => firstOf(f!, i, env) === undefined));
filter('until', 2, ([cond, update]) => single((i, env) => {
  let v = i;
  while (!truthy(firstOf(cond!, v, env) ?? null)) v = firstOf(update!, v, env) ?? null;
  return v;
}));
filter('while', 2, ([cond, update]) => compiled((i, env, emit) => {
  const loop = (v: Json): void => {
    cond!.value(v, env, (c) => {
      if (!truthy(c)) return;
      emit(v);
      update!.value(v, env, loop);
    });
  };
  loop(i);
}));
filter('repeat', 1, ([f]) => compiled((i, env, emit) => {
  const loop = (v: Json): void => f!.value(v, env, (x) => {
    emit(x);
    loop(x);
  });
  loop(i);
}));

const anyAll = (isAll: boolean, gen: (i: Json, env: Env, emit: Emit) => void, i: Json, env: Env): boolean => {
  const stop = new Stop();
  let found = false;
  try {
    gen(i, env, (c) => {
      if (truthy(c) !== isAll) {
        found = true;
        throw stop;
      }
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return isAll ? !found : found;
};
for (const isAll of [false, true]) {
  const name = isAll ? 'all' : 'any';
  fn(name, 0, (i) => anyAll(isAll, (v, _e, emit) => iterate(v, emit), i, undefined as unknown as Env));
  filter(name, 1, ([f]) => single((i, env) => anyAll(isAll, (v, e, emit) => iterate(v, (x) => f!.value(x, e, emit)), i, env)));
  filter(name, 2, ([gen, cond]) => single((i, env) => anyAll(isAll, (v, e, emit) => gen!.value(v, e, (x) => cond!.value(x, e, emit)), i, env)));
}
filter('IN', 1, ([s]) => single((i, env) => anyAll(false, (v, e, emit) => s!.value(v, e, (x) => emit(equals(x, v))), i, env)));
filter('IN', 2, ([src, s]) => single((i, env) => anyAll(false, (v, e, emit) => src!.value(v, e, (a) => s!.value(v, e, (b) => emit(equals(a, b)))), i, env)));
const indexBy = (rows: (i: Json, env: Env, emit: Emit) => void, key: Compiled) => (i: Json, env: Env): Json => {
  const o: JsonObject = {};
  rows(i, env, (row) => setKey(o, tostring(firstOf(key, row, env) ?? null), row));
  return o;
};
filter('INDEX', 1, ([key]) => single(indexBy((i, _e, emit) => iterate(i, emit), key!)));
filter('INDEX', 2, ([rows, key]) => single(indexBy((i, e, emit) => rows!.value(i, e, emit), key!)));

// --- paths -----------------------------------------------------------------------------------------

filter('path', 1, ([f]) => compiled((i, env, emit) => f!.path()(i, [], env, (_v, p) => emit(pathToJson(p)))));
const allPaths = (i: Json, env: Env): Json[][] => pathsOf(natives.get('recurse/0')!([]), i, env).filter((p) => p.length > 0);
filter('paths', 0, () => compiled((i, env, emit) => allPaths(i, env).forEach(emit)));
// `paths(f)` is `paths | select(...)`: a path is emitted once per truthy output of f.
filter('paths', 1, ([f]) => compiled((i, env, emit) => allPaths(i, env).forEach((p) => f!.value(getPath(i, p), env, (c) => truthy(c) && emit(p)))));
filter('leaf_paths', 0, () => compiled((i, env, emit) => allPaths(i, env).forEach((p) => { const v = getPath(i, p); if (!Array.isArray(v) && !isObject(v)) emit(p); })));
const needPath = (p: Json): Json[] => {
  if (!Array.isArray(p)) throw new JqError('Path must be specified as an array');
  return p;
};
filter('getpath', 1, ([p]) => compiled(
  (i, env, emit) => p!.value(i, env, (path) => {
    try {
      emit(getPath(i, needPath(path)));
    } catch (e) {
      if (!(e instanceof JqError)) throw e;
      emit(null);
    }
  }),
  (i, base, env, emit) => p!.value(i, env, (path) => emit(getPath(i, needPath(path)), [...base, ...(needPath(path) as (string | number)[])])),
));
fn('setpath', 2, (i, p, v) => setPath(i, needPath(p), v));
fn('delpaths', 1, (i, ps) => deletePaths(i, needPath(ps).map(needPath)));
filter('del', 1, ([f]) => single((i, env) => deletePaths(i, pathsOf(f!, i, env))));
// jq 1.7: keeps only the given paths.
filter('pick', 1, ([f]) => single((i, env) => pathsOf(f!, i, env).reduce<Json>((acc, p) => setPath(acc, p, getPath(i, p)), null)));

// --- dates (the ISO-8601 forms mappings use) --------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const fromIso = (i: Json): Json => {
  if (typeof i !== 'string') throw new JqError('strptime/1 requires string inputs and arguments');
  const m = ISO.exec(i);
  if (!m) throw new JqError(`date "${i}" does not match format "%Y-%m-%dT%H:%M:%SZ"`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
};
const toIso = (i: Json): Json => {
  if (typeof i !== 'number') throw new JqError('strftime/1 requires parsed datetime inputs');
  return new Date(Math.floor(i) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
};
fn('fromdateiso8601', 0, fromIso);
fn('fromdate', 0, fromIso);
fn('todateiso8601', 0, toIso);
fn('todate', 0, toIso);

export const NATIVES: ReadonlyMap<string, Native> = natives;
