// Plays the demo API's side of webhooks in `port-sync dev`: every few seconds one item changes in the
// source and a signed `item.updated` delivery goes to the receiver, as a vendor would send it.
import { createHmac, randomUUID } from 'node:crypto';
import type { DemoSim } from './server';

export function signDemoDelivery(body: string, secret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-demo-delivery': randomUUID(),
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

export function startEmitter(sim: DemoSim, opts: { url: string; secret: string; everyMs: number }): () => void {
  const timer = setInterval(() => {
    const kinds = [...sim.source.keys()];
    const items = sim.source.get(kinds[Math.floor(Math.random() * kinds.length)]!) ?? [];
    const item = items[Math.floor(Math.random() * items.length)];
    if (!item) return;
    item.version += 1;
    item.name = `${item.name.replace(/ \(v\d+\)$/, '')} (v${item.version})`;
    const body = JSON.stringify({ type: 'item.updated', item });
    fetch(opts.url, { method: 'POST', headers: signDemoDelivery(body, opts.secret), body }).catch(() => undefined);
  }, opts.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
