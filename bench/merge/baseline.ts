/**
 * The baseline every contender is measured against: the coalescer people
 * write by hand, a `Map` from key to the promise in flight, deleted when it
 * settles. No roles, no counters, no leaving, no deadlock detection.
 */
export class MapCoalescer<K, V> {
  readonly #inFlight = new Map<K, Promise<V>>();

  run(key: K, fn: () => Promise<V>): Promise<V> {
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) return existing;
    const promise = fn().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }
}
