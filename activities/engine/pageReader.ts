// Reads one kind's pages in order. Most sources only say where the next page starts (a cursor chain:
// one request after the other). Some can name later pages at once (offset or page-number pagination
// with a known total: `Page.ahead`); their pages are read up to `window` at a time. Pages still arrive
// in order, so every checkpoint stays a page boundary, and a read ahead is only used when the page
// before it points to the same cursor: a source that shifted in between is followed, not trusted.
import type { Page } from '../connector';

export type FetchPage = (cursor: string | undefined) => Promise<Page>;

export class PageReader {
  /** Reads ahead by cursor, until their page is read. */
  private readonly started = new Map<string, Promise<Page>>();
  /** Every read not yet finished, used or not. */
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * @param window pages read ahead of the one last read
   * @param budget pages this reader may request in all (what the activity may still read), so reading
   *   ahead never asks for pages past the end of the activity's share
   */
  constructor(
    private readonly fetch: FetchPage,
    private readonly window: number,
    private budget: number,
  ) {}

  async read(cursor: string | undefined): Promise<Page> {
    const key = cursor ?? '';
    let pending = this.started.get(key);
    this.started.delete(key);
    if (!pending) {
      this.budget -= 1;
      pending = this.track(this.fetch(cursor));
    }
    const page = await pending;
    this.readAhead(page);
    return page;
  }

  /** Waits for reads still in flight (their results unused), so none outlives the activity. */
  async settle(): Promise<void> {
    this.started.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private readAhead(page: Page) {
    if (!page.next || !page.ahead) return;
    const wanted = [page.next, ...page.ahead].slice(0, this.window);
    // Reads of other positions are of no use any more (the source moved): let them finish unused.
    for (const cursor of this.started.keys()) if (!wanted.includes(cursor)) this.started.delete(cursor);
    for (const cursor of wanted) {
      if (this.started.has(cursor) || this.budget <= 0) continue;
      this.budget -= 1;
      const read = this.track(this.fetch(cursor));
      read.catch(() => undefined); // a failure surfaces when (and if) its page is read
      this.started.set(cursor, read);
    }
  }

  private track(read: Promise<Page>): Promise<Page> {
    this.inFlight.add(read);
    const done = () => this.inFlight.delete(read);
    read.then(done, done);
    return read;
  }
}
