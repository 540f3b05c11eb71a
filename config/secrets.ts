// The environment variables a config names as secrets, so every process can register their values
// for redaction before it logs anything.
import type { Config } from './schema';

const ALWAYS = ['TEMPORAL_API_KEY', 'PORT_CLIENT_ID', 'PORT_CLIENT_SECRET'];

export function secretEnvNames(config: Config): string[] {
  const names = new Set(ALWAYS);
  names.add(config.port.clientIdEnv);
  names.add(config.port.clientSecretEnv);
  for (const integration of config.integrations) {
    if (integration.webhook) names.add(integration.webhook.secretEnv);
    for (const [key, value] of Object.entries(integration.options)) {
      if (key.endsWith('Env') && typeof value === 'string') names.add(value);
    }
  }
  return [...names];
}
