// Structured JSON logs (pino) with secret redaction.
//
// All redaction happens in pino's `hooks.streamWrite`, on the final serialized line: it is
// parsed, passed through redactValue() and re-serialized. Doing it there (rather than in
// `formatters.log` or `redact` paths) covers everything pino writes in one place — child
// bindings, serializer output such as `err.stack`/`err.cause`, mixins, the message — and
// pino's `redact` paths cannot express "this key at any depth, case-insensitively".
// Cost: one JSON.parse + JSON.stringify per line, a few microseconds.
import pino from 'pino';

export const REDACTED = '[REDACTED]';

// Keys whose values are always hidden (case-insensitive, matched at the end of the key so
// `accessToken`, `PORT_CLIENT_SECRET`, `proxy-authorization`, `x-api-key` are caught too,
// while `tokenType` or `secretName` are not).
const SECRET_KEY =
  /(authorization|cookie|passw(or)?d|secret|token|api[-_]?key|private[-_]?key|signature(-256)?)$/i;
// RFC 6750 b64token.
const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;

const secrets = new Set<string>();
let secretPattern: RegExp | null = null; // one alternation over all registered values

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Registers a secret value to be replaced anywhere it appears. Values shorter than 4 are ignored. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  const before = secrets.size;
  secrets.add(value);
  // Tokens also end up URL-encoded in query strings and logged URLs.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  if (secrets.size === before) return;
  // Longest first: with a secret that is a prefix of another, the longer one must win,
  // or its tail would survive.
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
  secretPattern = new RegExp(alternatives.join('|'), 'g');
}

/** Registers the values of the named environment variables as secrets. */
export function registerSecretsFromEnv(env: Record<string, string | undefined>, names: string[]): void {
  for (const name of names) registerSecret(env[name]);
}

/** Replaces registered secrets and Bearer tokens in free text. */
export function redactSecrets(text: string): string {
  if (secretPattern) text = text.replace(secretPattern, REDACTED);
  return text.replace(BEARER, `$1${REDACTED}`);
}

/**
 * Deep copy of `value` with every rule applied: secret-looking keys, registered secret
 * values and Bearer tokens in any string (keys included). Errors become plain objects with
 * name/message/stack/cause and their own properties, so they print the same everywhere.
 */
export function redactValue(value: unknown): unknown {
  return walk(value, new WeakSet());
}

function walk(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, seen));
    if (value instanceof Date) return new Date(value);
    const source: Record<string, unknown> = { ...value };
    if (value instanceof Error) {
      // name/message/stack are not own-enumerable, so the spread above misses them.
      Object.assign(source, { type: value.name, message: value.message, stack: value.stack });
      if (value.cause !== undefined) source.cause = value.cause;
    }
    // fromEntries defines own properties, so even a "__proto__" key stays plain data.
    return Object.fromEntries(
      Object.entries(source).map(([key, v]) => [
        redactSecrets(key),
        SECRET_KEY.test(key) && v != null ? REDACTED : walk(v, seen),
      ]),
    );
  } finally {
    seen.delete(value); // only ancestors count as cycles; shared references are fine
  }
}

function redactLine(line: string): string {
  try {
    return JSON.stringify(redactValue(JSON.parse(line))) + '\n';
  } catch {
    return redactSecrets(line); // not JSON (cannot happen with pino's serializer): text rules
  }
}

export interface LoggerOptions {
  level?: string;
  destination?: pino.DestinationStream | NodeJS.WritableStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): pino.Logger {
  const options: pino.LoggerOptions = {
    level: opts.level || process.env.LOG_LEVEL || 'info',
    // pino only serializes Errors under `err`; `error` is a common key too, and a bare
    // Error there would otherwise be written as `{}`.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    hooks: { streamWrite: redactLine },
  };
  if (opts.name) options.name = opts.name;
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}
