// Checks HTTP traffic against an OpenAPI document: finds the operation by method and concrete path,
// validates path and query parameters and the request body, and the response body for its status,
// with ajv (draft 2020-12 for OpenAPI 3.1, draft-07 with `nullable` rewritten for 3.0). Specs are
// data in ../shared/specs; a clone without them skips (see specPath / skipReason).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/** ../shared/specs next to the repository root. */
export const SPEC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/specs');

/** The spec file's path, or undefined when this clone has no ../shared/specs. */
export function specPath(file: string): string | undefined {
  const path = resolve(SPEC_DIR, file);
  return existsSync(path) ? path : undefined;
}

/** For `test(name, { skip: skipReason(file) }, ...)`: false when the spec is there, else why not. */
export function skipReason(file: string): string | false {
  return specPath(file) ? false : `${file} not found in ${SPEC_DIR} (a clone without ../shared): spec validation skipped`;
}

export interface HttpExchange {
  method: string;
  /** The concrete path as sent, URL-encoded segments allowed (`/v1/blueprints/svc/entities/a%2Fb`). */
  path: string;
  query?: string | URLSearchParams | Record<string, string | string[]>;
  requestBody?: unknown;
  status: number;
  responseBody?: unknown;
}

export interface Violation {
  method: string;
  path: string;
  status?: number;
  where: 'operation' | 'path' | 'query' | 'request body' | 'status' | 'response body';
  message: string;
}

export interface ValidatorOptions {
  /**
   * Property names a response may carry although the spec closes the object (additionalProperties:
   * false): for specs that omit fields the real API returns. Requests are still checked strictly.
   */
  allowExtraResponseProperties?: string[];
  /** Statuses the real API answers but the spec does not list (e.g. 429); their bodies are not checked. */
  undocumentedStatuses?: number[];
}

type Json = Record<string, unknown>;
interface Operation {
  template: string;
  pointer: string;
  op: Json;
  parameters: Array<{ param: Json; pointer: string }>;
}

