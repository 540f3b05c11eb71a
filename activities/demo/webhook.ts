// Webhooks of the demo API: GitHub-style HMAC signatures, one item per delivery.
import { z } from 'zod';
import type { WebhookSpec } from '../webhook';

const itemEvent = z.object({
  type: z.literal('item.updated'),
  item: z.object({ id: z.string().min(1), kind: z.string().min(1), name: z.string(), version: z.int() }),
});

const itemsChanged = z.object({ type: z.literal('items.changed'), prefix: z.string().min(1) });

export const demoWebhook: WebhookSpec = {
  verifier: 'github',
  parse({ headers, body, receivedAt }) {
    const type = (body as { type?: unknown } | null)?.type;
    if (type !== 'item.updated' && type !== 'items.changed') return 'ignored';
    const deliveryId = headers['x-demo-delivery'];
    if (typeof deliveryId !== 'string' || !deliveryId) throw new Error('missing X-Demo-Delivery header');
    if (type === 'items.changed') {
      // Many items changed at once: the connector asks for a targeted refresh of them.
      const { prefix } = itemsChanged.parse(body);
      return [{ deliveryId, objectKey: `prefix:${prefix}`, type, receivedAt, data: { prefix } }];
    }
    const { item } = itemEvent.parse(body);
    return [{ deliveryId, objectKey: `${item.kind}/${item.id}`, type, receivedAt, data: { ...item } }];
  },
};
