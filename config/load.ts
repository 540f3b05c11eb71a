// Loads port-sync.yaml (or, with no file, builds the config from the seed scripts' environment
// variables) and validates it before anything runs. Errors name the file, the path and what was expected.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema';
import { integrationsFromEnv } from './fromEnv';
import { ConfigError } from './errors';

export { ConfigError };

export const DEFAULT_CONFIG_FILE = 'port-sync.yaml';

export interface LoadedConfig {
  config: Config;
  /** The file read, or "environment" for zero-config. */
  source: string;
}

type Env = Record<string, string | undefined>;

/** Which file to read: --config, then PORT_SYNC_CONFIG, then ./port-sync.yaml when it exists. */
export function configPath(flag: string | undefined, env: Env = process.env, cwd = process.cwd()): string | undefined {
  const chosen = flag ?? env.PORT_SYNC_CONFIG;
  if (chosen) return resolve(cwd, chosen);
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

export function loadConfig(opts: { path?: string; env?: Env } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  if (!opts.path) {
    const input: ConfigInput = { integrations: integrationsFromEnv(env) };
    return { config: validate(input, 'environment', env), source: 'environment' };
  }
  let text: string;
  try {
    text = readFileSync(opts.path, 'utf8');
  } catch (err) {
    throw new ConfigError(opts.path, [`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const config = parseConfigText(text, opts.path, env);
  // Mapping files are named relative to the config file that names them.
  for (const integration of config.integrations) {
    if (integration.mapping) integration.mapping = resolve(dirname(opts.path), integration.mapping);
  }
  return { config, source: opts.path };
}

export function parseConfigText(text: string, source: string, env: Env = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  }
  return validate(doc.toJS() ?? {}, source, env);
}

function validate(input: unknown, source: string, env: Env): Config {
  const result = configSchema.safeParse(withApiUrlsFromEnv(input, env));
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    // zod puts the discriminator ("type") at the end of the path already; older versions did not.
    const field = issue.path.at(-1) === 'type' ? path : `${path}.type`;
    return `${field}: expected one of "demo", "humanitec", "incidentio", "github"`;
  }
  return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

const API_URL_ENV: Record<string, string> = {
  humanitec: 'HUMANITEC_API_URL',
  incidentio: 'INCIDENT_IO_API_URL',
  github: 'GITHUB_API_URL',
};

/** A base URL the file leaves out comes from its *_API_URL variable, so one config runs against simulators too. */
function withApiUrlsFromEnv(input: unknown, env: Env): unknown {
  if (!isRecord(input)) return input;
  const out: Record<string, unknown> = { ...input };
  if (env.PORT_API_URL && (out.port === undefined || isRecord(out.port))) {
    out.port = { apiUrl: env.PORT_API_URL, ...(out.port as object | undefined) };
  }
  if (Array.isArray(out.integrations)) {
    out.integrations = out.integrations.map((integration: unknown) => {
      if (!isRecord(integration) || typeof integration.type !== 'string') return integration;
      const variable = API_URL_ENV[integration.type];
      const fromEnv = variable ? env[variable] : undefined;
      if (!fromEnv || (integration.options !== undefined && !isRecord(integration.options))) return integration;
      return { ...integration, options: { apiUrl: fromEnv, ...(integration.options as object | undefined) } };
    });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
