// The JQ engine the mappings use: compile an expression once, then run it on many inputs.
// Our own compile-to-closures implementation of jq 1.6 (see docs/mapping.md for why not a library);
// tests/unit/jq-conformance.test.ts checks it against Debian's jq binary.
import { Compiler, JqCompileError, ROOT_ENV, Stop, type Compiled } from './jqEval';
import { NATIVES } from './jqBuiltins';
import { JqSyntaxError, parse } from './jqParse';
import { JqError, type Json } from './jqValue';

export { JqCompileError };

/** A runtime failure, with jq's own message (e.g. `Cannot iterate over null (null)`). */
export class JqRuntimeError extends Error {}

export interface JqProgram {
  readonly source: string;
  /** Set when the expression is a literal (`"service"`, `true`), so callers can skip running it per item. */
  readonly constant?: { value: unknown } | undefined;
  /** Every output. */
  run(input: unknown): unknown[];
  /** The first output, or `undefined` when there is none (stops the expression after it). */
  first(input: unknown): unknown;
}

const compiler = new Compiler(NATIVES);

/** Compiles `source`; throws JqCompileError with jq-like reasons (syntax errors, unknown functions/variables). */
export function compileJq(source: string): JqProgram {
  let compiled: Compiled;
  let constant: { value: unknown } | undefined;
  try {
    const tree = parse(source);
    if (tree.t === 'literal') constant = { value: tree.value };
    compiled = compiler.compile(tree);
  } catch (e) {
    if (e instanceof JqSyntaxError || e instanceof JqCompileError) throw new JqCompileError(e.message);
    throw e;
  }
  const one = compiled.one;
  return {
    source,
    constant,
    run: (input) =>
      guard(() => {
        if (one) return [one(input as Json, ROOT_ENV)];
        const out: unknown[] = [];
        compiled.value(input as Json, ROOT_ENV, (v) => out.push(v));
        return out;
      }, []),
    first: (input) =>
      guard(() => {
        if (one) return one(input as Json, ROOT_ENV);
        const stop = new Stop();
        let found: unknown;
        try {
          compiled.value(input as Json, ROOT_ENV, (v) => {
            found = v;
            throw stop;
          });
        } catch (e) {
          if (e !== stop) throw e;
        }
        return found;
      }, undefined),
  };
}

/** Maps engine failures to JqRuntimeError; a stray Stop (error(null) at the top) means no output. */
function guard<T>(run: () => T, empty: T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof JqError) throw new JqRuntimeError(e.message);
    if (e instanceof Stop) return empty;
    if (e instanceof RangeError) throw new JqRuntimeError(`expression too deeply nested or recursive (${e.message})`);
    throw e;
  }
}
