// Port's client-credentials tokens. Port keeps one active token per credential set: asking again
// before it expires returns the same token with the time it has left. Tokens look like Port's JWTs
// (clients such as Ocean read `isMachine` from the payload); the signature is not a real one.
import { randomBytes } from 'node:crypto';

interface Token {
  value: string;
  clientId: string;
  expiresAt: number;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export class Tokens {
  private active?: Token;
  private readonly byValue = new Map<string, Token>();

  constructor(private readonly ttlSeconds: number) {}

  /** The active token for this credential set, a new one when none is active. */
  issue(clientId: string, now = Date.now()): { accessToken: string; expiresIn: number } {
    if (!this.active || this.active.expiresAt <= now) {
      const iat = Math.floor(now / 1000);
      const payload = { clientId, isMachine: true, orgId: 'org_sim', iat, exp: iat + this.ttlSeconds };
      const value = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.${randomBytes(32).toString('base64url')}`;
      this.active = { value, clientId, expiresAt: now + this.ttlSeconds * 1000 };
      this.byValue.set(value, this.active);
    }
    return { accessToken: this.active.value, expiresIn: Math.floor((this.active.expiresAt - now) / 1000) };
  }

  /** The client a bearer header authenticates, or undefined (missing, unknown or expired token). */
  verify(authorization: string | undefined, now = Date.now()): string | undefined {
    const m = /^Bearer (\S+)$/i.exec(authorization ?? '');
    const token = m ? this.byValue.get(m[1]!) : undefined;
    return token && token.expiresAt > now ? token.clientId : undefined;
  }

  /** Every token issued so far stops working now. */
  expireAll(now = Date.now()) {
    for (const t of this.byValue.values()) t.expiresAt = Math.min(t.expiresAt, now);
    this.byValue.clear();
    this.active = undefined;
  }
}
