// Syntax tree -> closures, compiled once per expression. Each node becomes a `Filter` that pushes its outputs
// to a callback (no generators, no per-output arrays). Nodes that always yield exactly one value also get a
// `one` function, so the common mapping expressions (`.a.b`, `"x" + .y`, `.z // "n"`) run without callbacks.
// Path mode (`path(f)`, `|=`, `del`, `paths`) compiles lazily and only for the node kinds jq allows there.
import type { Node, Pattern } from './jqParse';
import {
  type Json, type JsonObject, JqError, codePoints, compare, describe, equals, getKey, hasKey, isObject, setKey, toJson, truthy, typeOf,
} from './jqValue';

export type Emit = (v: Json) => void;
export type Filter = (input: Json, env: Env, emit: Emit) => void;
export type PathKey = string | number | { start: Json; end: Json };
export type Path = PathKey[];
export type PathEmit = (v: Json, path: Path) => void;
export type PathFilter = (input: Json, path: Path, env: Env, emit: PathEmit) => void;

/** A compiled expression: its filter, a single-output shortcut when it has one, and its path form on demand. */
export interface Compiled {
  readonly value: Filter;
  readonly one?: ((input: Json, env: Env) => Json) | undefined;
  path(): PathFilter;
}

/** Runtime bindings: variables (`$x`), user functions (`f/1`) and filter parameters, innermost first. */
export class Env {
  constructor(readonly name: string, readonly value: unknown, readonly parent: Env | null) {}
  lookup(name: string): unknown {
    if (this.name === name) return this.value;
    for (let e = this.parent; e; e = e.parent) if (e.name === name) return e.value;
    throw new Error(`internal: ${name} is not bound`);
  }
}
export const ROOT_ENV = new Env('', null, null);

/** Thrown by `first`, `limit` and friends to stop a generator early; only its owner catches it. */
export class Stop {}

/** A builtin implemented in TypeScript; gets its compiled arguments and returns the compiled call. */
export type Native = (args: Compiled[]) => Compiled;

interface UserFunction {
  readonly params: string[];
  readonly body: Compiled;
}
interface FunctionClosure {
  readonly fn: UserFunction;
  readonly env: Env;
}
interface ParamClosure {
  readonly arg: Compiled;
  readonly env: Env;
}

/** What a name means while compiling: a user function, a filter parameter or a variable. */
type Scope = { kind: 'function' | 'param' | 'var'; key: string; next: Scope | null } | null;

function lookupScope(scope: Scope, kind: 'function' | 'param' | 'var', key: string): boolean {
  for (let s = scope; s; s = s.next) if (s.key === key && (s.kind === kind || (kind === 'function' && s.kind === 'param'))) return true;
  return false;
}

export class JqCompileError extends Error {}

// --- compiled values -----------------------------------------------------------------------------

function fromOne(one: (input: Json, env: Env) => Json, path?: () => PathFilter): Compiled {
  const value: Filter = (input, env, emit) => emit(one(input, env));
  return { one, value, path: memo(path ?? (() => invalidPath(value))) };
}

function fromFilter(value: Filter, path?: () => PathFilter): Compiled {
  return { value, path: memo(path ?? (() => invalidPath(value))) };
}

function memo(make: () => PathFilter): () => PathFilter {
  let made: PathFilter | undefined;
  return () => (made ??= make());
}

/** Path form for nodes that are not path expressions: jq fails at run time with the value they produce. */
const invalidPath = (value: Filter): PathFilter => (input, _path, env) => {
  value(input, env, (v) => {
    throw new JqError(`Invalid path expression with result ${toJson(v).slice(0, 11)}`);
  });
};

/** Collects every output of a filter. */
export function collect(f: Compiled, input: Json, env: Env): Json[] {
  if (f.one) return [f.one(input, env)];
  const out: Json[] = [];
  f.value(input, env, (v) => out.push(v));
  return out;
}

