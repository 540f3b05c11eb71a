// Port access tokens, one per credential set and API URL for the whole process. Port keeps one active
// token per credential set and answers every token request with it (and the time it has left), so
// asking once per expiry is enough; concurrent callers share one in-flight request (single flight),
// and a 401 refreshes once however many requests saw it (only the token they were refused with is
// dropped). Asking early again only returns the same token with less time: renewing before expiry
// is tried once, after that the token is used until it expires and the 401 path gets the next one.
import { createHash } from 'node:crypto';

/** Refresh this long before Port says the token ends (clock skew, requests in flight). */
const EXPIRY_MARGIN_MS = 60_000;
/** `expiresIn` is whole seconds, rounded down: a token said to have 0 left may still work this long. */
const ROUNDING_MS = 1000;

export interface IssuedToken {
  /** `Bearer <token>`, the Authorization header value. */
  header: string;
  expiresInSeconds: number;
}

interface Entry {
  header?: string;
  validUntil: number;
  pending?: Promise<string>;
}

const entries = new Map<string, Entry>();

/** Process-wide cache key; the secret only as a hash (a changed secret is a new credential). */
export function credentialKey(apiUrl: string, clientId: string, clientSecret: string): string {
  const secret = createHash('sha256').update(clientSecret).digest('hex').slice(0, 16);
  return `${apiUrl}\u0000${clientId}\u0000${secret}`;
}

export class PortTokens {
  constructor(
    private readonly key: string,
    private readonly issue: () => Promise<IssuedToken>,
  ) {}

  /** The Authorization header to send: cached for its `lifetime`, fetched once when not. */
  async header(): Promise<string> {
    const entry = entries.get(this.key) ?? { validUntil: 0 };
    entries.set(this.key, entry);
    if (entry.header && Date.now() < entry.validUntil) return entry.header;
    entry.pending ??= this.issue()
      .then(({ header, expiresInSeconds }) => {
        entry.validUntil = Date.now() + lifetime(expiresInSeconds * 1000, header === entry.header);
        entry.header = header;
        return header;
      })
      .finally(() => (entry.pending = undefined));
    return entry.pending;
  }

  /** A request was refused (401) with `header`: forget it, unless a newer token replaced it already. */
  invalidate(header: string): void {
    const entry = entries.get(this.key);
    if (entry?.header === header) {
      entry.header = undefined;
      entry.validUntil = 0;
    }
  }
}

/**
 * How long to use a token Port says has `ms` left (`known`: the one we already had). Only a new token
 * with more than the margin left is renewed early; renewing again would only get the same token back
 * with less time, every time sooner. 0 left: the waiting requests still use it and the next one asks
 * again once; the token we already had, at 0, is kept for the second it may have left (a 401 then
 * gets the next one).
 */
function lifetime(ms: number, known: boolean): number {
  if (ms > EXPIRY_MARGIN_MS && !known) return ms - EXPIRY_MARGIN_MS;
  if (ms > 0) return ms;
  return known ? ROUNDING_MS : 0;
}
