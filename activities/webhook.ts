// What a connector tells the webhook receiver: how its sender proves itself, how big a delivery may
// be, and how a verified delivery becomes small event references (one per object it touches).
import type { IncomingHttpHeaders } from 'node:http';
import type { EventRef } from '../workflows/definitions';

/** How a sender proves itself; the receiver (client/webhooks/verifiers.ts) implements each. */
export type VerifierKind = 'github' | 'gitlab' | 'port' | 'token';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: string;
}

export interface WebhookSpec {
  verifier: VerifierKind;
  /** Overrides the receiver's default body limit (GitHub sends up to 25 MiB). */
  maxBodyBytes?: number;
  /** The events of a delivery, or "ignored" for an event type nobody handles. Throws on a malformed body. */
  parse(delivery: Delivery): EventRef[] | 'ignored';
}
