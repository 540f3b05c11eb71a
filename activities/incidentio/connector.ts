// The source of a Port -> incident.io sync is Port: every blueprint its mapping names (the guide's
// `service` by default), read through the paginated search. Writes go to incident.io (target.ts).
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema';
import type { Connector } from '../connector';
import type { IntegrationOf } from '../connectors';
import { createPortSource } from '../port/source';

const DEFAULT_MAPPING = fileURLToPath(new URL('../../config/mappings/incidentio.yaml', import.meta.url));

export function createIncidentIoConnector(integration: IntegrationOf<'incidentio'>, env: NodeJS.ProcessEnv, port: Config['port']): Connector {
  return createPortSource({ integration: integration.id, port, env, defaultMapping: DEFAULT_MAPPING });
}
