// A Port simulator holding the guide's `service` blueprint and N services, an incident.io simulator with
// the guide's catalog type (attributes url, readme, language, lifecycle, type, plus one the sync does
// not map), and a config whose only integration syncs the one into the other.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { configSchema, type Config } from '../../config/schema';
import { IncidentIoSim, type CatalogType, type IncidentIoSimOptions } from '../../sim/incidentio/server';
import { createServiceType, GUIDE_ATTRIBUTES, putServiceBlueprint } from '../../sim/incidentio/demo';
import { PortSim } from '../../sim/port/server';
import { registerSecret } from '../../worker/logger';
import { uniqueId } from './temporal';

export { GUIDE_ATTRIBUTES };
const LANGUAGES = ['Python', 'Go', 'TypeScript', 'Java'];
const LIFECYCLES = ['Production', 'Experimental', 'Deprecated']; // the blueprint's enum (sim/incidentio/demo.ts)

export interface IncidentIoSetup {
  port: PortSim;
  incident: IncidentIoSim;
  type: CatalogType;
  apiKey: string;
  /** Secret of the integration's Port webhook (x-port-signature). */
  webhookSecret: string;
  integration: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  /** Stops both simulators. */
  stop(): Promise<void>;
}

export interface ServiceInput {
  identifier: string;
  title?: string;
  properties: Record<string, unknown>;
}

/** The i-th service: every guide property set, except a few with gaps (empty readme, no language). */
export function service(i: number): ServiceInput {
  return {
    identifier: `svc-${String(i).padStart(5, '0')}`,
    title: `Service ${i}`,
    properties: {
      url: `https://git.example.com/svc-${i}`,
      readme: i % 97 === 0 ? '' : `# Service ${i}`,
      ...(i % 89 === 0 ? {} : { language: LANGUAGES[i % LANGUAGES.length] }),
      lifecycle: LIFECYCLES[i % LIFECYCLES.length],
      type: i % 2 === 0 ? 'backend' : 'frontend',
    },
  };
}

export function putService(port: PortSim, s: ServiceInput) {
  port.putEntity('service', { identifier: s.identifier, ...(s.title !== undefined ? { title: s.title } : {}), properties: s.properties });
}

export async function incidentIoSetup(
  opts: { services?: number; incident?: IncidentIoSimOptions; integrationOptions?: Record<string, unknown>; mapping?: string } = {},
): Promise<IncidentIoSetup> {
  const port = new PortSim();
  putServiceBlueprint(port);
  for (let i = 0; i < (opts.services ?? 0); i++) putService(port, service(i));
  const apiKey = `inc-key-${randomBytes(12).toString('hex')}`;
  const webhookSecret = `port-whsec-${randomBytes(12).toString('hex')}`;
  registerSecret(apiKey);
  registerSecret(webhookSecret);
  const incident = new IncidentIoSim({ apiKey, rateLimit: false, ...opts.incident });
  const type = createServiceType(incident, undefined, [{ id: 'oncall-notes', name: 'On-call notes', type: 'Text' }]);
  const integration = uniqueId('incidentio');
  const prefix = integration.replace(/-/g, '_').toUpperCase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [`${prefix}_PORT_ID`]: port.credentials.clientId,
    [`${prefix}_PORT_SECRET`]: port.credentials.clientSecret,
    [`${prefix}_KEY`]: apiKey,
    [`${prefix}_WEBHOOK`]: webhookSecret,
  };
  registerSecret(port.credentials.clientSecret);
  const config = configSchema.parse({
    port: { apiUrl: await port.start(), clientIdEnv: `${prefix}_PORT_ID`, clientSecretEnv: `${prefix}_PORT_SECRET` },
    worker: { taskQueue: uniqueId('tq'), healthPort: 0, metricsPort: 0, shutdownGraceTime: '2s' },
    webhooks: { host: '127.0.0.1', port: 0 },
    integrations: [
      {
        id: integration,
        type: 'incidentio',
        options: { catalogTypeId: type.id, apiUrl: await incident.start(), apiKeyEnv: `${prefix}_KEY`, ...opts.integrationOptions },
        ...(opts.mapping ? { mapping: opts.mapping } : {}),
        webhook: { secretEnv: `${prefix}_WEBHOOK` },
      },
    ],
  });
  const stop = async () => {
    await port.stop();
    await incident.stop();
  };
  return { port, incident, type, apiKey, webhookSecret, integration, config, env, stop };
}

/** Attribute id by name in the setup's type. */
export function attributeIds(type: CatalogType): Record<string, string> {
  return Object.fromEntries(type.schema.attributes.map((a) => [a.name, a.id]));
}

/** Headers Port sends with a webhook signed by the automation's secret. */
export function portSignature(body: string, secret: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return { 'x-port-timestamp': timestamp, 'x-port-signature': `v1,${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64')}` };
}

/** A small type for API-level tests: a Number, an array and a String attribute, with fixed ids. */
export function createTestType(sim: IncidentIoSim): CatalogType {
  return sim.createType({
    name: 'Service',
    description: 'Services from Port',
    attributes: [
      { id: 'tier', name: 'Tier', type: 'Number' },
      { id: 'owners', name: 'Owners', type: 'String', array: true },
      { id: 'url', name: 'URL', type: 'String' },
    ],
  });
}

/**
 * A port-app-config file of one's own: per kind (a Port blueprint, written to as itself), the attribute
 * values to map, by attribute name -> JQ. Identifier and title map as the guide does.
 */
export function writeMapping(kinds: Record<string, Record<string, string>>): string {
  const resources = Object.entries(kinds).map(([kind, properties]) => ({
    kind,
    selector: { query: 'true' },
    port: { entity: { mappings: { identifier: '.identifier', title: '.title', blueprint: `"${kind}"`, properties } } },
  }));
  const file = join(mkdtempSync(join(tmpdir(), 'incidentio-mapping-')), 'mapping.yaml');
  writeFileSync(file, YAML.stringify({ resources }));
  return file;
}
