// jq's `@format` filters (`@base64`, `@uri`, `@csv`, ...), also used by `@fmt "...\(x)..."` strings.
import { type Json, JqError, describe, formatNumber, toJson, typeOf } from './jqValue';

export const tostring = (v: Json): string => (typeof v === 'string' ? v : toJson(v));

const HTML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' };

function row(v: Json, name: 'csv' | 'tsv', cell: (x: string) => string): string {
  if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be ${name}-formatted, only array`);
  return v
    .map((x) => {
      if (typeof x === 'number') return formatNumber(x);
      if (typeof x === 'boolean') return String(x);
      if (x === null) return '';
      if (typeof x === 'string') return cell(x);
      throw new JqError(`${describe(x)} is not valid in a ${name} row`);
    })
    .join(name === 'csv' ? ',' : '\t');
}

function shell(x: Json): string {
  if (typeof x === 'string') return `'${x.replace(/'/g, "'\\''")}'`;
  if (typeOf(x) === 'array' || typeOf(x) === 'object') throw new JqError(`${describe(x)} can not be escaped for shell`);
  return toJson(x);
}

export const FORMATS: Record<string, (v: Json) => string> = {
  text: tostring,
  json: toJson,
  html: (v) => tostring(v).replace(/[<>&'"]/g, (c) => HTML[c]!),
  uri: (v) => Array.from(new TextEncoder().encode(tostring(v)), (b) => (/[A-Za-z0-9\-_.~!*'()]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'))).join(''),
  csv: (v) => row(v, 'csv', (s) => `"${s.replace(/"/g, '""')}"`),
  tsv: (v) => row(v, 'tsv', (s) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)),
  sh: (v) => (Array.isArray(v) ? v.map(shell).join(' ') : shell(v)),
  base64: (v) => Buffer.from(tostring(v), 'utf8').toString('base64'),
  base64d: (v) => Buffer.from(tostring(v), 'base64').toString('utf8'),
};
