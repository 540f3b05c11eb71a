// Request pacing per API and account, shared by every request of this worker process
// (`limiterFor(key)`). It paces from the server's own `x-ratelimit-*` counters: spread what is left of
// the window over the time until it resets (after a first burst), and send nothing while it is 0. A
// token bucket (incident.io: `limit;window=W`) is spent down to a small reserve unpaced, then used at
// its refill rate: spreading it over "time until full" would leave half of it unspent for good.
//
// Why this holds across worker replicas without any coordination between them: the counter behind
// those headers is the server's, shared by every caller of the account. When another replica spends
// budget, our next response shows a lower `remaining`, so we slow down too; every replica paces to
// "remaining / time to reset" of the same counter, and together they stay within it. A 429 or
// Retry-After pauses the whole key (the account is over its budget, not just this request).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { readRateLimit, SERVER_WAIT_CAP_MS, serverWaitMs, type RateLimitState } from './headers';

/** A 429 that says nothing about when to come back pauses the key this long. */
const THROTTLE_PAUSE_MS = 1000;
/** Requests freed together by the end of a pause start spread over up to this long (no herd). */
const PAUSE_RELEASE_SPREAD_MS = 1000;
/**
 * The first tenth of a window's budget goes unpaced (Port allows bursts of 10 % of the window), so a
 * short job is not spread over five minutes; pacing starts once 90 % of the budget is left.
 */
const BURST_SHARE = 0.1;
/** A token bucket keeps this share in reserve: below it, requests go at the refill rate. */
const BUCKET_RESERVE = 0.05;
/** Before the first response of a key only one request goes; the others wait at most this long for it. */
const FIRST_RESPONSE_WAIT_MS = 5000;
/** setTimeout's longest delay; Node fires a longer one after 1 ms. The queue sleeps in steps of at most this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
  /** Epoch ms after which this request would rather fail (`RateLimited`) than start. */
  deadline: number;
}

export class RateLimiter {
  private budget?: RateLimitState;
  private pausedUntil = 0;
  /** After a pause the queue is let go evenly until this time, not all at once. */
  private rampUntil = 0;
  private nextAt = 0;
  private inFlight = 0;
  private learned = false;
  private firstResponse?: { done: Promise<void>; resolve: () => void };
  // One FIFO queue and one timer: each request's start time is decided when it reaches the head,
  // from the state at that moment (never from a schedule made before the window reset).
  private readonly queue: Waiter[] = [];
  private timer?: NodeJS.Timeout;

  constructor(readonly key: string) {}

  /**
   * Waits until this request may go. Throws a retryable `RateLimited` failure (with the wait as
   * `nextRetryDelay`) instead of waiting longer than `maxWaitMs`, so Temporal holds the activity
   * rather than a worker slot.
   */
  async acquire(signal?: AbortSignal, maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const probe = await this.awaitFirstResponse();
    try {
      await this.enqueue(signal, maxWaitMs);
    } catch (err) {
      // The probe never went (aborted, or refused as too long): the next newcomer probes instead, and
      // those waiting for its answer go now rather than after FIRST_RESPONSE_WAIT_MS.
      if (probe && !this.learned) {
        this.firstResponse?.resolve();
        this.firstResponse = undefined;
      }
      throw err;
    }
  }