/** Runs `f` until its first output; `undefined` when it has none. */
export function firstOf(f: Compiled, input: Json, env: Env): Json | undefined {
  if (f.one) return f.one(input, env);
  const stop = new Stop();
  let found: Json | undefined;
  try {
    f.value(input, env, (v) => {
      found = v;
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return found;
}

// --- value helpers shared with the builtins ---------------------------------------------------------

export function index(v: Json, k: Json): Json {
  if (v === null) {
    if (k === null || typeof k === 'string' || typeof k === 'number' || isObject(k)) return null;
  } else if (isObject(v)) {
    if (typeof k === 'string') return getKey(v, k);
  } else if (Array.isArray(v)) {
    if (typeof k === 'number') {
      if (!Number.isInteger(k)) return null;
      const i = k < 0 ? v.length + k : k;
      return i >= 0 && i < v.length ? v[i]! : null;
    }
    if (Array.isArray(k)) return indicesOf(v, k);
    if (isObject(k)) return slice(v, getKey(k, 'start'), getKey(k, 'end'));
  }
  if (typeof k === 'string') throw new JqError(`Cannot index ${typeOf(v)} with ${Array.isArray(v) || typeof v === 'string' ? 'string ' : ''}"${k}"`);
  throw new JqError(`Cannot index ${typeOf(v)} with ${typeOf(k)}`);
}

export function indicesOf(v: Json[], sub: Json[]): Json {
  const out: number[] = [];
  if (sub.length === 0) return null;
  for (let i = 0; i + sub.length <= v.length; i++) if (sub.every((x, j) => equals(v[i + j]!, x))) out.push(i);
  return out;
}

function sliceBounds(len: number, from: Json, to: Json): [number, number] {
  if ((from !== null && typeof from !== 'number') || (to !== null && typeof to !== 'number')) throw new JqError('Start and end indices of an array slice must be numbers');
  let s = from === null ? 0 : Math.floor(from);
  let e = to === null ? len : Math.ceil(to);
  if (s < 0) s = Math.max(0, len + s);
  if (e < 0) e = Math.max(0, len + e);
  s = Math.min(s, len);
  e = Math.max(s, Math.min(e, len));
  return [s, e];
}

export function slice(v: Json, from: Json, to: Json): Json {
  if (v === null) return null;
  if (Array.isArray(v)) {
    const [s, e] = sliceBounds(v.length, from, to);
    return v.slice(s, e);
  }
  if (typeof v === 'string') {
    const cps = codePoints(v);
    const [s, e] = sliceBounds(cps.length, from, to);
    return cps.slice(s, e).join('');
  }
  throw new JqError(`Cannot index ${typeOf(v)} with object`);
}

export function iterate(v: Json, emit: Emit): void {
  if (Array.isArray(v)) for (const x of v) emit(x);
  else if (isObject(v)) for (const k in v) emit(v[k]!);
  else throw new JqError(`Cannot iterate over ${describe(v)}`);
}

export function add(a: Json, b: Json): Json {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.concat(b);
  if (isObject(a) && isObject(b)) {
    const out: JsonObject = { ...a };
    for (const k in b) setKey(out, k, b[k]!);
    return out;
  }
  throw new JqError(`${describe(a)} and ${describe(b)} cannot be added`);
}

function deepMerge(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const k in b) {
    const x = out[k];
    const y = b[k]!;
    setKey(out, k, hasKey(out, k) && isObject(x!) && isObject(y) ? deepMerge(x as JsonObject, y) : y);
  }
  return out;
}

export function arith(op: string, a: Json, b: Json): Json {
  switch (op) {
    case '+':
      return add(a, b);
    case '-':
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      if (Array.isArray(a) && Array.isArray(b)) return a.filter((x) => !b.some((y) => equals(x, y)));
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be subtracted`);
    case '*':
      if (typeof a === 'number' && typeof b === 'number') return a * b;
      if (typeof a === 'string' && typeof b === 'number') return b > 0 ? a.repeat(Math.max(1, Math.ceil(b))) : null;
      if (typeof a === 'number' && typeof b === 'string') return a > 0 ? b.repeat(Math.max(1, Math.ceil(a))) : null;
      if (isObject(a) && isObject(b)) return deepMerge(a, b);
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be multiplied`);
    case '/':
      if (typeof a === 'number' && typeof b === 'number') {
        if (b === 0) throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
        return a / b;
      }
      if (typeof a === 'string' && typeof b === 'string') return splitString(a, b);
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
    case '%': {
      if (typeof a === 'number' && typeof b === 'number') {
        const bi = Math.trunc(b);
        if (bi === 0) throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
        const r = Math.trunc(a) % Math.abs(bi);
        return r === 0 ? 0 : r;
      }
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
    }
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case '<':
      return compare(a, b) < 0;
    case '<=':
      return compare(a, b) <= 0;
    case '>':
      return compare(a, b) > 0;
    default:
      return compare(a, b) >= 0;
  }
}

export function splitString(s: string, sep: string): Json[] {
  if (s === '') return [];
  if (sep === '') return codePoints(s);
  return s.split(sep);
}

// --- paths ---------------------------------------------------------------------------------------

export function getPath(v: Json, path: readonly Json[]): Json {
  let cur = v;
  for (const k of path) {
    if (cur === null) return null;
    cur = index(cur, k);
  }
  return cur;
}

export function setPath(v: Json, path: readonly Json[], x: Json, i = 0): Json {
  if (i === path.length) return x;
  const k = path[i]!;
  if (typeof k === 'string') {
    if (v !== null && !isObject(v)) throw new JqError(`Cannot index ${typeOf(v)} with "${k}"`);
    const o: JsonObject = { ...(v ?? {}) };
    setKey(o, k, setPath(getKey(o, k), path, x, i + 1));
    return o;
  }
  if (typeof k === 'number') {
    if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeOf(v)} with number`);
    const a = [...(v ?? [])];
    const at = k < 0 ? a.length + k : Math.trunc(k);
    if (at < 0) throw new JqError('Out of bounds negative array index');
    while (a.length < at) a.push(null);
    a[at] = setPath(at < a.length ? a[at]! : null, path, x, i + 1);
    return a;
  }
  if (isObject(k)) {
    if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot update field at object index of ${typeOf(v)}`);
    const a = v ?? [];
    const [s, e] = sliceBounds(a.length, getKey(k, 'start'), getKey(k, 'end'));
    const repl = setPath(a.slice(s, e), path, x, i + 1);
    if (!Array.isArray(repl)) throw new JqError('A slice of an array can only be assigned another array');
    return [...a.slice(0, s), ...repl, ...a.slice(e)];
  }
  throw new JqError(`Invalid path component ${toJson(k)}`);
}

