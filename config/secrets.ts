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

/**
 * Secrets a process will need that the environment lacks, as "<path>: <VAR> is not set". Checked at
 * start-up so a missing key stops the worker or receiver at once instead of failing every run or
 * answering every webhook 503 (GitHub would not retry those).
 */
export function missingSecrets(config: Config, env: NodeJS.ProcessEnv, need: 'worker' | 'webhooks'): string[] {
  const missing: string[] = [];
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  // Every integration reads or writes Port but the demo writing to its own catalog.
  const talksToPort = config.integrations.some((i) => !(i.type === 'demo' && i.options.target === 'demo'));
  if (need === 'worker' && talksToPort) {
    for (const key of ['clientIdEnv', 'clientSecretEnv'] as const) {
      if (!isSet(config.port[key])) missing.push(`port.${key}: ${config.port[key]} is not set`);
    }
  }
  config.integrations.forEach((integration, i) => {
    if (need === 'webhooks') {
      const name = integration.webhook?.secretEnv;
      if (name && !isSet(name)) missing.push(`integrations.${i}.webhook.secretEnv: ${name} is not set`);
      return;
    }
    for (const [key, value] of Object.entries(integration.options)) {
      if (key.endsWith('Env') && typeof value === 'string' && !isSet(value)) {
        missing.push(`integrations.${i}.options.${key}: ${value} is not set`);
      }
    }
  });
  return missing;
}
