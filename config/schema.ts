// The shape of port-sync.yaml. Secrets are never values here: only the names of the environment
// variables that hold them, so a config file can be committed and shown in logs.
import { z } from 'zod';

/** The worker's task queue unless the config names one. */
export const DEFAULT_TASK_QUEUE = 'port-sync';

/** Port's EU region; US: https://api.us.port.io. The legacy hosts api.getport.io / api.us.getport.io still answer. */
export const DEFAULT_PORT_API_URL = 'https://api.port.io';
export const DEFAULT_HUMANITEC_API_URL = 'https://api.humanitec.io';
export const DEFAULT_INCIDENT_IO_API_URL = 'https://api.incident.io';
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable (secrets are referenced, never inlined)');

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as "30s", "10m" or "1h"');

const url = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as "UTC" or "Europe/Berlin"');

const CRON_SHORTHANDS = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\d+(ms|s|m|h|d))$/;
const CRON_FIELD = /^[\d*?/,\-LW#A-Za-z]+$/;
const cron = z.string().refine((expr) => {
  const trimmed = expr.trim();
  if (CRON_SHORTHANDS.test(trimmed)) return true;
  const fields = trimmed.split(/\s+/);
  return fields.length >= 5 && fields.length <= 7 && fields.every((f) => CRON_FIELD.test(f));
}, 'a cron expression with 5 fields ("0 2 * * 1"), or "@daily", "@every 2h"');

export const scheduleSchema = z.strictObject({
  cron,
  timezone: timezone.default('UTC'),
  paused: z.boolean().default(false),
  /** Missed runs older than this are skipped after an outage (Temporal catch-up window). */
  catchupWindow: duration.default('1h'),
  /** Pause the schedule after a run fails all its retries, so an operator looks before the next one. */
  pauseOnFailure: z.boolean().default(false),
  jitter: duration.optional(),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

const webhookAuth = z.strictObject({
  /** Env var holding the shared secret or token the sender proves itself with. */
  secretEnv: envName,
});

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-", at most 63 characters'),
  /** Absent: the seed guide's schedule for the type (DEFAULT_SCHEDULES), none for others; false: no schedule (CLI, Web UI or webhook only). */
  schedule: z.union([scheduleSchema, z.literal(false)]).optional(),
  /** A port-app-config style mapping file (relative to this config file); the connector's default mapping when absent. */
  mapping: z.string().min(1).optional(),
  /** Create the blueprints the default mapping needs in Port when they are missing. */
  createBlueprints: z.boolean().default(true),
  /** Also own (and so clean up) entities of the mapped blueprints that an earlier tool, such as the seed scripts, wrote. */
  adoptExisting: z.boolean().default(false),
  webhook: webhookAuth.optional(),
};

export const demoOptionsSchema = z.strictObject({
  apiUrl: url,
  pageSize: z.int().min(1).max(1000).default(100),
  kinds: z.array(z.string().min(1)).min(1).default(['team', 'service']),
  apiKeyEnv: envName.default('DEMO_API_KEY'),
  /** Where the demo source's items go: Port (or its simulator), or the demo API's own catalog. */
  target: z.enum(['port', 'demo']).default('demo'),
});

const integrationSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('demo'), options: demoOptionsSchema }),
  z.strictObject({
    ...base,
    type: z.literal('humanitec'),
    options: z.strictObject({
      orgId: z.string().min(1),
      apiUrl: url.default(DEFAULT_HUMANITEC_API_URL),
      apiKeyEnv: envName.default('HUMANITEC_API_KEY'),
      /** Humanitec requests one sync page has in flight at once (apps, envs, graphs, group members); default 8. */
      readConcurrency: z.int().min(1).max(64).optional(),
      /** `per_page` of the paginated lists (pipelines), 1..100; default 100, the API's largest. */
      pageSize: z.int().min(1).max(100).optional(),
    }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('incidentio'),
    options: z.strictObject({
      catalogTypeId: z.string().min(1),
      apiUrl: url.default(DEFAULT_INCIDENT_IO_API_URL),
      apiKeyEnv: envName.default('INCIDENT_IO_API_KEY'),
      /**
       * Namespace of the external ids this sync writes ("port:" -> "port:<identifier>"). Entries outside it
       * are never updated or deleted. Default none: the guide's entries (external id = identifier) are adopted.
       */
      externalIdPrefix: z.string().default(''),
      /** Add mapped attributes the catalog type lacks (as String) instead of failing before any write. */
      addMissingAttributes: z.boolean().default(false),
      /** incident.io's entries per type (50,000; larger on enterprise plans): a run that would pass it fails before writing. */
      maxEntries: z.int().min(1).default(50_000),
    }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('github'),
    options: z.strictObject({
      appId: z.string().regex(/^\d+$/, 'the numeric GitHub App id'),
      privateKeyEnv: envName.default('GITHUB_APP_PRIVATE_KEY'),
      apiUrl: url.default(DEFAULT_GITHUB_API_URL),
    }),
  }),
]);
export type IntegrationConfig = z.infer<typeof integrationSchema>;
export type IntegrationType = IntegrationConfig['type'];