function deletePath(v: Json, path: readonly Json[]): Json {
  if (v === null || path.length === 0) return path.length === 0 ? null : v;
  const [k, ...rest] = path as [Json, ...Json[]];
  if (rest.length) {
    const child = index(v, k);
    if (child === null) return v;
    return setPath(v, [k], deletePath(child, rest));
  }
  if (typeof k === 'string') {
    if (!isObject(v)) throw new JqError(`Cannot delete field at object index of ${typeOf(v)}`);
    const o: JsonObject = {};
    for (const key in v) if (key !== k) setKey(o, key, v[key]!);
    return o;
  }
  if (typeof k === 'number') {
    if (!Array.isArray(v)) throw new JqError(`Cannot delete field at index of ${typeOf(v)}`);
    const at = k < 0 ? v.length + k : Math.trunc(k);
    return at >= 0 && at < v.length ? [...v.slice(0, at), ...v.slice(at + 1)] : v;
  }
  if (isObject(k) && Array.isArray(v)) {
    const [s, e] = sliceBounds(v.length, getKey(k, 'start'), getKey(k, 'end'));
    return [...v.slice(0, s), ...v.slice(e)];
  }
  throw new JqError(`Invalid path component ${toJson(k)}`);
}

/** Deletes the longest paths first, so earlier deletions do not shift later ones (as jq does). */
export function deletePaths(v: Json, paths: Json[][]): Json {
  const sorted = [...paths].sort((a, b) => compare(b, a));
  let out = v;
  for (const p of sorted) out = deletePath(out, p);
  return out;
}

const keyToJson = (k: PathKey): Json => (typeof k === 'object' ? { start: k.start, end: k.end } : k);
export const pathToJson = (p: Path): Json[] => p.map(keyToJson);

/** All paths a path expression selects, as JSON arrays. */
export function pathsOf(f: Compiled, input: Json, env: Env): Json[][] {
  const out: Json[][] = [];
  f.path()(input, [], env, (_v, p) => out.push(pathToJson(p)));
  return out;
}

// --- the compiler --------------------------------------------------------------------------------

export class Compiler {
  constructor(private readonly natives: ReadonlyMap<string, Native>) {}

