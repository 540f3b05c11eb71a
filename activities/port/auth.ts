// Port access tokens, one per credential set and API URL for the whole process. Port keeps one active
// token per credential set and answers every token request with it, so asking once per expiry is
// enough; concurrent callers share one in-flight request (single flight), and a 401 refreshes once
// however many requests saw it (only the token they were refused with is dropped).
import { createHash } from 'node:crypto';

/** Refresh this long before Port says the token ends (clock skew, requests in flight). */
const EXPIRY_MARGIN_MS = 60_000;

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

  /** The Authorization header to send: cached until shortly before expiry, fetched once when not. */
  async header(): Promise<string> {
    const entry = entries.get(this.key) ?? { validUntil: 0 };
    entries.set(this.key, entry);
    if (entry.header && Date.now() < entry.validUntil) return entry.header;
    entry.pending ??= this.issue()
      .then(({ header, expiresInSeconds }) => {
        const ms = expiresInSeconds * 1000;
        // Port may hand back the active token with little time left; keep at least half of it.
        entry.validUntil = Date.now() + Math.max(ms - EXPIRY_MARGIN_MS, ms / 2);
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
