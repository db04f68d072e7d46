// A small in-process cache for org-owned rows read on the hot path of a governed call (an org's
// connectors, a vault secret's encrypted row). It trades a read per call for a bounded staleness:
//  - an org's entries are dropped when that org's configuration changes, on every instance: the
//    writer's own instance synchronously, the others within a bus round trip;
//  - in any case an entry is believed for at most `maxAgeMs` after its read began, which bounds the
//    staleness when a change message is lost (500 ms for security-relevant rows, the same window as
//    API-key revocation);
//  - a load that was under way when the org changed is handed to its callers but not cached;
//  - failures are never cached: the loader's error reaches the caller, which fails closed as before;
//  - an entry in use is re-read in the background once half its max-age has passed, so steady
//    traffic never waits for a read (the answer it gets is still within the max-age).
// Entries live under their org: a row read for org A can only ever be answered to a caller asking
// for org A. Framework-free: the change source is injected (lib/cache/shared.ts binds it to the
// policy bus).

/** 500 ms: the API-key revocation window (lib/identity/authenticate-api-key.ts), for the same reason. */
export const ORG_ROWS_MAX_AGE_MS = 500;
export const ORG_ROWS_MAX_ENTRIES = 10_000;

/** Anything that says "this org's configuration changed" (the policy bus does, on every instance). */
export interface OrgChangeSource {
  subscribe(handler: (orgId: string) => void): () => void;
}

export interface OrgRowsCacheOptions<V> {
  /** Reads one entry; `key` distinguishes entries of one org ("" when an org has a single one). */
  load: (orgId: string, key: string) => Promise<V>;
  changes: OrgChangeSource;
  maxAgeMs?: number;
  /** Age from which a get also starts a background re-read (default: half the max-age). */
  refreshAfterMs?: number;
  /** Bound on entries across all orgs; the least recently loaded orgs go first. */
  maxEntries?: number;
  /** Values that must not be kept (e.g. "not found": only what exists is cached). Default: all. */
  cacheable?: (value: V) => boolean;
  now?: () => number;
}

interface Slot<V> {
  has: boolean;
  value?: V;
  /** When the read that produced `value` began: staleness is counted from there. */
  readAt: number;
  loading?: Promise<V>;
}

/**
 * One org's entries. The object itself is the org's generation: an invalidation replaces it, and a
 * load stores its result only if the object it started under is still the org's current one. (A
 * counter would do the same, but would have to outlive the entries to stay monotonic.)
 */
interface OrgEntries<V> {
  orgId: string;
  slots: Map<string, Slot<V>>;
}

export class OrgRowsCache<V> {
  private readonly orgs = new Map<string, OrgEntries<V>>();
  private readonly unsubscribe: () => void;
  private readonly maxAgeMs: number;
  private readonly refreshAfterMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private size = 0;

  constructor(private readonly options: OrgRowsCacheOptions<V>) {
    this.maxAgeMs = options.maxAgeMs ?? ORG_ROWS_MAX_AGE_MS;
    this.refreshAfterMs = options.refreshAfterMs ?? this.maxAgeMs / 2;
    this.maxEntries = options.maxEntries ?? ORG_ROWS_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    this.unsubscribe = options.changes.subscribe((orgId) => this.invalidate(orgId));
  }

  /** The org's entry for `key`: cached if younger than the max-age, else read (one read at a time). */
  get(orgId: string, key = ""): Promise<V> {
    const now = this.now();
    let org = this.orgs.get(orgId);
    if (!org) {
      org = { orgId, slots: new Map() };
      this.orgs.set(orgId, org);
    }
    let slot = org.slots.get(key);
    if (slot?.has && now - slot.readAt < this.maxAgeMs) {
      if (now - slot.readAt >= this.refreshAfterMs && !slot.loading) {
        // Its failure is not cached and fails no one: the entry stays until its max-age, then the
        // next get reads (and fails) on its own.
        this.load(org, key, slot, now, true).catch(() => {});
      }
      return Promise.resolve(slot.value as V);
    }
    if (slot?.loading) return slot.loading;
    if (!slot) {
      slot = { has: false, readAt: 0 };
      org.slots.set(key, slot);
      this.size++;
    }
    return this.load(org, key, slot, now, false);
  }

  /** Reads `key`; `background`: the slot's current value stays served (within its max-age) meanwhile. */
  private load(org: OrgEntries<V>, key: string, slot: Slot<V>, readAt: number, background: boolean): Promise<V> {
    if (!background) {
      // An expired value is never served again, whatever the reload's outcome.
      slot.has = false;
      slot.value = undefined;
    }
    const orgId = org.orgId;
    let read: Promise<V>;
    try {
      read = this.options.load(orgId, key);
    } catch (err) {
      read = Promise.reject(err);
    }
    const loading: Promise<V> = read.then(
      (value) => {
        if (slot.loading === loading) slot.loading = undefined;
        // Cached only if the org did not change while we were reading; the callers get it either way.
        const current = this.isCurrent(org) && org.slots.get(key) === slot;
        if (current && (this.options.cacheable?.(value) ?? true)) {
          slot.has = true;
          slot.value = value;
          slot.readAt = readAt;
          this.touch(org);
        } else if (current) {
          // The database now says "do not keep" (e.g. the secret is gone): the older value goes too.
          slot.has = false;
          slot.value = undefined;
          this.dropSlot(org, key, slot);
        }
        return value;
      },
      (err: unknown) => {
        // Not cached: the next call reads again, and this one fails as an uncached read would.
        if (slot.loading === loading) slot.loading = undefined;
        this.dropSlot(org, key, slot);
        throw err;
      },
    );
    slot.loading = loading;
    return loading;
  }

  /** False once the org was invalidated or evicted after `org` was created. */
  private isCurrent(org: OrgEntries<V>): boolean {
    return this.orgs.get(org.orgId) === org;
  }

  /** Forgets a slot that holds nothing (failed or uncacheable load); a newer slot is left alone. */
  private dropSlot(org: OrgEntries<V>, key: string, slot: Slot<V>): void {
    if (org.slots.get(key) !== slot || slot.has || slot.loading) return;
    org.slots.delete(key);
    if (this.isCurrent(org)) this.size--;
  }

  /** Most recently loaded orgs last; beyond the bound, the oldest orgs' entries go. */
  private touch(org: OrgEntries<V>): void {
    this.orgs.delete(org.orgId);
    this.orgs.set(org.orgId, org);
    for (const [id, o] of this.orgs) {
      if (this.size <= this.maxEntries || o === org) break;
      this.drop(id);
    }
  }

  private drop(orgId: string): void {
    const org = this.orgs.get(orgId);
    if (!org) return;
    this.orgs.delete(orgId);
    this.size -= org.slots.size;
  }

  /** Drops the org's entries; loads under way finish for their callers but are not cached. */
  invalidate(orgId: string): void {
    this.drop(orgId);
  }

  /** Entries currently held (cached or loading), across orgs. */
  get entries(): number {
    return this.size;
  }

  clear(): void {
    this.orgs.clear();
    this.size = 0;
  }

  close(): void {
    this.unsubscribe();
    this.clear();
  }
}
