/** A tiny typed event emitter whose `on()` returns the function that unsubscribes. */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      (listener as (...a: Parameters<Events[K]>) => void)(...args);
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
