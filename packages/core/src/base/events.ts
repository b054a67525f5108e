/** A tiny typed event emitter (no Node EventEmitter: core runs in browsers too). */
export type Listener<T> = (event: T) => void;

export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens for `type` (events that cost work to build are skipped otherwise). */
  listening(type: keyof Events): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0;
  }

  /** Calls every listener; a throwing listener is isolated from the others and from the emitter. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as Listener<Events[K]>)(event);
      } catch {
        // A UI bug must never break message processing.
      }
    }
  }
}
