// jq's regular expressions (Oniguruma, Perl syntax) on JavaScript's RegExp. Both anchor `^`/`$` at the
// whole string and keep `.` off newlines; jq's `p` flag lets `.` match them (JS `s`), `x` allows whitespace and
// comments, `n` skips empty matches, and jq's offsets count code points, not UTF-16 units.
import { type Json, type JsonObject, JqError, describe, stringLength } from './jqValue';

export interface RegexOptions {
  global: boolean;
  skipEmpty: boolean;
  re: RegExp;
}

const cache = new Map<string, RegexOptions>();

export function compileRegex(input: Json, source: Json, flags: Json): RegexOptions {
  if (typeof input !== 'string') throw new JqError(`${describe(input)} cannot be matched, as it is not a string`);
  if (typeof source !== 'string') throw new JqError(`${describe(source)} cannot be matched, as it is not a string`);
  if (flags !== null && typeof flags !== 'string') throw new JqError(`${describe(flags)} is not a string`);
  const key = `${flags ?? ''}/${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let js = 'gdu';
  let pattern = source;
  for (const f of flags ?? '') {
    if (f === 'i') js += 'i';
    else if (f === 'p') js += 's';
    else if (f === 'x') pattern = stripExtended(pattern);
    else if (!'gnls'.includes(f)) throw new JqError(`${flags} is not a valid modifier string`);
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, js);
  } catch {
    // Unicode mode refuses some escapes Oniguruma accepts (`\-` outside a class); try without it.
    try {
      re = new RegExp(pattern, js.replace('u', ''));
    } catch (e) {
      throw new JqError(`${source} (at offset 0) is not a valid regex: ${(e as Error).message}`);
    }
  }
  const compiled = { re, global: (flags ?? '').includes('g'), skipEmpty: (flags ?? '').includes('n') };
  if (cache.size > 1000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

/** Extended mode: drop unescaped whitespace and `#` comments outside character classes. */
function stripExtended(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      out += c + (p[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

/** jq's match objects: `{offset, length, string, captures: [{offset, length, string, name}]}`. */
export function matches(input: string, opts: RegexOptions): JsonObject[] {
  const { re } = opts;
  const names = groupNames(re);
  const out: JsonObject[] = [];
  const cpIndex = /[\ud800-\udfff]/.test(input) ? (i: number) => stringLength(input.slice(0, i)) : (i: number) => i;
  re.lastIndex = 0;
  for (const m of input.matchAll(re)) {
    if (opts.skipEmpty && m[0] === '') continue;
    const start = m.index;
    const captures: Json[] = [];
    const d = (m as RegExpMatchArray & { indices?: [number, number][] }).indices;
    for (let g = 1; g < m.length; g++) {
      const s = m[g];
      if (s === undefined) captures.push({ offset: -1, length: 0, string: null, name: names[g] ?? null });
      else {
        const at = d?.[g]?.[0] ?? input.indexOf(s, start);
        captures.push({ offset: cpIndex(at), length: stringLength(s), string: s, name: names[g] ?? null });
      }
    }
    out.push({ offset: cpIndex(start), length: stringLength(m[0]), string: m[0], captures });
    if (!opts.global) break;
  }
  return out;
}

const namesCache = new WeakMap<RegExp, (string | undefined)[]>();

/** Group number -> name, read from the pattern (JS gives names only per match, and not their order). */
function groupNames(re: RegExp): (string | undefined)[] {
  const hit = namesCache.get(re);
  if (hit) return hit;
  const names: (string | undefined)[] = [undefined];
  const src = re.source;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (src[i + 1] !== '?') names.push(undefined);
      else {
        const named = /^\?<([a-zA-Z_][a-zA-Z0-9_]*)>/.exec(src.slice(i + 1));
        if (named) names.push(named[1]);
      }
    }
  }
  namesCache.set(re, names);
  return names;
}
