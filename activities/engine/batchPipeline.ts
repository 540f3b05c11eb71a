// The read side of a paging activity as a pipeline: batch k+1's source pages are fetched while batch k
// is read from the target (mapped and diffed against what it holds), and both while earlier batches
// are written. At most `depth` batches are read ahead of the one being written. A batch that did not
// fill up (a slow source, or the end of the kind) stops the read-ahead: the next one is fetched when
// the writer asks for it, so a slow source still checkpoints after every batch.

export interface Fetched {
  pages: number;
  /** Where the next batch starts; absent at the end of the kind. */
  cursor?: string;
  /** The batch filled up quickly: the source is fast, reading ahead pays. */
  full: boolean;
}

export interface PipelineStages<F extends Fetched, R> {
  /** Fetches one batch of source pages from `cursor`, at most `maxPages`. */
  fetch(cursor: string | undefined, maxPages: number): Promise<F>;
  /** Reads a fetched batch against the target (no writes). */
  read(batch: F): Promise<R>;
  /** Whether another batch may be read ahead now (time left, not draining). */
  mayReadAhead(): boolean;
}

export class BatchPipeline<F extends Fetched, R> {
  private readonly queue: Promise<F & { read: R; readAfter: number }>[] = [];
  /** Every promise started, so none outlives the activity. */
  private readonly started = new Set<Promise<unknown>>();
  /** Where reading ahead stopped because the pipeline was full. */
  private paused?: string;
  /** Batches handed to the writer and written. */
  private written = 0;

  /**
   * @param pagesLeft pages the activity may still fetch
   * @param depth batches read ahead of the one being written
   */
  constructor(
    private readonly stages: PipelineStages<F, R>,
    private pagesLeft: number,
    private readonly depth: number,
  ) {}

  /**
   * The next batch, read; `from` is where it starts when nothing is read ahead. `readAfter` is how many
   * batches had been written when its target read began: those written since may have changed it.
   */
  async next(from: string | undefined): Promise<F & { read: R; readAfter: number }> {
    if (this.queue.length === 0) {
      this.paused = undefined; // nothing is read ahead: the writer's cursor is where to go on
      this.launch(from);
    }
    const batch = await this.queue.shift()!;
    if (this.paused !== undefined && this.queue.length < this.depth && this.stages.mayReadAhead()) {
      const cursor = this.paused;
      this.paused = undefined;
      this.launch(cursor);
    }
    return batch;
  }

  /** Batches are read ahead: stopping now would waste them. */
  get readingAhead(): boolean {
    return this.queue.length > 0;
  }

  /** The batch `next` returned is written. */
  done(): void {
    this.written += 1;
  }

  /** Waits for what is still in flight (unused), so no request outlives the activity. */
  async settle(): Promise<void> {
    this.queue.length = 0;
    this.paused = undefined;
    await Promise.allSettled([...this.started]);
  }

  private launch(cursor: string | undefined) {
    const batch = (async () => {
      const fetched = await this.stages.fetch(cursor, this.pagesLeft);
      this.pagesLeft -= fetched.pages;
      if (fetched.full && fetched.cursor && this.pagesLeft > 0 && this.stages.mayReadAhead()) {
        // The next batch's pages are fetched while this one is read, if the pipeline has room.
        if (this.queue.length < this.depth) this.launch(fetched.cursor);
        else this.paused = fetched.cursor;
      }
      const readAfter = this.written;
      return { ...fetched, read: await this.stages.read(fetched), readAfter };
    })();
    batch.catch(() => undefined); // a failure surfaces when the writer takes this batch
    this.started.add(batch);
    const forget = () => this.started.delete(batch);
    batch.then(forget, forget);
    this.queue.push(batch);
  }
}
