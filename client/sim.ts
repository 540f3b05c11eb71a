// `port-sync sim`: the simulators alone, with a demo organisation, until Ctrl-C.
import { randomBytes } from 'node:crypto';
import { DemoSim } from '../sim/demo/server';
import { createServiceType, seedPortServices } from '../sim/incidentio/demo';
import { IncidentIoSim } from '../sim/incidentio/server';
import { PortSim } from '../sim/port/server';

export async function runSim(opts: { port: number; items: number }): Promise<void> {
  const apiKey = process.env.DEMO_API_KEY ?? randomBytes(16).toString('hex');
  const sim = new DemoSim({ apiKey });
  sim.seed(['team', 'service'], opts.items);
  const url = await sim.start(opts.port);
  process.stderr.write(
    `port-sync: demo API at ${url} (${opts.items} items per kind)\n` +
      `port-sync: point an integration of type "demo" at it with options.apiUrl: ${url}` +
      (process.env.DEMO_API_KEY ? ' and your DEMO_API_KEY\n' : ` and DEMO_API_KEY=${apiKey}\n`),
  );
  // The Port simulator takes the credentials of the environment, so a config made for it works as is.
  // It holds the guide's `service` blueprint with a few dozen services, the source of Port -> incident.io.
  const port = new PortSim({ clientId: process.env.PORT_CLIENT_ID ?? 'sim-client-id', clientSecret: process.env.PORT_CLIENT_SECRET ?? randomBytes(16).toString('hex') });
  const services = seedPortServices(port);
  const portUrl = await port.start(opts.port ? opts.port + 1 : 0);
  process.stderr.write(
    `port-sync: Port API at ${portUrl} (${services} services of the guide's "service" blueprint): PORT_API_URL=${portUrl} PORT_CLIENT_ID=${port.credentials.clientId}` +
      (process.env.PORT_CLIENT_SECRET ? ' and your PORT_CLIENT_SECRET\n' : ` PORT_CLIENT_SECRET=${port.credentials.clientSecret}\n`),
  );
  // The incident.io simulator too: its key and the guide's catalog type "Service" (with the id in
  // INCIDENT_IO_CATALOG_TYPE_ID when set), so the zero-config `incidentio` integration runs against it.
  const incidentKey = process.env.INCIDENT_IO_API_KEY ?? randomBytes(16).toString('hex');
  const incident = new IncidentIoSim({ apiKey: incidentKey });
  const type = createServiceType(incident, process.env.INCIDENT_IO_CATALOG_TYPE_ID || undefined);
  const incidentUrl = await incident.start(opts.port ? opts.port + 2 : 0);
  process.stderr.write(
    `port-sync: incident.io API at ${incidentUrl} (catalog type "Service"): INCIDENT_IO_API_URL=${incidentUrl} INCIDENT_IO_CATALOG_TYPE_ID=${type.id}` +
      (process.env.INCIDENT_IO_API_KEY ? ' and your INCIDENT_IO_API_KEY\n' : ` INCIDENT_IO_API_KEY=${incidentKey}\n`),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  await port.stop();
  await incident.stop();
}
