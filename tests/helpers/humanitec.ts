// Integration-test plumbing for the Humanitec connector: a Humanitec simulator and a Port simulator of
// the test's own, a validated config whose only integration reads the one and writes the other, and
// the test oracle `expectedEntities`: the Port entities an org model must become, derived from
// docs/humanitec.md's rules over the model's own data. It deliberately shares nothing with the
// connector or its JQ mapping (no imports from activities/, no mapping file), so a bug there cannot
// hide behind the same bug here.
import { randomBytes } from 'node:crypto';
import { configSchema, type Config } from '../../config/schema';
import { generateOrg } from '../../sim/humanitec/generator';
import type { AppModel, EnvModel, OrgModel } from '../../sim/humanitec/model';
import { HumanitecSim } from '../../sim/humanitec/server';
import { PortSim, type PortSimOptions } from '../../sim/port/server';
import { registerSecret } from '../../worker/logger';
import { uniqueId } from './temporal';

export interface HumanitecSetup {
  humanitec: HumanitecSim;
  port: PortSim;
  /** The token the webhook route verifies (`Authorization: Bearer <token>`). */
  webhookToken: string;
  integration: string;
  config: Config;
  /** Environment a worker (and the webhook receiver) of this config needs. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** A Humanitec simulator (with `model`, or a small generated org) and a Port simulator, and a config joining them. */
export async function humanitecSetup(opts: { model?: OrgModel; port?: PortSimOptions; readConcurrency?: number; pageSize?: number } = {}): Promise<HumanitecSetup> {
  const model = opts.model ?? generateOrg({ seed: 1, apps: 3, envsPerApp: 3, workloadsPerEnv: 2, resourcesPerWorkload: 2 });
  const humanitec = new HumanitecSim({ model, token: `hum-token-${randomBytes(12).toString('hex')}` });
  const port = new PortSim(opts.port ?? {});
  const webhookToken = `hum-webhook-${randomBytes(12).toString('hex')}`;
  registerSecret(humanitec.token);
  registerSecret(webhookToken);
  registerSecret(port.credentials.clientSecret);
  const [humanitecUrl, portUrl] = [await humanitec.start(), await port.start()];

  const integration = uniqueId('humanitec');
  const prefix = integration.replace(/-/g, '_').toUpperCase();
  const names = { apiKey: `${prefix}_API_KEY`, webhook: `${prefix}_WEBHOOK_TOKEN`, portId: `${prefix}_PORT_ID`, portSecret: `${prefix}_PORT_SECRET` };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [names.apiKey]: humanitec.token,
    [names.webhook]: webhookToken,
    [names.portId]: port.credentials.clientId,
    [names.portSecret]: port.credentials.clientSecret,
  };
  const config = configSchema.parse({
    port: { apiUrl: portUrl, clientIdEnv: names.portId, clientSecretEnv: names.portSecret },
    worker: { taskQueue: uniqueId('tq'), healthPort: 0, metricsPort: 0, shutdownGraceTime: '2s' },
    webhooks: { host: '127.0.0.1', port: 0 },
    integrations: [
      {
        id: integration,
        type: 'humanitec',
        options: {
          orgId: humanitec.orgId,
          apiUrl: humanitecUrl,
          apiKeyEnv: names.apiKey,
          ...(opts.readConcurrency ? { readConcurrency: opts.readConcurrency } : {}),
          ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
        },
        webhook: { secretEnv: names.webhook },
      },
    ],
  });
  return {
    humanitec,
    port,
    webhookToken,
    integration,
    config,
    env,
    stop: async () => {
      await humanitec.stop();
      await port.stop();
    },
  };
}

// --- the oracle -----------------------------------------------------------------------------------

/** What one Port entity must hold: relations (many-relations sorted, absent/null/[] left out) and a few cheap fields. */
export interface ExpectedEntity {
  title?: string;
  relations: Record<string, string | string[]>;
  properties?: Record<string, unknown>;
}

