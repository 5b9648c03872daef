import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { contextSlot } from '../context/async-context.js';

const active = contextSlot<Context>();

/**
 * OTel's AsyncLocalStorage context manager, keeping the active context in the
 * process's one shared storage (context/async-context.ts) instead of a storage
 * of its own. Only where the context lives changes: bind() (functions and
 * event emitters) is the library's, built on active() and with().
 */
export class SharedContextManager extends AsyncLocalStorageContextManager {
  override active(): Context {
    return active.get() ?? ROOT_CONTEXT;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return active.run(context, () => fn.apply(thisArg, args));
  }

  override attach(context: Context): { dispose(): void } {
    const previous = this.active();
    let disposed = false;
    active.enter(context);
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        active.enter(previous);
      },
    };
  }
}
