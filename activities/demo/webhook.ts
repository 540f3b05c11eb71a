// Webhooks of the demo API: GitHub-style HMAC signatures, one item per delivery.
import { z } from 'zod';
import type { WebhookSpec } from '../webhook';

const itemEvent = z.object({
  type: z.literal('item.updated'),
  item: z.object({ id: z.string().min(1), kind: z.string().min(1), name: z.string(), version: z.int() }),
});

export const demoWebhook: WebhookSpec = {
  verifier: 'github',
  parse({ headers, body, receivedAt }) {
    const type = (body as { type?: unknown } | null)?.type;
    if (type !== 'item.updated') return 'ignored';
    const { item } = itemEvent.parse(body);
    const deliveryId = headers['x-demo-delivery'];
    if (typeof deliveryId !== 'string' || !deliveryId) throw new Error('missing X-Demo-Delivery header');
    return [{ deliveryId, objectKey: `${item.kind}/${item.id}`, type, receivedAt, data: { ...item } }];
  },
};