/** Per-API activity budget, enforced by the Temporal server for all worker replicas together. */
const apiLimitSchema = z.strictObject({
  activitiesPerSecond: z.number().positive().optional(),
  maxConcurrent: z.int().min(1).default(10),
});
export type ApiLimitConfig = z.infer<typeof apiLimitSchema>;

export const configSchema = z
  .strictObject({
    port: z
      .strictObject({
        apiUrl: url.default(DEFAULT_PORT_API_URL),
        clientIdEnv: envName.default('PORT_CLIENT_ID'),
        clientSecretEnv: envName.default('PORT_CLIENT_SECRET'),
      })
      .prefault({}),
    worker: z
      .strictObject({
        taskQueue: z.string().min(1).default(DEFAULT_TASK_QUEUE),
        maxConcurrentActivityTaskExecutions: z.int().min(1).default(50),
        maxConcurrentWorkflowTaskExecutions: z.int().min(1).default(40),
        /** Running activities get this long to finish on SIGTERM before they are cancelled. */
        shutdownGraceTime: duration.default('30s'),
        /**
         * Kinds one sync runs at once when their blueprints do not relate (relation targets always go
         * first; a custom mapping's kind that maps relations waits for every kind before it).
         * docs/engine.md, "Kinds side by side".
         */
        parallelKinds: z.int().min(1).max(16).default(2),
        /** Pages one activity handles before it reports its cursor back to the workflow (history checkpoint). */
        pagesPerActivity: z.int().min(1).default(50),
        healthPort: z.int().min(0).max(65535).default(8081),
        metricsPort: z.int().min(0).max(65535).default(9464),
      })
      .prefault({}),
    apis: z.record(z.string().regex(/^[a-z0-9-]+$/), apiLimitSchema).default({}),
    webhooks: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        port: z.int().min(0).max(65535).default(8080),
        /** Largest body accepted; GitHub routes always allow 25 MiB, GitHub's own maximum. */
        maxBodyBytes: z.int().min(1024).default(1024 * 1024),
        /** Open connections at once; more are closed as they arrive (slow or idle senders cannot exhaust sockets). */
        maxConnections: z.int().min(1).default(1024),
      })
      .prefault({}),
    events: z
      .strictObject({
        /** A per-object event workflow ends after this long without events. */
        idleTimeout: duration.default('10m'),
      })
      .prefault({}),
    integrations: z.array(integrationSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.integrations.forEach((integration, index) => {
      const first = seen.get(integration.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['integrations', index, 'id'],
          message: `duplicate id "${integration.id}" (also at integrations.${first}.id)`,
        });
      }
      seen.set(integration.id, index);
    });
  })
  .transform((cfg) => ({ ...cfg, integrations: cfg.integrations.map(withDefaultSchedule) }));

/** The schedules of the seed guides: an integration that says nothing about `schedule` runs on its guide's. */
export const DEFAULT_SCHEDULES: Partial<Record<IntegrationType, string>> = {
  humanitec: '0 2 * * 1', // the Humanitec guide's weekly GitHub Actions cron
  incidentio: '0 */2 * * *', // the incident.io guide's two-hourly one
};

function withDefaultSchedule<I extends IntegrationConfig>(integration: I): I {
  const cron = DEFAULT_SCHEDULES[integration.type];
  if (integration.schedule !== undefined || !cron) return integration;
  return { ...integration, schedule: scheduleSchema.parse({ cron }) };
}

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
