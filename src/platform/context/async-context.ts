import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One AsyncLocalStorage for everything a unit of work carries through its
 * async calls (tracing's context, the statement scope, a handled message's
 * headers), each in a slot of its own.
 *
 * Why one: on Node 20 every AsyncLocalStorage that was ever entered adds its
 * own step to the creation of every promise, tick and socket write in the
 * process, whether the code running uses it or not. Three storages cost
 * three steps per async resource; one costs one.
 */
export interface ContextSlot<T> {
  /** The value the current async context carries, if any. */
  get(): T | undefined;
  /** Runs `fn` (and everything it starts) with `value` in this slot; the other slots keep theirs. */
  run<R>(value: T, fn: () => R): R;
  /** Sets `value` for the rest of the current synchronous execution and what it starts (AsyncLocalStorage.enterWith). */
  enter(value: T): void;
}

const storage = new AsyncLocalStorage<readonly unknown[]>();
const NONE: readonly unknown[] = [];
let slots = 0;

/** A new slot; made once per concern, at module load. */
export function contextSlot<T>(): ContextSlot<T> {
  const index = slots++;
  const withValue = (value: T) => {
    const store = (storage.getStore() ?? NONE).slice();
    store[index] = value;
    return store;
  };
  return {
    get: () => storage.getStore()?.[index] as T | undefined,
    run: (value, fn) => storage.run(withValue(value), fn),
    enter: (value) => storage.enterWith(withValue(value)),
  };
}

/**
 * Runs `fn` (and everything it starts) with every slot empty: for background work a request merely set off
 * (a refresh-ahead reload), whose statements and spans are nobody's request.
 */
export function outsideAnyContext<R>(fn: () => R): R {
  return storage.exit(fn);
}