  compile(node: Node, scope: Scope = null): Compiled {
    switch (node.t) {
      case 'identity':
        return fromOne((i) => i, () => (i, p, _e, emit) => emit(i, p));
      case 'recurse':
        return this.native('recurse/0', []);
      case 'literal': {
        const v = node.value;
        return fromOne(() => v);
      }
      case 'var': {
        if (node.name === 'ENV' && !lookupScope(scope, 'var', '$ENV')) return fromOne(() => ({}));
        if (!lookupScope(scope, 'var', '$' + node.name)) throw new JqCompileError(`$${node.name} is not defined`);
        const key = '$' + node.name;
        return fromOne((_i, env) => env.lookup(key) as Json);
      }
      case 'index':
        return this.index(node.target, node.index, scope);
      case 'slice':
        return this.slice(node, scope);
      case 'iterate': {
        const target = this.compile(node.target, scope);
        const tOne = target.one;
        const value: Filter = tOne
          ? (i, env, emit) => iterate(tOne(i, env), emit)
          : (i, env, emit) => target.value(i, env, (v) => iterate(v, emit));
        return fromFilter(value, () => {
          const tp = target.path();
          return (i, p, env, emit) =>
            tp(i, p, env, (v, vp) => {
              if (v === null) return;
              if (Array.isArray(v)) v.forEach((x, k) => emit(x, [...vp, k]));
              else if (isObject(v)) for (const k in v) emit(v[k]!, [...vp, k]);
              else throw new JqError(`Cannot iterate over ${describe(v)}`);
            });
        });
      }
      case 'try':
        return this.tryCatch(node.body, node.handler, scope);
      case 'array': {
        if (!node.body) return fromOne(() => []);
        const body = this.compile(node.body, scope);
        return fromOne((i, env) => collect(body, i, env));
      }
      case 'object':
        return this.object(node, scope);
      case 'string':
        return this.string(node, scope);
      case 'format':
        return this.format(node.name);
      case 'neg': {
        const body = this.compile(node.body, scope);
        const neg = (v: Json): Json => {
          if (typeof v !== 'number') throw new JqError(`${describe(v)} cannot be negated`);
          return -v;
        };
        const bOne = body.one;
        if (bOne) return fromOne((i, env) => neg(bOne(i, env)));
        return fromFilter((i, env, emit) => body.value(i, env, (v) => emit(neg(v))));
      }
      case 'pipe': {
        const l = this.compile(node.left, scope);
        const r = this.compile(node.right, scope);
        const path = () => {
          const lp = l.path();
          const rp = r.path();
          return (i: Json, p: Path, env: Env, emit: PathEmit) => lp(i, p, env, (v, vp) => rp(v, vp, env, emit));
        };
        const lOne = l.one;
        const rOne = r.one;
        if (lOne && rOne) return fromOne((i, env) => rOne(lOne(i, env), env), path);
        if (lOne) return fromFilter((i, env, emit) => r.value(lOne(i, env), env, emit), path);
        return fromFilter((i, env, emit) => l.value(i, env, (v) => r.value(v, env, emit)), path);
      }
      case 'comma': {
        const l = this.compile(node.left, scope);
        const r = this.compile(node.right, scope);
        return fromFilter(
          (i, env, emit) => {
            l.value(i, env, emit);
            r.value(i, env, emit);
          },
          () => {
            const lp = l.path();
            const rp = r.path();
            return (i, p, env, emit) => {
              lp(i, p, env, emit);
              rp(i, p, env, emit);
            };
          },
        );
      }
      case 'alt':
        return this.alternative(node.left, node.right, scope);
      case 'and':
      case 'or': {
        const l = this.compile(node.left, scope);
        const r = this.compile(node.right, scope);
        const isAnd = node.t === 'and';
        const decide = (a: Json, i: Json, env: Env, emit: Emit) => {
          if (truthy(a) !== isAnd) emit(!isAnd);
          else r.value(i, env, (b) => emit(truthy(b)));
        };
        const lOne = l.one;
        const rOne = r.one;
        if (lOne && rOne) return fromOne((i, env) => (isAnd ? truthy(lOne(i, env)) && truthy(rOne(i, env)) : truthy(lOne(i, env)) || truthy(rOne(i, env))));
        return fromFilter((i, env, emit) => l.value(i, env, (a) => decide(a, i, env, emit)));
      }
      case 'binop':
        return this.binop(node.op, node.left, node.right, scope);
      case 'assign':
        return this.assign(node, scope);
      case 'if':
        return this.ifThen(node, scope);
      case 'reduce':
      case 'foreach':
        return this.fold(node, scope);
      case 'bind':
        return this.bind(node, scope);
      case 'def':
        return this.def(node, scope);
      case 'call':
        return this.call(node, scope);
    }
  }

