// Reads one kind makes that later kinds of the same run need again: an app's env list (environment ->
// resourceGraph, resource), an env's active resources (workload -> resource), an env's graph
// (resourceGraph -> resource). The kind that reads first keeps the answer for a given number of later
// takers; each take hands it over once, and the last one frees it. A key nobody kept, a kept read that
// failed, or one older than `ttlMs` is read afresh by the taker, so a take is never staler than `ttlMs`
// and a miss (another worker, a retry, a run of some kinds only) costs one request, never a wrong answer.
export class HandOver<T> {
  private readonly kept = new Map<string, { at: number; value: Promise<T>; takers: number }>();
  private sweptAt = 0;

  constructor(private readonly ttlMs: number) {}

  /** Reads now and keeps the answer for `takers` later takes. */
  keep(key: string, takers: number, read: () => Promise<T>): Promise<T> {
    this.sweep();
    const value = read();
    const entry = { at: Date.now(), value, takers };
    this.kept.set(key, entry);
    value.catch(() => {
      if (this.kept.get(key) === entry) this.kept.delete(key);
    });
    return value;
  }

  /** The kept answer (handed over once), or a fresh read when there is none or it failed. */
  async take(key: string, read: () => Promise<T>): Promise<T> {
    this.sweep();
    const entry = this.kept.get(key);
    if (!entry || Date.now() - entry.at > this.ttlMs) return read();
    entry.takers -= 1;
    if (entry.takers <= 0) this.kept.delete(key);
    return entry.value.catch(read);
  }

  /** Answers kept now (for tests and memory checks). */
  get size(): number {
    return this.kept.size;
  }

  // At most once a second: a run that never takes what it kept (it failed, or ran some kinds only) frees it.
  private sweep(): void {
    const now = Date.now();
    if (now - this.sweptAt < 1_000) return;
    this.sweptAt = now;
    for (const [key, entry] of this.kept) if (now - entry.at > this.ttlMs) this.kept.delete(key);
  }
}