export const HUMANITEC_BLUEPRINT_IDS = [
  'humanitecApplication',
  'humanitecEnvironment',
  'humanitecWorkload',
  'humanitecResourceGraph',
  'humanitecResource',
  'humanitecSecretStore',
  'humanitecSharedValue',
  'humanitecValueSetVersion',
  'humanitecDeploymentSet',
  'humanitecPipeline',
  'humanitecDeploymentDelta',
  'humanitecGroup',
  'humanitecUser',
] as const;
export type HumanitecBlueprint = (typeof HUMANITEC_BLUEPRINT_IDS)[number];
export type ExpectedEntities = Record<HumanitecBlueprint, Map<string, ExpectedEntity>>;

/**
 * The script's remove_symbols_and_title_case: every character that is not an ASCII letter, digit or
 * whitespace becomes a space, then Python's str.title() (a letter is upper-cased after a non-letter,
 * lower-cased after a letter).
 */
export function titleCase(s: string): string {
  let out = '';
  let prevLetter = false;
  for (const ch of s.replace(/[^A-Za-z0-9\s]/g, ' ')) {
    const letter = /[A-Za-z]/.test(ch);
    out += letter ? (prevLetter ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevLetter = letter;
  }
  return out;
}

/** Relations as compared: many-relations sorted and de-duplicated; null, undefined, "" and [] left out. */
export function normaliseRelations(relations: Record<string, unknown> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(relations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (Array.isArray(v)) {
      if (v.length > 0) out[k] = [...new Set(v.map(String))].sort();
    } else if (v !== null && v !== undefined && v !== '') {
      out[k] = String(v);
    }
  }
  return out;
}

/** The env's current dependency graph (its last deployment's), if it has been deployed. */
function currentGraph(env: EnvModel) {
  const id = env.last_deploy?.dependency_graph_id;
  return id ? env.graphs[id] : undefined;
}

/**
 * The Port entities `model` maps to under docs/humanitec.md, per blueprint: identifier -> relations
 * (and titles and a few properties where they are cheap to state).
 */
export function expectedEntities(model: OrgModel): ExpectedEntities {
  const out = Object.fromEntries(HUMANITEC_BLUEPRINT_IDS.map((b) => [b, new Map<string, ExpectedEntity>()])) as ExpectedEntities;
  const put = (bp: HumanitecBlueprint, id: string, e: ExpectedEntity) => {
    out[bp].set(id, { ...e, relations: normaliseRelations(e.relations) });
  };

  for (const app of model.apps) expectApp(app, put, out);

  // Secret stores: `{type} - {id}` (+ " (Primary)"); the type is the name of the configuration field set.
  for (const s of model.secretStores) {
    const type = (['awssm', 'azurekv', 'gcpsm', 'humanitec', 'vault'] as const).find((t) => s[t] !== undefined);
    put('humanitecSecretStore', s.id, { title: `${type} - ${s.id}${s.primary ? ' (Primary)' : ''}`, relations: {}, properties: { primary: s.primary } });
  }
  // Groups, and users (type "user" only: service and system subjects are not mapped) related to the groups listing them.
  for (const g of model.subjects.filter((s) => s.type === 'group')) put('humanitecGroup', g.id, { title: g.name, relations: {} });
  for (const u of model.subjects.filter((s) => s.type === 'user')) {
    const groups = Object.entries(model.groupMembers)
      .filter(([, members]) => members.includes(u.id))
      .map(([g]) => g);
    put('humanitecUser', u.id, { title: u.name, relations: { humanitecGroup: groups } });
  }
  return out;
}

function expectApp(app: AppModel, put: (bp: HumanitecBlueprint, id: string, e: ExpectedEntity) => void, out: ExpectedEntities) {
  const a = app.id;
  put('humanitecApplication', a, { title: titleCase(app.name), relations: {} });
  for (const env of app.envs) {
    const envKey = `${a}/${env.id}`;
    put('humanitecEnvironment', envKey, {
      title: env.name,
      relations: { humanitecApplication: a },
      properties: { type: env.type, lastDeploymentStatus: env.last_deploy?.status, lastDeploymentDate: env.last_deploy?.created_at },
    });
    // Workloads: active resources of type workload named modules.{w}.
    const workloads = new Set<string>();
    for (const r of env.resources) {
      const m = /^modules\.([^.]+)$/.exec(r.res_id);
      if (r.type === 'workload' && m) {
        workloads.add(m[1]!);
        put('humanitecWorkload', `${envKey}/${m[1]}`, { title: titleCase(m[1]!), relations: { humanitecEnvironment: envKey } });
      }
    }
    // Graph nodes of the env's current graph, keyed by their global guresid; a guresid shared by
    // several envs is one entity (the generator gives a shared one the same body everywhere, so the
    // dependencies are unioned only to make a difference visible).
    const graph = currentGraph(env);
    const nodes = new Map((graph?.nodes ?? []).map((n) => [n.guresid, n]));
    for (const n of nodes.values()) {
      const before = out.humanitecResourceGraph.get(n.guresid)?.relations.humanitecResourceGraph ?? [];
      put('humanitecResourceGraph', n.guresid, { title: titleCase(n.def_id), relations: { humanitecResourceGraph: [...before, ...n.depends_on] } });
    }
    // Every active resource: its graph node's dependencies when it is in the graph; its workload when
    // res_id is modules.{w} or modules.{w}.… and that workload exists in this env.
    for (const r of env.resources) {
      const parts = r.res_id.split('.');
      const w = parts[0] === 'modules' && parts.length >= 2 && workloads.has(parts[1]!) ? parts[1] : undefined;
      put('humanitecResource', `${envKey}/${r.res_id}`, {
        title: titleCase(r.def_id),
        relations: {
          humanitecResourceGraph: nodes.get(r.gu_res_id)?.depends_on ?? [],
          ...(w ? { humanitecWorkload: `${envKey}/${w}` } : {}),
        },
        properties: { guresid: r.gu_res_id, type: r.type },
      });
    }
    // Env-level values: only the env's overrides and env-only keys, never copies of app values.
    for (const v of env.overrides) {
      put('humanitecSharedValue', `${envKey}/${v.key}`, {
        title: v.key,
        relations: { humanitecApplication: a, humanitecEnvironment: envKey, humanitecSecretStore: v.secret_store_id ?? '' },
        properties: { source: 'env', isSecret: v.is_secret },
      });
    }
  }
  for (const v of app.values) {
    put('humanitecSharedValue', `${a}/${v.key}`, {
      title: v.key,
      relations: { humanitecApplication: a, humanitecSecretStore: v.secret_store_id ?? '' },
      properties: { source: 'app', isSecret: v.is_secret },
    });
  }
  for (const v of app.valueSetVersions) put('humanitecValueSetVersion', `${a}/${v.id}`, { title: `Value Set Version ${v.id}`, relations: { humanitecApplication: a } });
  for (const s of app.sets) put('humanitecDeploymentSet', `${a}/${s.id}`, { relations: { humanitecApplication: a }, properties: { version: String(s.version) } });
  for (const p of app.pipelines) put('humanitecPipeline', `${a}/${p.id}`, { title: `${app.name} - ${p.name}`, relations: { humanitecApplication: a } });
  // Non-archived deltas; the env relation from metadata.env_id.
  for (const d of app.deltas.filter((d) => !d.metadata.archived)) {
    put('humanitecDeploymentDelta', `${a}/${d.id}`, {
      title: titleCase(d.metadata.name ? d.metadata.name : d.id),
      relations: { humanitecApplication: a, humanitecEnvironment: d.metadata.env_id ? `${a}/${d.metadata.env_id}` : '' },
    });
  }
}