  private async enqueue(signal: AbortSignal | undefined, maxWaitMs: number): Promise<void> {
    signal?.throwIfAborted();
    const now = Date.now();
    const wait = this.waitAt(this.queue.length, now);
    if (wait > maxWaitMs) throw this.tooLong(wait);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => (signal?.removeEventListener('abort', waiter.onAbort), resolve()),
        reject: (err) => (signal?.removeEventListener('abort', waiter.onAbort), reject(err)),
        signal,
        onAbort: () => this.drop(waiter, signal?.reason),
        deadline: now + maxWaitMs,
      };
      this.queue.push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.pump();
    });
  }

  /** How long the request at `position` in the queue will wait, as far as we know now. */
  private waitAt(position: number, now: number): number {
    return Math.max(this.nextAt, this.blockedUntil(now)) - now + position * this.interval(now);
  }

  private drop(waiter: Waiter, reason: unknown): void {
    const i = this.queue.indexOf(waiter);
    if (i < 0) return;
    this.queue.splice(i, 1);
    waiter.reject(reason);
    if (this.queue.length === 0) this.stopTimer();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * A pause or a spent budget that arrives while requests wait can push their start past their
   * `maxWaitMs`: they fail now as a newcomer would, instead of holding a worker slot until then.
   */
  private refuseLate(now: number): void {
    let position = 0;
    for (const waiter of [...this.queue]) {
      const wait = this.waitAt(position, now);
      if (now + wait > waiter.deadline) this.drop(waiter, this.tooLong(wait));
      else position++; // those behind a refused one move up
    }
  }

  /** Lets the head of the queue go when its time has come; else sleeps until then. */
  private pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const now = Date.now();
      const at = Math.max(this.nextAt, this.blockedUntil(now));
      if (at > now) {
        this.refuseLate(now);
        if (this.queue.length === 0) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.min(at - now, MAX_TIMER_MS));
        return;
      }
      const waiter = this.queue.shift()!;
      let spacing = this.interval(now);
      if (now < this.rampUntil) spacing = Math.max(spacing, (this.rampUntil - now) / (this.queue.length + 1));
      this.nextAt = now + spacing;
      // Counted from here, not from when the fetch starts: requests let go together must see each other.
      this.inFlight++;
      waiter.resolve();
    }
  }

  /** Ends a request `acquire` let go; learns from its response, if it got one. */
  finished(response: Response | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (response) this.observe(response);
    if (this.queue.length > 0) this.refuseLate(Date.now());
    if (!this.learned) {
      // Failed without an answer: let the waiting ones go, and the next newcomer probe again.
      this.firstResponse?.resolve();
      this.firstResponse = undefined;
    }
  }

  /** Pauses every request of this key for `ms`, at most `SERVER_WAIT_CAP_MS`. */
  pause(ms: number, now = Date.now()): void {
    ms = Math.min(ms, SERVER_WAIT_CAP_MS);
    if (now + ms <= this.pausedUntil) return;
    this.pausedUntil = now + ms;
    this.rampUntil = this.pausedUntil + Math.min(PAUSE_RELEASE_SPREAD_MS, ms);
  }

  private observe(response: Response): void {
    const now = Date.now();
    this.learned = true;
    this.firstResponse?.resolve();
    const budget = readRateLimit(response.headers, now);
    const current = this.budget;
    if (budget?.bucket) {
      // A bucket's count moves with every request and every refill: the latest answer is the best guess.
      this.budget = budget;
    } else if (budget) {
      // Responses overtake each other: within one window the lowest `remaining` is the latest count.
      if (current && Math.abs(current.resetAt - budget.resetAt) < 1000) current.remaining = Math.min(current.remaining, budget.remaining);
      else if (!current || budget.resetAt > current.resetAt) this.budget = budget;
    }
    if (response.status === 429 || response.status === 503) {
      const wait = serverWaitMs(response, now) ?? (response.status === 429 ? THROTTLE_PAUSE_MS : undefined);
      if (wait !== undefined) this.pause(wait, now);
    }
  }

  // Until the first answer we know nothing about the budget: send one request, not a burst that a
  // small budget would answer with a row of 429s.
  /** True for the request that goes first (the probe); the others wait for its answer, at most FIRST_RESPONSE_WAIT_MS. */
  private async awaitFirstResponse(): Promise<boolean> {
    if (this.learned) return false;
    if (!this.firstResponse) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      this.firstResponse = { done, resolve };
      return true;
    }
    const stop = new AbortController();
    const timer = sleep(FIRST_RESPONSE_WAIT_MS, undefined, { signal: stop.signal }).catch(() => undefined);
    await Promise.race([this.firstResponse.done, timer]);
    stop.abort();
    return false;
  }

  private blockedUntil(now: number): number {
    const b = this.budget;
    if (!b || b.remaining > 0 || now >= b.resetAt) return this.pausedUntil;
    // An empty bucket has its next token one refill step after the answer that said so.
    const until = b.bucket && b.limit && b.periodMs ? b.observedAt + b.periodMs / b.limit : b.resetAt;
    return Math.max(this.pausedUntil, until);
  }

  /** Spacing between request starts: the remaining budget spread over the time until reset. */
  private interval(now: number): number {
    const b = this.budget;
    if (!b) return 0;
    if (b.bucket && b.limit && b.periodMs) {
      const refillMs = b.periodMs / b.limit;
      // The bucket has refilled since the answer; requests in flight may not be counted yet.
      const left = b.remaining + (now - b.observedAt) / refillMs - this.inFlight;
      return left > b.limit * BUCKET_RESERVE ? 0 : refillMs;
    }
    // The window ended and no response has told us about the new one yet: assume a fresh budget.
    if (now >= b.resetAt) return b.limit && b.periodMs ? b.periodMs / b.limit : 0;
    // Requests in flight may not be counted in `remaining` yet.
    const left = b.remaining - this.inFlight;
    if (b.limit && left > b.limit * (1 - BURST_SHARE)) return 0;
    return (b.resetAt - now) / Math.max(1, left);
  }

  /** The failure of a request that would wait `waitMs`, longer than it may. */
  private tooLong(waitMs: number): ApplicationFailure {
    return ApplicationFailure.create({
      type: 'RateLimited',
      message: `${this.key}: rate limit reached; the next request may go in ${Math.ceil(waitMs / 1000)} s`,
      nextRetryDelay: Math.ceil(waitMs),
    });
  }
}

const limiters = new Map<string, RateLimiter>();

/** A credential as it may appear in a limit key: a short hash, the same for every replica. */
export function accountOf(credential: string): string {
  return createHash('sha256').update(credential).digest('hex').slice(0, 12);
}

/**
 * The process-wide limiter of one API account, e.g. `port:api.getport.io:<credential hash>`. Keys
 * must not contain secrets: they appear in error messages.
 */
export function limiterFor(key: string): RateLimiter {
  let limiter = limiters.get(key);
  if (!limiter) limiters.set(key, (limiter = new RateLimiter(key)));
  return limiter;
}
