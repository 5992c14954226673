/** Small test helpers for the merge tests. */

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and whatever they queue) run: setImmediate fires only once the queue is empty. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type Observed<T> = { state: 'pending' } | { state: 'fulfilled'; value: T } | { state: 'rejected'; error: unknown };

/** Records how a promise settles, so a test can assert "still pending" without awaiting it. */
export function observe<T>(promise: Promise<T>): { readonly current: Observed<T> } {
  const box: { current: Observed<T> } = { current: { state: 'pending' } };
  promise.then(
    (value) => (box.current = { state: 'fulfilled', value }),
    (error: unknown) => (box.current = { state: 'rejected', error }),
  );
  return box;
}
