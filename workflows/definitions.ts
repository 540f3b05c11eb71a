// Names shared by workflows and the code that talks to them from outside (CLI, schedules, receiver).
// Only deterministic, dependency-free declarations live here.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes, so the Web UI can filter runs by integration, kind and trigger. */
export const INTEGRATION_ATTR = defineSearchAttributeKey('PortSyncIntegration', SearchAttributeType.KEYWORD);
export const KINDS_ATTR = defineSearchAttributeKey('PortSyncKinds', SearchAttributeType.KEYWORD_LIST);
export const TRIGGER_ATTR = defineSearchAttributeKey('PortSyncTrigger', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [INTEGRATION_ATTR, KINDS_ATTR, TRIGGER_ATTR] as const;

export type Trigger = 'schedule' | 'cli' | 'ui' | 'webhook';

/** Part of a source a run is limited to, e.g. `{ app: "shop", env: "dev" }` (a webhook's targeted refresh). */
export type SyncScope = Record<string, string>;

/**
 * The one execution id every sync of an integration converges on (single flight): `sync:<integration>`,
 * or for a scoped run `sync:<integration>@app=shop,env=dev`, so a targeted refresh neither waits for nor
 * blocks the full resync.
 */
export const syncWorkflowId = (integration: string, scope?: SyncScope) => {
  const parts = Object.entries(scope ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? `sync:${integration}@${parts.join(',')}` : `sync:${integration}`;
};
/** One event workflow per object, so a busy integration spreads over many workflows. */
export const objectWorkflowId = (integration: string, objectKey: string) => `events:${integration}:${objectKey}`;
export const scheduleId = (integration: string) => `port-sync:${integration}`;

export interface SyncInput {
  /** The integration id from port-sync.yaml (or zero-config: humanitec, incidentio, github). */
  integration: string;
  /** Limit the run to these kinds. Default: every kind of the integration. */
  kinds?: string[];
  /** Limit the run to part of the source, e.g. `{"app": "shop"}`; the connector says which kinds that fetches and where it may delete. */
  scope?: SyncScope;
  /** Limit deletes to identifiers with this prefix (set by a scope; settable by hand, e.g. "my-app/"). */
  identifierPrefix?: string;
  /** Compute the report, write nothing. */
  dryRun?: boolean;
  /** Who started it; the Web UI leaves it out. */
  trigger?: Trigger;
  /** Carried through continue-as-new only; never set by hand. */
  resume?: SyncResume;
}

export interface KindProgress {
  kind: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  pages: number;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Items that failed to map or to write; their entities are kept. */
  failed: number;
  /** Items the selector left out. */
  filtered: number;
  /** Entities recorded in the run's digests for this kind (what reconcile checks them against). */
  produced: number;
  /** Items without an identifier: the kind is incomplete and nothing is deleted. */
  unidentified: number;
  /** A few reasons for failed items (the worker log has all of them). */
  failures: string[];
  /** Dry run: the first creates and updates a real run would make, with field-level changes. */
  plan?: string[];
  /** Why this kind cannot be reconciled. */
  incomplete?: string;
  /** Opaque cursor of the next page, carried so a continued run resumes mid-kind. */
  cursor?: string;
  error?: string;
}

export interface ReconcileReport {
  status: 'pending' | 'done' | 'refused' | 'dry-run' | 'skipped';
  /** Why nothing (or not everything) was deleted. */
  reason?: string;
  deleted: number;
  /** Entities the target refused to delete (kept). */
  failed: number;
  failures: string[];
  keptWrittenDuringRun: number;
  keptAsRelationTarget: number;
  /** Dry run: the first deletes a real run would make. */
  plan?: string[];
}

export interface SyncResume {
  startedAt: string;
  taskQueue: string;
  kinds: KindProgress[];
  /** Digests of the entities produced so far, per kind (compact hashes, never identifier lists). */
  digests: Record<string, string[]>;
  requests: Record<string, number>;
  runs: number;
  identifierPrefix?: string;
  /** The kinds each kind waits for, and how many run at once (from the plan; absent in runs from before kinds ran side by side). */
  after?: Record<string, string[]>;
  parallelKinds?: number;
  /** The order in which kinds that may run are started (from the plan). */
  startOrder?: string[];
}

export interface SyncReport {
  integration: string;
  /** The part of the source this run covered; absent for a full run. */
  scope?: SyncScope;
  status: 'completed' | 'skipped' | 'failed';
  /** Why a run was skipped: the workflow id of the sync already running. */
  reason?: string;
  dryRun: boolean;
  trigger: Trigger;
  startedAt: string;
  finishedAt?: string;
  /** Continue-as-new runs this sync took. */
  runs: number;
  kinds: KindProgress[];
  reconcile: ReconcileReport;
  /** HTTP requests sent, per API (source and target). */
  requests: Record<string, number>;
  /** Wall time in seconds, once finished. */
  durationSeconds?: number;
}

/** A webhook event reduced to what a connector needs to act on it without the body (a few KB at most). */
export interface EventRef {
  deliveryId: string;
  /** The object the event is about, e.g. "app/env" or "repo#42"; one workflow per key. */
  objectKey: string;
  type: string;
  action?: string;
  receivedAt: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface ObjectEventsInput {
  integration: string;
  objectKey: string;
  /** How long the workflow waits for more events before it ends, e.g. "10m". */
  idleTimeout?: string;
  /** Carried through continue-as-new: recent delivery ids (dedup window) and not yet applied events. */
  seen?: string[];
  pending?: EventRef[];
  applied?: number;
  duplicates?: number;
  failed?: number;
  /** Events applied while the integration's full sync ran (the last 100): applied once more when it has ended. */
  reapply?: EventRef[];
  reapplied?: number;
}

export interface ObjectEventsStatus {
  integration: string;
  objectKey: string;
  applied: number;
  duplicates: number;
  /** Events that could not be applied for good (reported in the worker log); later events still apply. */
  failed: number;
  pending: number;
  lastDeliveryId?: string;
  /** Times the object was applied again after a full sync that ran while an event was applied. */
  reapplied?: number;
  /** Set while an applied event waits for the running full sync to end, to be applied once more. */
  waitingForFullSync?: boolean;
}

export const progressQuery = defineQuery<SyncReport>('progress');
/** Sent to a sync only to learn whether it runs (a closed one cannot be signalled); it does nothing. */
export const runningProbeSignal = defineSignal('runningProbe');
export const eventSignal = defineSignal<[EventRef]>('event');
export const eventsStatusQuery = defineQuery<ObjectEventsStatus>('status');
