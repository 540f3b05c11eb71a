// Connector registry: integration type -> connector factory. Later issues add github and gitops here;
// a type without a connector fails its runs with a clear, final error.
import { ApplicationFailure } from '@temporalio/common';
import type { Config, IntegrationConfig, IntegrationType } from '../config/schema';
import type { Connector } from './connector';
import { createDemoConnector } from './demo/connector';
import { demoWebhook } from './demo/webhook';
import { createHumanitecConnector } from './humanitec/connector';
import { humanitecWebhook } from './humanitec/webhook';
import { createIncidentIoConnector } from './incidentio/connector';
import { portEntityWebhook } from './port/webhook';
import type { WebhookSpec } from './webhook';

export type IntegrationOf<T extends IntegrationType> = Extract<IntegrationConfig, { type: T }>;

type Factory<T extends IntegrationType> = (integration: IntegrationOf<T>, env: NodeJS.ProcessEnv, port: Config['port']) => Connector;

const FACTORIES: { [T in IntegrationType]?: Factory<T> } = {
  demo: createDemoConnector,
  humanitec: (integration, env) => createHumanitecConnector(integration, env),
  incidentio: createIncidentIoConnector,
};

const WEBHOOKS: { [T in IntegrationType]?: WebhookSpec } = {
  demo: demoWebhook,
  humanitec: humanitecWebhook,
  incidentio: portEntityWebhook,
};

/** How the receiver verifies and reads deliveries for this integration type, if it takes webhooks. */
export function webhookSpec(type: IntegrationType): WebhookSpec | undefined {
  return WEBHOOKS[type];
}

export function findIntegration(config: Config, id: string): IntegrationConfig {
  const integration = config.integrations.find((i) => i.id === id);
  if (!integration) {
    const known = config.integrations.map((i) => i.id).join(', ') || 'none';
    throw ApplicationFailure.nonRetryable(`unknown integration "${id}" (configured: ${known})`, 'UnknownIntegration');
  }
  return integration;
}

export function hasConnector(type: IntegrationType): boolean {
  return FACTORIES[type] !== undefined;
}

export function createConnector(integration: IntegrationConfig, port: Config['port'], env: NodeJS.ProcessEnv = process.env): Connector {
  const factory = FACTORIES[integration.type] as Factory<typeof integration.type> | undefined;
  if (!factory) {
    throw ApplicationFailure.nonRetryable(
      `integration "${integration.id}": the ${integration.type} connector is not part of this version yet`,
      'ConnectorUnavailable',
    );
  }
  return factory(integration as never, env, port);
}
