// `port-sync sim`: the simulators alone, with a demo organisation, until Ctrl-C.
import { randomBytes } from 'node:crypto';
import { DemoSim } from '../sim/demo/server';
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
  const port = new PortSim({ clientId: process.env.PORT_CLIENT_ID ?? 'sim-client-id', clientSecret: process.env.PORT_CLIENT_SECRET ?? randomBytes(16).toString('hex') });
  const portUrl = await port.start(opts.port ? opts.port + 1 : 0);
  process.stderr.write(
    `port-sync: Port API at ${portUrl}: PORT_API_URL=${portUrl} PORT_CLIENT_ID=${port.credentials.clientId}` +
      (process.env.PORT_CLIENT_SECRET ? ' and your PORT_CLIENT_SECRET\n' : ` PORT_CLIENT_SECRET=${port.credentials.clientSecret}\n`),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  await port.stop();
}
