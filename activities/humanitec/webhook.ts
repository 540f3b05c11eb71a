// Humanitec's webhooks (a Job of type webhook, per app: POST apps/{appId}/webhooks, SPEC WebhookRequest).
// Humanitec signs nothing: the route checks a static token the webhook sends as a custom header
// (`Authorization: Bearer …` or `X-Port-Sync-Token`, verifier "token"). The body is the webhook's payload
// template with Humanitec's placeholders filled in; the default template is
//   {"event": "${event}", "triggered_at": "${triggered_at}", "triggered_by": "${triggered_by}",
//    "org_id": "${org_id}", "app_id": "${app_id}", "env_id": "${env_id}"}
// and deployment events add deploy_id, delta_id, set_id, comment and status. A deployment (or a new env)
// becomes one event per env, which asks for a scoped resync of that env (connector.applyEvent).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { WebhookSpec } from '../webhook';
import { HUMANITEC_ID } from './connector';

/** Events that change what an env holds; any other event id is acknowledged and ignored. */
export const HUMANITEC_EVENTS = new Set(['deployment.started', 'deployment.finished', 'environment.created', 'environment.deleted']);

const humanitecId = z.string().regex(HUMANITEC_ID, 'a Humanitec id (an unfilled placeholder such as "${app_id}" is not)');

const payloadSchema = z.looseObject({
  event: z.string().min(1).optional(),
  // The default template's names, or those of Humanitec's own webhook examples (application, environment, deployment).
  app_id: humanitecId.optional(),
  env_id: humanitecId.optional(),
  deploy_id: z.string().optional(),
  application: humanitecId.optional(),
  environment: humanitecId.optional(),
  deployment: z.string().optional(),
  status: z.string().optional(),
  triggered_at: z.string().optional(),
});

export const humanitecWebhook: WebhookSpec = {
  verifier: 'token',
  parse({ body, receivedAt }) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('a Humanitec webhook body is a JSON object');
    const event = (body as { event?: unknown }).event;
    if (typeof event === 'string' && !HUMANITEC_EVENTS.has(event)) return 'ignored';
    const payload = payloadSchema.parse(body);
    const app = payload.app_id ?? payload.application;
    const env = payload.env_id ?? payload.environment;
    if (!app || !env) throw new Error('a Humanitec webhook payload needs app_id and env_id');
    const deployId = payload.deploy_id ?? payload.deployment;
    const type = payload.event ?? 'deployment';
    // Humanitec sends no delivery id; this one is stable for one event of one deployment.
    const deliveryId = createHash('sha256')
      .update(JSON.stringify([type, app, env, deployId ?? '', payload.triggered_at ?? receivedAt]))
      .digest('hex')
      .slice(0, 32);
    return [
      {
        deliveryId,
        objectKey: `${app}/${env}`,
        type,
        receivedAt,
        data: { app, env, ...(deployId ? { deployId } : {}), ...(payload.status ? { status: payload.status } : {}) },
      },
    ];
  },
};
