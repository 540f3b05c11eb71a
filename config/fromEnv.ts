// Zero-config: the seed scripts are configured by environment variables alone, so port-sync is too.
// Each complete group of variables yields one integration with default settings; a partly set group
// is an error that names what is missing.
import { ConfigError } from './errors';
import type { ConfigInput } from './schema';

type Env = Record<string, string | undefined>;
type IntegrationInput = NonNullable<ConfigInput['integrations']>[number];

interface EnvGroup {
  id: 'humanitec' | 'incidentio' | 'github';
  required: string[];
  build(env: Env): IntegrationInput;
}

const PORT_CREDENTIALS = ['PORT_CLIENT_ID', 'PORT_CLIENT_SECRET'];

const GROUPS: EnvGroup[] = [
  {
    id: 'humanitec',
    required: ['HUMANITEC_API_KEY', 'HUMANITEC_ORG_ID'],
    build: (env) => ({
      id: 'humanitec',
      type: 'humanitec',
      schedule: { cron: '0 2 * * 1', timezone: 'UTC' },
      options: { orgId: env.HUMANITEC_ORG_ID! },
      ...(env.HUMANITEC_WEBHOOK_TOKEN ? { webhook: { secretEnv: 'HUMANITEC_WEBHOOK_TOKEN' } } : {}),
    }),
  },
  {
    id: 'incidentio',
    required: ['INCIDENT_IO_API_KEY', 'INCIDENT_IO_CATALOG_TYPE_ID'],
    build: (env) => ({
      id: 'incidentio',
      type: 'incidentio',
      schedule: { cron: '0 */2 * * *', timezone: 'UTC' },
      options: { catalogTypeId: env.INCIDENT_IO_CATALOG_TYPE_ID! },
      ...(env.PORT_WEBHOOK_SECRET ? { webhook: { secretEnv: 'PORT_WEBHOOK_SECRET' } } : {}),
    }),
  },
  {
    id: 'github',
    required: ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_WEBHOOK_SECRET'],
    build: (env) => ({
      id: 'github',
      type: 'github',
      schedule: { cron: '0 3 * * *', timezone: 'UTC' },
      options: { appId: env.GITHUB_APP_ID! },
      webhook: { secretEnv: 'GITHUB_WEBHOOK_SECRET' },
    }),
  },
];

const isSet = (env: Env, name: string) => (env[name] ?? '').trim() !== '';

export function integrationsFromEnv(env: Env): IntegrationInput[] {
  const problems: string[] = [];
  const integrations: IntegrationInput[] = [];
  for (const group of GROUPS) {
    const present = group.required.filter((name) => isSet(env, name));
    if (present.length === 0) continue;
    const missing = group.required.filter((name) => !isSet(env, name));
    if (missing.length > 0) {
      problems.push(`${missing.join(', ')} must be set together with ${present.join(', ')} (integration "${group.id}")`);
      continue;
    }
    integrations.push(group.build(env));
  }
  const portMissing = PORT_CREDENTIALS.filter((name) => !isSet(env, name));
  if (portMissing.length === 1 || (portMissing.length === 2 && integrations.length > 0)) {
    problems.push(`${portMissing.join(', ')} must be set: every integration reads or writes Port`);
  }
  if (problems.length > 0) throw new ConfigError('environment', problems);
  return integrations;
}