const REQUEST_DOC = 'openapi-request';
const RESPONSE_DOC = 'openapi-response';
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly templates: Array<{ template: string; regex: RegExp; names: string[]; literal: number }>;
  private readonly basePaths: string[];
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(
    private readonly doc: Json,
    private readonly options: ValidatorOptions,
  ) {
    const v31 = String(doc.openapi ?? '').startsWith('3.1');
    const ajvOptions = { strict: false, validateSchema: false, allErrors: false, logger: false } as const;
    this.ajv = v31 ? new Ajv2020(ajvOptions) : new Ajv(ajvOptions);
    addFormats(this.ajv);
    for (const f of ['int32', 'int64']) this.ajv.addFormat(f, { type: 'number', validate: Number.isInteger });
    for (const f of ['float', 'double', 'byte', 'binary', 'password']) this.ajv.addFormat(f, true);

    const requestDoc = v31 ? doc : openapi30ToJsonSchema(structuredClone(doc));
    this.ajv.addSchema(requestDoc, REQUEST_DOC);
    const extra = options.allowExtraResponseProperties ?? [];
    this.ajv.addSchema(extra.length > 0 ? openUp(structuredClone(requestDoc), extra) : requestDoc, RESPONSE_DOC);

    this.basePaths = ((doc.servers as Array<{ url?: string }> | undefined) ?? [])
      .map((s) => {
        try {
          return new URL(s.url ?? '/', 'http://x').pathname.replace(/\/$/, '');
        } catch {
          return '';
        }
      })
      .filter((p) => p !== '');
    this.templates = Object.keys((doc.paths as Json | undefined) ?? {})
      .map((template) => {
        const names: string[] = [];
        const regex = new RegExp(
          '^' + template.split(/(\{[^}]+\})/).map((part) => {
            const m = /^\{([^}]+)\}$/.exec(part);
            if (m) return names.push(m[1]!), '([^/]+)';
            return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          }).join('') + '/?$',
        );
        return { template, regex, names, literal: template.replace(/\{[^}]+\}/g, '').length };
      })
      // A literal segment beats a parameter: /entities/search before /entities/{id}.
      .sort((a, b) => a.names.length - b.names.length || b.literal - a.literal);
  }

  /** Loads a YAML or JSON OpenAPI 3.0/3.1 document. */
  static load(file: string, options: ValidatorOptions = {}): OpenApiValidator {
    const text = readFileSync(file, 'utf8');
    const doc = (file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as Json;
    return new OpenApiValidator(doc, options);
  }

  /** The operation a concrete request path maps to, with its path parameters (decoded). */
  operation(method: string, path: string): (Operation & { params: Record<string, string> }) | undefined {
    const m = method.toLowerCase();
    const candidates = [path, ...this.basePaths.filter((b) => path.startsWith(b + '/')).map((b) => path.slice(b.length))];
    for (const concrete of candidates) {
      for (const t of this.templates) {
        const match = t.regex.exec(concrete);
        if (!match) continue;
        const item = (this.doc.paths as Json)[t.template] as Json;
        const op = item[m];
        if (!isObject(op)) continue;
        const pointer = `/paths/${escapePointer(t.template)}/${m}`;
        const params: Record<string, string> = {};
        t.names.forEach((name, i) => (params[name] = safeDecode(match[i + 1]!)));
        return { template: t.template, pointer, op, parameters: this.parameters(item, op, t.template, m), params };
      }
    }
    return undefined;
  }

  /** Path and query parameters and the request body. */
  validateRequest(method: string, path: string, query: HttpExchange['query'], body: unknown): Violation[] {
    const found = this.operation(method, path);
    const at = { method: method.toUpperCase(), path };
    if (!found) return [{ ...at, where: 'operation', message: `no operation ${method.toUpperCase()} ${path} in the spec` }];
    const out: Violation[] = [];
    const q = toSearchParams(query);
    for (const { param, pointer } of found.parameters) {
      const where = param.in === 'path' ? 'path' : param.in === 'query' ? 'query' : undefined;
      if (!where) continue; // headers and cookies are the client library's business
      const name = String(param.name);
      const schema = this.resolve(isObject(param.schema) ? param.schema : {});
      let raw: string[] = where === 'path' ? (found.params[name] !== undefined ? [found.params[name]!] : []) : q.getAll(name);
      if (raw.length === 0 && where === 'query') raw = q.getAll(`${name}[]`);
      if (raw.length === 0) {
        if (param.required) out.push({ ...at, where, message: `missing required ${where} parameter "${name}"` });
        continue;
      }
      const value = coerce(raw, schema);
      const errors = this.check(REQUEST_DOC, `${pointer}/schema`, value);
      if (errors) out.push({ ...at, where, message: `${where} parameter "${name}" ${errors}` });
    }
    const rb = this.deref(found.op.requestBody, `${found.pointer}/requestBody`);
    if (rb) {
      const media = jsonMedia(rb.node.content);
      if (body === undefined) {
        if (rb.node.required) out.push({ ...at, where: 'request body', message: 'missing required request body' });
      } else if (media) {
        const errors = this.check(REQUEST_DOC, `${rb.pointer}/content/${escapePointer(media)}/schema`, body);
        if (errors) out.push({ ...at, where: 'request body', message: errors });
      }
    } else if (body !== undefined) {
      out.push({ ...at, where: 'request body', message: 'the operation takes no request body' });
    }
    return out;
  }

  /** The response body against the schema of its status (or NXX, or default). */
  validateResponse(method: string, path: string, status: number, body: unknown): Violation[] {
    const found = this.operation(method, path);
    const at = { method: method.toUpperCase(), path, status };
    if (!found) return [{ ...at, where: 'operation', message: `no operation ${method.toUpperCase()} ${path} in the spec` }];
    const responses = (found.op.responses ?? {}) as Json;
    const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'].find((k) => k in responses);
    if (!key) {
      if (this.options.undocumentedStatuses?.includes(status)) return [];
      return [{ ...at, where: 'status', message: `status ${status} is not documented for ${method.toUpperCase()} ${found.template} (documented: ${Object.keys(responses).join(', ')})` }];
    }
    const res = this.deref(responses[key], `${found.pointer}/responses/${escapePointer(key)}`);
    const media = res && jsonMedia(res.node.content);
    if (!res || !media) return [];
    const mediaNode = (res.node.content as Json)[media] as Json;
    if (!isObject(mediaNode.schema)) return [];
    if (body === undefined) return status === 204 ? [] : [{ ...at, where: 'response body', message: 'empty body where the spec describes one' }];
    const errors = this.check(RESPONSE_DOC, `${res.pointer}/content/${escapePointer(media)}/schema`, body);
    return errors ? [{ ...at, where: 'response body', message: errors }] : [];
  }

  validate(x: HttpExchange): Violation[] {
    const request = this.validateRequest(x.method, x.path, x.query, x.requestBody).map((v) => ({ ...v, status: x.status }));
    return [...request, ...this.validateResponse(x.method, x.path, x.status, x.responseBody)];
  }

  validateAll(exchanges: Iterable<HttpExchange>): Violation[] {
    const out: Violation[] = [];
    for (const x of exchanges) out.push(...this.validate(x));
    return out;
  }

  // --- internals ------------------------------------------------------------------------------

  private parameters(item: Json, op: Json, template: string, method: string) {
    const byKey = new Map<string, { param: Json; pointer: string }>();
    const add = (list: unknown, pointer: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((p, i) => {
        const r = this.deref(p, `${pointer}/${i}`);
        if (r) byKey.set(`${String(r.node.in)}:${String(r.node.name)}`, { param: r.node, pointer: r.pointer });
      });
    };
    add(item.parameters, `/paths/${escapePointer(template)}/parameters`);
    add(op.parameters, `/paths/${escapePointer(template)}/${method}/parameters`);
    return [...byKey.values()];
  }

  /** Follows local $refs (#/components/...) to the node and its JSON pointer. */
  private deref(node: unknown, pointer: string): { node: Json; pointer: string } | undefined {
    for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 20; hops++) {
      pointer = node.$ref.replace(/^#/, '');
      node = pointer.split('/').slice(1).reduce<unknown>((n, part) => (isObject(n) ? n[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), this.doc);
    }
    return isObject(node) ? { node, pointer } : undefined;
  }

  private resolve(schema: Json): Json {
    return this.deref(schema, '')?.node ?? schema;
  }

  /** ajv's message for `value` against the schema at `pointer`, or undefined when it is valid. */
  private check(doc: string, pointer: string, value: unknown): string | undefined {
    const id = `${doc}#${pointer}`;
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${doc}#${encodeURI(pointer)}` });
      this.compiled.set(id, validate);
    }
    if (validate(value)) return undefined;
    return (validate.errors ?? [])
      .map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${e.instancePath || '/'} ${e.message}${extra ? ` ("${extra}")` : ''} [schema ${e.schemaPath}]`;
      })
      .join('; ');
  }
}

/** One line per violation, for assertion messages. */
export function formatViolations(violations: Violation[]): string {
  return violations
    .map((v) => `${v.method} ${v.path}${v.status !== undefined ? ` -> ${v.status}` : ''} [${v.where}] ${v.message}`)
    .join('\n');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function toSearchParams(query: HttpExchange['query']): URLSearchParams {
  if (query === undefined) return new URLSearchParams();
  if (typeof query === 'string' || query instanceof URLSearchParams) return new URLSearchParams(query);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of ([] as string[]).concat(v)) q.append(k, one);
  return q;
}

function jsonMedia(content: unknown): string | undefined {
  if (!isObject(content)) return undefined;
  return Object.keys(content).find((k) => k === 'application/json') ?? Object.keys(content).find((k) => /[/+]json\b|\*\/\*/.test(k));
}

function primaryType(schema: Json): string | undefined {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  return typeof t === 'string' ? t : undefined;
}

/** Query and path parameters arrive as strings; give them the type their schema says. */
function coerce(raw: string[], schema: Json): unknown {
  const one = (s: string, type: string | undefined): unknown => {
    if (type === 'boolean') return s === 'true' ? true : s === 'false' ? false : s;
    if ((type === 'number' || type === 'integer') && s.trim() !== '' && !Number.isNaN(Number(s))) return Number(s);
    return s;
  };
  const type = primaryType(schema);
  if (type === 'array') {
    const items = isObject(schema.items) ? primaryType(schema.items) : undefined;
    return raw.flatMap((s) => (raw.length === 1 && s.includes(',') ? s.split(',') : [s])).map((s) => one(s, items));
  }
  return one(raw[raw.length - 1]!, type);
}

/** OpenAPI 3.0 schema dialect -> JSON Schema: `nullable`, boolean exclusive bounds. */
function openapi30ToJsonSchema(node: unknown): Json {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (!isObject(n)) return n;
    for (const k of Object.keys(n)) n[k] = walk(n[k]);
    for (const [bound, exclusive] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
      if (typeof n[exclusive] === 'boolean') {
        if (n[exclusive] === true) n[exclusive] = n[bound];
        else delete n[exclusive];
        if (n[exclusive] !== undefined) delete n[bound];
      }
    }
    if (n.nullable === true) {
      delete n.nullable;
      if (typeof n.type === 'string') {
        n.type = [n.type, 'null'];
        if (Array.isArray(n.enum) && !n.enum.includes(null)) n.enum = [...n.enum, null];
      } else {
        const copy = { ...n };
        for (const k of Object.keys(n)) delete n[k];
        n.anyOf = [copy, { type: 'null' }];
      }
    }
    return n;
  };
  return walk(node) as Json;
}

/** Lets closed objects (additionalProperties: false) carry the given extra property names. */
function openUp(doc: Json, names: string[]): Json {
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isObject(n)) return;
    if (n.additionalProperties === false && isObject(n.properties)) {
      for (const name of names) if (!(name in n.properties)) n.properties[name] = {};
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(doc);
  return doc;
}

/**
 * Violations in incident.io traffic against its spec copy (incident-io-openapi3.json). Requests sent wrong
 * on purpose (4xx) must still get answers the spec allows, so only their responses are checked; so are
 * update_schema's, whose `required` list in the spec copy is CatalogTypeV3's (a generator bug; sdk-ts
 * requires only attributes and version).
 */
export function incidentIoViolations(exchanges: HttpExchange[], undocumentedStatuses = [401, 404, 422, 429]): Violation[] {
  const validator = OpenApiValidator.load(specPath('incident-io-openapi3.json')!, { undocumentedStatuses });
  return exchanges.flatMap((x) =>
    x.status >= 400 || x.path.endsWith('/actions/update_schema') ? validator.validateResponse(x.method, x.path, x.status, x.responseBody) : validator.validate(x),
  );
}