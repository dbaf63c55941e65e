/**
 * Values read from the database and kept on this node for a while, so a check on every message costs no round
 * trip: one read at a time per key, kept `ttlMs`; `forget()` drops a key at once (it was just changed, here or on a
 * node that said so). At most `maxEntries` keys are kept: past that the oldest go first.
 */
export class ReadCache<V> {
  private readonly loaded = new Map<string, { value: V; until: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly read: (key: string) => Promise<V>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): Promise<V> {
    const entry = this.loaded.get(key);
    if (entry && entry.until > this.now()) return Promise.resolve(entry.value);
    return this.loading.get(key) ?? this.load(key);
  }

  forget(key: string): void {
    this.loaded.delete(key);
    this.loading.delete(key);
  }

  private load(key: string): Promise<V> {
    const loading = this.read(key);
    this.loading.set(key, loading);
    loading.then(
      (value) => {
        // unless forgotten meanwhile: then this read may predate the change
        if (this.loading.get(key) !== loading) return;
        this.loading.delete(key);
        this.loaded.delete(key);
        this.loaded.set(key, { value, until: this.now() + this.ttlMs });
        // a Map iterates in insertion order: the first key is the oldest read
        if (this.loaded.size > this.maxEntries) this.loaded.delete(this.loaded.keys().next().value!);
      },
      () => {
        if (this.loading.get(key) === loading) this.loading.delete(key);
      },
    );
    return loading;
  }
}
