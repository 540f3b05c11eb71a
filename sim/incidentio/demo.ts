// The demo organisation's Port -> incident.io half (`port-sync dev`, `port-sync sim`): the guide's
// `service` blueprint with a few dozen services in the Port simulator, and the guide's catalog type
// "Service" (attributes url, readme, language, lifecycle, type) in the incident.io simulator.
// Deterministic: the same services on every start.
import type { PortSim } from '../port/server';
import type { AttributeInput, CatalogType, IncidentIoSim } from './server';

export const GUIDE_ATTRIBUTES = ['url', 'readme', 'language', 'lifecycle', 'type'] as const;

const LIFECYCLES = ['Production', 'Experimental', 'Deprecated'];
const DOMAINS = ['checkout', 'payments', 'catalog', 'search', 'accounts', 'notifications', 'shipping', 'inventory', 'pricing', 'reviews'];
const ROLES = [
  { suffix: 'api', title: 'API', type: 'backend', languages: ['Go', 'Java', 'Python'] },
  { suffix: 'web', title: 'Web', type: 'frontend', languages: ['TypeScript'] },
  { suffix: 'worker', title: 'Worker', type: 'backend', languages: ['Python', 'Go', 'Kotlin'] },
  { suffix: 'sdk', title: 'SDK', type: 'library', languages: ['TypeScript', 'Java'] },
];

/** How many services `seedPortServices` writes: every domain with every role. */
export const DEMO_SERVICES = DOMAINS.length * ROLES.length;

export interface DemoService {
  identifier: string;
  title: string;
  properties: { url: string; readme: string; language: string; lifecycle: string; type: string };
}

/** The demo's services: `<domain>-<role>` for every domain and role, with all the guide's properties set. */
export function demoServices(): DemoService[] {
  const out: DemoService[] = [];
  DOMAINS.forEach((domain, d) =>
    ROLES.forEach((role, r) => {
      const identifier = `${domain}-${role.suffix}`;
      const n = d * ROLES.length + r;
      const title = `${domain[0]!.toUpperCase()}${domain.slice(1)} ${role.title}`;
      out.push({
        identifier,
        title,
        properties: {
          url: `https://github.com/acme/${identifier}`,
          readme: `# ${title}\n\nThe ${role.type} ${role.suffix} of the ${domain} domain.`,
          language: role.languages[n % role.languages.length]!,
          // Mostly in production; every eleventh deprecated, every seventh experimental.
          lifecycle: n % 11 === 10 ? 'Deprecated' : n % 7 === 6 ? 'Experimental' : 'Production',
          type: role.type,
        },
      });
    }),
  );
  return out;
}

/**
 * Creates the guide's `service` blueprint (or adds nothing if it exists) and writes the demo services
 * as someone else would (the UI, a seed script): no port-sync integration owns them.
 */
export function seedPortServices(port: PortSim): number {
  putServiceBlueprint(port);
  const services = demoServices();
  for (const s of services) port.putEntity('service', s);
  return services.length;
}

/** The guide's `service` blueprint (url, readme, language, lifecycle, type), unless Port has one. */
export function putServiceBlueprint(port: PortSim): void {
  if (port.blueprint('service')) return;
  port.putBlueprint({
    identifier: 'service',
    title: 'Service',
    icon: 'Service',
    schema: {
      properties: {
        url: { type: 'string', format: 'url', title: 'URL' },
        readme: { type: 'string', format: 'markdown', title: 'README' },
        language: { type: 'string', title: 'Language' },
        lifecycle: { type: 'string', enum: LIFECYCLES, title: 'Lifecycle' },
        type: { type: 'string', title: 'Type' },
      },
    },
  });
}

/**
 * The guide's catalog type: "Service" with url, readme (Text), language, lifecycle and type, then any
 * `extra` attributes; `id` fixes its id.
 */
export function createServiceType(sim: IncidentIoSim, id?: string, extra: AttributeInput[] = []): CatalogType {
  return sim.createType({
    ...(id ? { id } : {}),
    name: 'Service',
    description: 'Services from Port',
    type_name: 'Custom["Service"]',
    attributes: [...GUIDE_ATTRIBUTES.map((name) => ({ name, type: name === 'readme' ? 'Text' : 'String' })), ...extra],
  });
}
