// Port's per-organisation rate limits: a budget of requests per route family per window (5 minutes
// at Port). The simulator uses fixed windows: the first request of a family opens a window of
// `windowSeconds`, its budget resets when the window ends. Port also allows bursts above a steady
// rate; a fixed window is the simpler, stricter model of the same budget.

/** Port's documented budgets per 5-minute window (docs.port.io/api-reference/rate-limits). */
export const PORT_BUDGETS = {
  unauthenticated: 100,
  entities: 35_000,
  'entities-search': 35_000,
  'entity-upsert': 10_000,
  'entities-bulk-upsert': 35_000,
  blueprints: 15_000,
  other: 15_000,
} as const;

export type Family = keyof typeof PORT_BUDGETS;

/** The family a request counts against (the most specific rule wins, as at Port). */
export function familyOf(method: string, route: string): Family {
  if (route === '/v1/auth/access_token') return 'unauthenticated';
  if (method === 'POST' && route.endsWith('/entities/bulk')) return 'entities-bulk-upsert';
  if (method === 'POST' && route.endsWith('/entities/search')) return 'entities-search';
  if (method === 'POST' && route === '/v1/blueprints/:blueprint/entities') return 'entity-upsert';
  if (route.startsWith('/v1/blueprints/:blueprint/entities') || route.startsWith('/v1/blueprints/:blueprint/bulk/entities')) return 'entities';
  if (route.startsWith('/v1/blueprints')) return 'blueprints';
  return 'other';
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private readonly windows = new Map<Family, { resetAt: number; used: number }>();

  constructor(
    private readonly scale: number,
    private readonly windowSeconds = 300,
  ) {}

  limit(family: Family): number {
    return Math.max(1, Math.floor(PORT_BUDGETS[family] * this.scale));
  }

  /** Counts one request of `family` and says whether it is within budget, with Port's headers. */
  take(family: Family, now = Date.now()): RateDecision {
    let w = this.windows.get(family);
    if (!w || now >= w.resetAt) {
      w = { resetAt: now + this.windowSeconds * 1000, used: 0 };
      this.windows.set(family, w);
    }
    const limit = this.limit(family);
    const allowed = w.used < limit;
    if (allowed) w.used += 1;
    const headers: Record<string, string> = {
      'x-ratelimit-period': String(this.windowSeconds),
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limit - w.used),
      'x-ratelimit-reset': String(Math.ceil(w.resetAt / 1000)),
    };
    if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil((w.resetAt - now) / 1000)));
    return { allowed, headers };
  }
}