  private index(targetNode: Node, indexNode: Node, scope: Scope): Compiled {
    const target = this.compile(targetNode, scope);
    const idx = this.compile(indexNode, scope);
    const path = () => {
      const tp = target.path();
      return (i: Json, p: Path, env: Env, emit: PathEmit) =>
        tp(i, p, env, (v, vp) => {
          for (const k of collect(idx, i, env)) emit(v === null ? null : index(v, k), [...vp, k as PathKey]);
        });
    };
    const tOne = target.one;
    const iOne = idx.one;
    if (indexNode.t === 'literal' && tOne) {
      const k = indexNode.value;
      // The hot path: `.a.b.c` is a chain of these, one property read each.
      if (typeof k === 'string') {
        return fromOne((i, env) => {
          const v = tOne(i, env);
          return isObject(v) ? (hasKey(v, k) ? v[k]! : null) : index(v, k);
        }, path);
      }
      return fromOne((i, env) => index(tOne(i, env), k), path);
    }
    if (tOne && iOne) return fromOne((i, env) => index(tOne(i, env), iOne(i, env)), path);
    return fromFilter((i, env, emit) => target.value(i, env, (v) => idx.value(i, env, (k) => emit(index(v, k)))), path);
  }

  private slice(node: Extract<Node, { t: 'slice' }>, scope: Scope): Compiled {
    const target = this.compile(node.target, scope);
    const from = node.from ? this.compile(node.from, scope) : null;
    const to = node.to ? this.compile(node.to, scope) : null;
    const bounds = (i: Json, env: Env, each: (f: Json, t: Json) => void) => {
      for (const t of to ? collect(to, i, env) : [null]) for (const f of from ? collect(from, i, env) : [null]) each(f, t);
    };
    return fromFilter(
      (i, env, emit) => target.value(i, env, (v) => bounds(i, env, (f, t) => emit(slice(v, f, t)))),
      () => {
        const tp = target.path();
        return (i, p, env, emit) => tp(i, p, env, (v, vp) => bounds(i, env, (f, t) => emit(slice(v, f, t), [...vp, { start: f, end: t }])));
      },
    );
  }

  /** `try body catch handler` and `body?`: outputs before the error are kept; errors raised downstream pass. */
  private tryCatch(bodyNode: Node, handlerNode: Node | null, scope: Scope): Compiled {
    const body = this.compile(bodyNode, scope);
    const handler = handlerNode ? this.compile(handlerNode, scope) : null;
    const run = <T>(produce: (sink: (x: T) => void) => void, emit: (x: T) => void, onError: (e: JqError) => void) => {
      const out: T[] = [];
      let failed: JqError | null = null;
      try {
        produce((x) => out.push(x));
      } catch (e) {
        if (!(e instanceof JqError)) throw e;
        failed = e;
      }
      for (const x of out) emit(x);
      if (failed) onError(failed);
    };
    return fromFilter(
      (i, env, emit) =>
        run<Json>((sink) => body.value(i, env, sink), emit, (e) => {
          if (handler) handler.value(e.value, env, emit);
        }),
      () => {
        const bp = body.path();
        return (i, p, env, emit) =>
          run<[Json, Path]>((sink) => bp(i, p, env, (v, vp) => sink([v, vp])), ([v, vp]) => emit(v, vp), (e) => {
            if (handler) handler.value(e.value, env, () => {
              throw new JqError('Invalid path expression in catch');
            });
          });
      },
    );
  }

