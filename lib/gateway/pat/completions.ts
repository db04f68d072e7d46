// The bookkeeping of answered PAT requests (the archive object, the spend settlement, the log row
// and the completion audit event), gathered over a short window and written together.
//
// Why a window: written one request at a time, each answer left three writes behind it (archive
// file, settlement with its log row, completion event), and at steady traffic they landed in the
// next request's path. Its admission event queued on the org's audit chain behind the previous
// completion event's commit, so it waited for two commits instead of one. Gathered over
// `windowMs`, the completions of many requests cost one settlement statement and one audit append,
// written beside the admissions instead of in front of each one.
//
// What the window delays is already after the answer: the reservation is returned to the lease and
// the row appears up to `windowMs` later. The cap cannot be exceeded by this (a held reservation
// only counts against the cap for longer). At shutdown the window is flushed (drain()).
export interface Completion<A> {
  /** Phase 1, for all completions of a flush side by side: e.g. seal and store the archive object. */
  prepare(): Promise<A>;
  /** Phase 2, started for all completions in one synchronous stretch so their writes share a batch. */
  record(prepared: A): Promise<void>;
}

export interface CompletionWindowOptions {
  /** How long the first completion of a window waits for others; 0 = flush on the next turn. */
  windowMs?: number;
  /** A window this full is flushed at once. */
  maxItems?: number;
  onError?: (err: unknown) => void;
}

export class CompletionWindow<A> {
  readonly stats = { completions: 0, flushes: 0, largestFlush: 0 };
  private items: Completion<A>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly windowMs: number;
  private readonly maxItems: number;
  private readonly onError: (err: unknown) => void;

  constructor(options: CompletionWindowOptions = {}) {
    this.windowMs = options.windowMs ?? 25;
    this.maxItems = options.maxItems ?? 256;
    this.onError = options.onError ?? (() => {});
  }

  get waiting(): number {
    return this.items.length;
  }

  add(item: Completion<A>): void {
    this.items.push(item);
    this.stats.completions++;
    if (this.items.length >= this.maxItems) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Writes everything gathered so far; resolves when that and every earlier flush is done. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    this.stats.flushes++;
    this.stats.largestFlush = Math.max(this.stats.largestFlush, items.length);
    const done = this.write(items).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async write(items: Completion<A>[]): Promise<void> {
    const prepared = await Promise.allSettled(items.map((c) => c.prepare()));
    const recorded = items.map((c, i) => {
      const p = prepared[i];
      if (p.status === "rejected") return Promise.reject(p.reason);
      return c.record(p.value);
    });
    for (const r of await Promise.allSettled(recorded)) if (r.status === "rejected") this.onError(r.reason);
  }
}
