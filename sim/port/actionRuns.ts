// Port's action runs as the simulator keeps them: a run a self-service action started (tests create
// them directly), updated through PATCH /v1/actions/runs/{run_id} and given log lines through
// POST .../logs, with the request rules of port-apispec.yaml (only the documented fields, a status of
// SUCCESS or FAILURE, a message on every log line).
import { randomUUID } from 'node:crypto';
import { invalid, PortError } from './types';
import { isObject } from './validate';

export type RunStatus = 'IN_PROGRESS' | 'SUCCESS' | 'FAILURE';

export interface SimRun {
  id: string;
  action: { identifier: string };
  properties: Record<string, unknown>;
  requiredApproval: boolean;
  source: string;
  status: RunStatus;
  statusLabel: string | null;
  link: string[];
  summary?: string;
  externalRunId?: string;
  endedAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimRunLog {
  id: string;
  runId: string;
  message: string;
  /** Who sent it: the client id of the token. */
  createdBy: string;
  createdAt: string;
}

const ENDED: RunStatus[] = ['SUCCESS', 'FAILURE'];
const PATCH_FIELDS = ['status', 'statusLabel', 'link', 'summary', 'externalRunId', 'message'];
const LOG_FIELDS = ['message', 'terminationStatus', 'statusLabel'];

export class ActionRuns {
  private readonly runs = new Map<string, SimRun>();
  private readonly logs = new Map<string, SimRunLog[]>();

  /** A run as Port creates it when a user starts a self-service action (no HTTP: tests call this). */
  start(action: string, properties: Record<string, unknown> = {}): SimRun {
    const now = new Date().toISOString();
    const run: SimRun = { id: `r_${randomUUID().replaceAll('-', '').slice(0, 16)}`, action: { identifier: action }, properties, requiredApproval: false, source: 'UI', status: 'IN_PROGRESS', statusLabel: null, link: [], createdAt: now, updatedAt: now };
    this.runs.set(run.id, run);
    this.logs.set(run.id, []);
    return run;
  }

  get(id: string): SimRun {
    const run = this.runs.get(id);
    if (!run) throw new PortError(404, 'not_found', `Action run with id "${id}" was not found`);
    return run;
  }

  logsOf(id: string): SimRunLog[] {
    return this.logs.get(id) ?? [];
  }

  update(id: string, body: unknown): SimRun {
    const run = this.get(id);
    const b = objectBody(body, PATCH_FIELDS);
    // Every field is checked before any is applied: a refused request changes nothing.
    const changes: Partial<SimRun> = {};
    // Deprecated in the spec, and an object when sent; the simulator keeps nothing of it.
    if (b.message !== undefined && !isObject(b.message)) throw invalid('body/message must be object');
    if (b.status !== undefined) changes.status = status(b.status, 'status');
    if (b.statusLabel !== undefined) changes.statusLabel = text(b.statusLabel, 'statusLabel');
    if (b.summary !== undefined) changes.summary = text(b.summary, 'summary');
    if (b.externalRunId !== undefined) changes.externalRunId = text(b.externalRunId, 'externalRunId');
    if (b.link !== undefined) {
      const links = Array.isArray(b.link) ? b.link : [b.link];
      if (!links.every((l): l is string => typeof l === 'string')) throw invalid('body/link must be a string or an array of strings');
      changes.link = links;
    }
    return this.touch(Object.assign(run, changes));
  }

  addLog(id: string, body: unknown, actor: string): SimRunLog {
    const run = this.get(id);
    const b = objectBody(body, LOG_FIELDS);
    if (b.message === undefined) throw invalid("body must have required property 'message'");
    const message = text(b.message, 'message');
    const ended = b.terminationStatus === undefined ? undefined : status(b.terminationStatus, 'terminationStatus');
    const label = b.statusLabel === undefined ? undefined : text(b.statusLabel, 'statusLabel');
    const entry: SimRunLog = { id: `l_${randomUUID().replaceAll('-', '').slice(0, 16)}`, runId: run.id, message, createdBy: actor, createdAt: new Date().toISOString() };
    if (ended) run.status = ended;
    if (label !== undefined) run.statusLabel = label;
    this.logs.get(run.id)!.push(entry);
    this.touch(run);
    return entry;
  }

  private touch(run: SimRun): SimRun {
    run.updatedAt = new Date().toISOString();
    if (ENDED.includes(run.status)) run.endedAt ??= run.updatedAt;
    return run;
  }
}

function objectBody(body: unknown, allowed: string[]): Record<string, unknown> {
  if (!isObject(body)) throw invalid('body must be object');
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra) throw invalid(`body must NOT have additional properties ("${extra}")`);
  return body as Record<string, unknown>;
}

function status(value: unknown, field: string): RunStatus {
  if (value !== 'SUCCESS' && value !== 'FAILURE') throw invalid(`body/${field} must be equal to one of the allowed values: SUCCESS, FAILURE`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`body/${field} must be string`);
  return value;
}