  /** `a // b`: the truthy outputs of a, or else the outputs of b. jq 1.6 does not suppress errors in a. */
  private alternative(leftNode: Node, rightNode: Node, scope: Scope): Compiled {
    const l = this.compile(leftNode, scope);
    const r = this.compile(rightNode, scope);
    const lOne = l.one;
    const rOne = r.one;
    const path = () => {
      const lp = l.path();
      const rp = r.path();
      return (i: Json, p: Path, env: Env, emit: PathEmit) => {
        const found: [Json, Path][] = [];
        lp(i, p, env, (v, vp) => {
          if (truthy(v)) found.push([v, vp]);
        });
        if (found.length) for (const [v, vp] of found) emit(v, vp);
        else rp(i, p, env, emit);
      };
    };
    if (lOne && rOne) {
      return fromOne((i, env) => {
        const v = lOne(i, env);
        return v !== null && v !== false ? v : rOne(i, env);
      }, path);
    }
    return fromFilter((i, env, emit) => {
      const found: Json[] = [];
      l.value(i, env, (v) => {
        if (truthy(v)) found.push(v);
      });
      if (found.length) for (const v of found) emit(v);
      else r.value(i, env, emit);
    }, path);
  }

  private binop(op: string, leftNode: Node, rightNode: Node, scope: Scope): Compiled {
    const l = this.compile(leftNode, scope);
    const r = this.compile(rightNode, scope);
    const lOne = l.one;
    const rOne = r.one;
    if (lOne && rOne) return fromOne((i, env) => arith(op, lOne(i, env), rOne(i, env)));
    // jq evaluates the right operand in the outer loop: `(1,2) + (10,20)` is 11, 12, 21, 22.
    return fromFilter((i, env, emit) => r.value(i, env, (b) => l.value(i, env, (a) => emit(arith(op, a, b)))));
  }

  private assign(node: Extract<Node, { t: 'assign' }>, scope: Scope): Compiled {
    const lhs = this.compile(node.left, scope);
    const rhs = this.compile(node.right, scope);
    const update = (input: Json, env: Env, f: (old: Json) => Json | undefined): Json => {
      let out = input;
      for (const p of pathsOf(lhs, input, env)) {
        const next = f(getPath(out, p));
        out = next === undefined ? deletePaths(out, [p]) : setPath(out, p, next);
      }
      return out;
    };
    if (node.op === '|=') return fromOne((i, env) => update(i, env, (old) => firstOf(rhs, old, env)));
    if (node.op === '=') return fromFilter((i, env, emit) => rhs.value(i, env, (v) => emit(update(i, env, () => v))));
    const op = node.op.slice(0, -1);
    return fromFilter(
      (i, env, emit) =>
        rhs.value(i, env, (v) => emit(update(i, env, (old) => (op === '//' ? (truthy(old) ? old : v) : arith(op, old, v))))),
    );
  }

  private ifThen(node: Extract<Node, { t: 'if' }>, scope: Scope): Compiled {
    const cond = this.compile(node.cond, scope);
    const then = this.compile(node.then, scope);
    const otherwise = node.else ? this.compile(node.else, scope) : this.compile({ t: 'identity' });
    const cOne = cond.one;
    const tOne = then.one;
    const eOne = otherwise.one;
    const path = () => {
      const tp = then.path();
      const ep = otherwise.path();
      return (i: Json, p: Path, env: Env, emit: PathEmit) => cond.value(i, env, (c) => (truthy(c) ? tp : ep)(i, p, env, emit));
    };
    if (cOne && tOne && eOne) return fromOne((i, env) => (truthy(cOne(i, env)) ? tOne(i, env) : eOne(i, env)), path);
    return fromFilter((i, env, emit) => cond.value(i, env, (c) => (truthy(c) ? then : otherwise).value(i, env, emit)), path);
  }

  private fold(node: Extract<Node, { t: 'reduce' | 'foreach' }>, scope: Scope): Compiled {
    const source = this.compile(node.source, scope);
    const inner = patternScope(node.pattern, scope);
    const bindPattern = this.pattern(node.pattern, scope);
    const init = this.compile(node.init, scope);
    const update = this.compile(node.update, inner);
    const extract = node.t === 'foreach' && node.extract ? this.compile(node.extract, inner) : null;
    if (node.t === 'reduce') {
      return fromFilter((i, env, emit) => init.value(i, env, (start) => {
        let state: Json = start;
        source.value(i, env, (x) => bindPattern(x, env, (benv) => {
          // The last output of the update wins; no output makes the state null (jq 1.6).
          let last: Json = null;
          update.value(state, benv, (s) => (last = s));
          state = last;
        }));
        emit(state);
      }));
    }
    return fromFilter((i, env, emit) => init.value(i, env, (start) => {
      let state: Json = start;
      source.value(i, env, (x) => bindPattern(x, env, (benv) => {
        update.value(state, benv, (s) => {
          state = s;
          if (extract) extract.value(s, benv, emit);
          else emit(s);
        });
      }));
    }));
  }

