// Port's entity-change webhooks (an automation on "entity created/updated/deleted" with a webhook
// invocation, signed with the automation's secret: verifier "port"). The event only names the entity;
// the connector re-reads it from Port, so an event never carries stale data and a redelivery is harmless.
// Accepted bodies: Port's automation context (`event.context` or `context` with `blueprintIdentifier` and
// `entityIdentifier`), or a body of one's own: `{"blueprint": "...", "identifier": "..."}`.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { WebhookSpec } from '../webhook';

const context = z.object({ blueprintIdentifier: z.string().min(1), entityIdentifier: z.string().min(1) });
const payloadSchema = z.union([
  z.looseObject({ event: z.looseObject({ context }) }).transform((p) => p.event.context),
  z.looseObject({ context }).transform((p) => p.context),
  z.looseObject({ blueprint: z.string().min(1), identifier: z.string().min(1) }).transform((p) => ({ blueprintIdentifier: p.blueprint, entityIdentifier: p.identifier })),
]);

export const portEntityWebhook: WebhookSpec = {
  verifier: 'port',
  parse({ headers, body, receivedAt }) {
    const parsed = payloadSchema.safeParse(body);
    if (!parsed.success) throw new Error('a Port entity webhook names the entity: event.context.{blueprintIdentifier,entityIdentifier} (or blueprint and identifier)');
    const { blueprintIdentifier: blueprint, entityIdentifier: identifier } = parsed.data;
    // Port sends no delivery id. The signed timestamp and the body together are one: a body of one's own
    // names only the entity, so it is the same for every change to it, and the body alone would make a
    // second change look like a redelivery of the first. A redelivery signed anew is applied again,
    // which is harmless: the entity is re-read.
    const timestamp = String(headers['x-port-timestamp'] ?? '');
    const deliveryId = createHash('sha256').update(`${timestamp}\n`).update(JSON.stringify(body)).digest('hex').slice(0, 32);
    return [{ deliveryId, objectKey: `${blueprint}/${identifier}`, type: 'entity.changed', receivedAt, data: { blueprint, identifier } }];
  },
};
