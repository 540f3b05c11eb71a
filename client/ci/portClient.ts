// The Port client of the CI commands: region and credential names from port-sync.yaml's `port` section
// or the environment (a CI job usually has no config file: PORT_CLIENT_ID, PORT_CLIENT_SECRET,
// PORT_API_URL), and the writer's name in the User-Agent Port records as `$datasource`.
import { ConfigError } from '../../config/errors';
import type { Config } from '../../config/schema';
import { PortClient } from '../../activities/port/client';

/** A writer name goes into the User-Agent between slashes (ownership.ts). */
const WRITER = /^[A-Za-z0-9._-]+$/;

export function ciPortClient(port: Config['port'], env: NodeJS.ProcessEnv, writer: string): PortClient {
  const problems: string[] = [];
  if (!WRITER.test(writer)) problems.push(`--as "${writer}": letters, digits, ".", "_" and "-" only`);
  for (const name of [port.clientIdEnv, port.clientSecretEnv]) if (!env[name]) problems.push(`${name} is not set (Port credentials)`);
  if (problems.length > 0) throw new ConfigError('(environment)', problems);
  return new PortClient({ apiUrl: port.apiUrl, clientId: env[port.clientIdEnv]!, clientSecret: env[port.clientSecretEnv]!, integrationId: writer });
}