  private bind(node: Extract<Node, { t: 'bind' }>, scope: Scope): Compiled {
    const source = this.compile(node.source, scope);
    const bindPattern = this.pattern(node.pattern, scope);
    const body = this.compile(node.body, patternScope(node.pattern, scope));
    const sOne = source.one;
    const bOne = body.one;
    const simple = node.pattern.t === 'var' ? '$' + node.pattern.name : null;
    const path = () => {
      const bp = body.path();
      return (i: Json, p: Path, env: Env, emit: PathEmit) => source.value(i, env, (x) => bindPattern(x, env, (benv) => bp(i, p, benv, emit)));
    };
    if (simple && sOne && bOne) return fromOne((i, env) => bOne(i, new Env(simple, sOne(i, env), env)), path);
    return fromFilter((i, env, emit) => source.value(i, env, (x) => bindPattern(x, env, (benv) => body.value(i, benv, emit))), path);
  }

  /** Destructuring: binds every variable of the pattern (missing parts are null), once per combination. */
  private pattern(p: Pattern, scope: Scope): (v: Json, env: Env, then: (env: Env) => void) => void {
    if (p.t === 'var') {
      const key = '$' + p.name;
      return (v, env, then) => then(new Env(key, v, env));
    }
    if (p.t === 'array') {
      const items = p.items.map((it) => this.pattern(it, scope));
      return (v, env, then) => {
        if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeOf(v)} with number`);
        const step = (k: number, e: Env): void => {
          if (k === items.length) return then(e);
          items[k]!(v === null ? null : index(v, k), e, (e2) => step(k + 1, e2));
        };
        step(0, env);
      };
    }
    const entries = p.entries.map((en) => ({
      key: this.compile(en.key, scope),
      name: en.name ? '$' + en.name : null,
      value: en.value ? this.pattern(en.value, scope) : null,
    }));
    return (v, env, then) => {
      const step = (k: number, e: Env): void => {
        if (k === entries.length) return then(e);
        const en = entries[k]!;
        en.key.value(v, e, (key) => {
          if (typeof key !== 'string') throw new JqError(`Cannot index ${typeOf(v)} with ${typeOf(key)}`);
          const x = index(v, key);
          const e2 = en.name ? new Env(en.name, x, e) : e;
          if (en.value) en.value(x, e2, (e3) => step(k + 1, e3));
          else step(k + 1, e2);
        });
      };
      step(0, env);
    };
  }

  private object(node: Extract<Node, { t: 'object' }>, scope: Scope): Compiled {
    const entries = node.entries.map((e) => ({ key: this.compile(e.key, scope), value: this.compile(e.value, scope), lit: e.key.t === 'literal' ? e.key.value : undefined }));
    const checkKey = (k: Json): string => {
      if (typeof k !== 'string') throw new JqError(`Cannot use ${describe(k)} as object key`);
      return k;
    };
    if (entries.every((e) => e.key.one && e.value.one)) {
      return fromOne((i, env) => {
        const o: JsonObject = {};
        for (const e of entries) setKey(o, typeof e.lit === 'string' ? e.lit : checkKey(e.key.one!(i, env)), e.value.one!(i, env));
        return o;
      });
    }
    // The first key varies slowest: `{a: (1,2), b: (3,4)}` is a1b3, a1b4, a2b3, a2b4.
    return fromFilter((i, env, emit) => {
      const step = (k: number, acc: JsonObject): void => {
        if (k === entries.length) return emit({ ...acc });
        const e = entries[k]!;
        e.key.value(i, env, (key) => e.value.value(i, env, (v) => {
          const next = { ...acc };
          setKey(next, checkKey(key), v);
          step(k + 1, next);
        }));
      };
      step(0, {});
    });
  }

  private string(node: Extract<Node, { t: 'string' }>, scope: Scope): Compiled {
    const fmt = this.format(node.format ?? 'text').one!;
    const parts = node.parts.map((p) => (typeof p === 'string' ? p : this.compile(p, scope)));
    const text = (v: Json, env: Env): string => (node.format === null && typeof v === 'string' ? v : (fmt(v, env) as string));
    if (parts.every((p) => typeof p === 'string' || p.one)) {
      return fromOne((i, env) => {
        let s = '';
        for (const p of parts) s += typeof p === 'string' ? p : text(p.one!(i, env), env);
        return s;
      });
    }
    // The last interpolation varies slowest: `"\(1,2)-\(3,4)"` is 1-3, 2-3, 1-4, 2-4.
    return fromFilter((i, env, emit) => {
      const step = (k: number, suffix: string): void => {
        if (k < 0) return emit(suffix);
        const p = parts[k]!;
        if (typeof p === 'string') return step(k - 1, p + suffix);
        p.value(i, env, (v) => step(k - 1, text(v, env) + suffix));
      };
      step(parts.length - 1, '');
    });
  }

  private def(node: Extract<Node, { t: 'def' }>, scope: Scope): Compiled {
    const key = `${node.name}/${node.params.length}`;
    const defScope: Scope = { kind: 'function', key, next: scope };
    let bodyScope: Scope = defScope;
    for (const p of node.params) {
      const name = p.replace(/^\$/, '');
      bodyScope = { kind: 'param', key: `${name}/0`, next: bodyScope };
      if (p.startsWith('$')) bodyScope = { kind: 'var', key: p, next: bodyScope };
    }
    const fn: UserFunction = { params: node.params, body: this.compile(node.body, bodyScope) };
    const rest = this.compile(node.rest, defScope);
    const closure = (env: Env) => new Env(key, { fn, env } satisfies FunctionClosure, env);
    return fromFilter(
      (i, env, emit) => rest.value(i, closure(env), emit),
      () => {
        const rp = rest.path();
        return (i, p, env, emit) => rp(i, p, closure(env), emit);
      },
    );
  }

  private call(node: Extract<Node, { t: 'call' }>, scope: Scope): Compiled {
    const key = `${node.name}/${node.args.length}`;
    if (lookupScope(scope, 'function', key)) {
      const args = node.args.map((a) => this.compile(a, scope));
      return this.userCall(key, args);
    }
    return this.native(key, node.args.map((a) => this.compile(a, scope)));
  }

  private native(key: string, args: Compiled[]): Compiled {
    const native = this.natives.get(key);
    if (!native) throw new JqCompileError(`${key} is not defined`);
    return native(args);
  }

  /** `@name`; jq 1.6 reports an unknown format when it runs, not when it compiles. */
  private format(name: string): Compiled {
    if (this.natives.has(`@${name}/0`)) return this.native(`@${name}/0`, []);
    return fromOne(() => {
      throw new JqError(`${name} is not a valid format`);
    });
  }

  /** A call to a `def` or a filter parameter, resolved through the runtime environment. */
  private userCall(key: string, args: Compiled[]): Compiled {
    const enter = (i: Json, env: Env, then: (body: Compiled, env: Env) => void) => {
      const target = env.lookup(key) as FunctionClosure | ParamClosure;
      if ('arg' in target) return then(target.arg, target.env);
      const { fn, env: defEnv } = target;
      const self = new Env(key, target, defEnv);
      const bindParam = (k: number, e: Env): void => {
        if (k === fn.params.length) return then(fn.body, e);
        const p = fn.params[k]!;
        const name = p.replace(/^\$/, '');
        const withFilter = new Env(`${name}/0`, { arg: args[k]!, env } satisfies ParamClosure, e);
        if (!p.startsWith('$')) return bindParam(k + 1, withFilter);
        args[k]!.value(i, env, (v) => bindParam(k + 1, new Env(p, v, withFilter)));
      };
      bindParam(0, self);
    };
    return fromFilter(
      (i, env, emit) => enter(i, env, (body, benv) => body.value(i, benv, emit)),
      () => (i, p, env, emit) => enter(i, env, (body, benv) => body.path()(i, p, benv, emit)),
    );
  }
}

function patternScope(p: Pattern, scope: Scope): Scope {
  if (p.t === 'var') return { kind: 'var', key: '$' + p.name, next: scope };
  if (p.t === 'array') return p.items.reduce((s, it) => patternScope(it, s), scope);
  return p.entries.reduce<Scope>((s, en) => {
    const withName: Scope = en.name ? { kind: 'var', key: '$' + en.name, next: s } : s;
    return en.value ? patternScope(en.value, withName) : withName;
  }, scope);
}

