// JSON values as jq 1.6 sees them: type names, truthiness, ordering, equality and printing.
// Kept apart from the evaluator so builtins and the evaluator share one definition of each rule.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A jq runtime error: `value` is what `error(v)` raised or the message jq would print. */
export class JqError extends Error {
  constructor(readonly value: Json) {
    super(typeof value === 'string' ? value : `${toJson(value)} (not a string)`);
  }
}

export function typeOf(v: Json): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as 'boolean' | 'number' | 'string' | 'object';
}

export const isObject = (v: Json): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
export const truthy = (v: Json): boolean => v !== null && v !== false;

/** Own keys only: a JS prototype property such as "toString" is never a jq key. */
export const hasKey = (o: JsonObject, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
export const getKey = (o: JsonObject, k: string): Json => (hasKey(o, k) ? o[k]! : null);

/** Sets a key without ever touching the prototype (a "__proto__" key is plain data in jq). */
export function setKey(o: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** jq sorts object keys by code point. */
export const sortedKeys = (o: JsonObject): string[] => Object.keys(o).sort(compareStrings);

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ORDER = { null: 0, boolean: 1, number: 3, string: 4, array: 5, object: 6 } as const;
const rank = (v: Json): number => (v === true ? 2 : ORDER[typeOf(v)]);

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: Json, b: Json): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return a - (b as number) || 0;
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (Array.isArray(a)) {
    const bb = b as Json[];
    for (let i = 0; i < a.length && i < bb.length; i++) {
      const c = compare(a[i]!, bb[i]!);
      if (c) return c;
    }
    return a.length - bb.length;
  }
  if (isObject(a)) {
    const bo = b as JsonObject;
    const ka = sortedKeys(a);
    const keysOrder = compare(ka, sortedKeys(bo));
    if (keysOrder) return keysOrder;
    for (const k of ka) {
      const c = compare(a[k]!, bo[k]!);
      if (c) return c;
    }
  }
  return 0;
}

export const equals = (a: Json, b: Json): boolean => a === b || compare(a, b) === 0;

/** Numbers as jq 1.6 prints them (its dtoa "g" format): 1e+17, 1.5e-07, 15000000000000000. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'null';
  if (n === Infinity) n = Number.MAX_VALUE;
  if (n === -Infinity) n = -Number.MAX_VALUE;
  if (Object.is(n, -0)) return '-0';
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return String(n);
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const decpt = Number(exp) + 1;
  if (decpt <= -4 || decpt > digits.length + 15) {
    const e = decpt - 1;
    const mag = String(Math.abs(e)).padStart(2, '0');
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${e < 0 ? '-' : '+'}${mag}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return sign + digits + '0'.repeat(decpt - digits.length);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Compact JSON text as `jq -c` and `tojson` write it. */
export function toJson(v: Json): string {
  switch (typeOf(v)) {
    case 'null':
      return 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatNumber(v as number);
    case 'string':
      return JSON.stringify(v).replace(/\u007f/g, '\\u007f');
    case 'array':
      return `[${(v as Json[]).map(toJson).join(',')}]`;
    default: {
      const o = v as JsonObject;
      return `{${Object.keys(o).map((k) => `${JSON.stringify(k)}:${toJson(o[k]!)}`).join(',')}}`;
    }
  }
}

/** How jq quotes a value inside an error message: JSON cut to 14 characters, as jq's 15-byte buffer does. */
export function errorText(v: Json): string {
  const text = toJson(v);
  return text.length > 14 ? text.slice(0, 11) + '...' : text;
}

/** `type (value)` as jq's messages say it, e.g. `string ("a")`. */
export const describe = (v: Json): string => `${typeOf(v)} (${errorText(v)})`;

/** Code points, which jq counts and slices strings by (JS counts UTF-16 units). */
export const codePoints = (s: string): string[] => Array.from(s);

export function stringLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}
