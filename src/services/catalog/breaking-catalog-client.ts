import { BrokenCircuitError } from 'cockatiel';
import type { CatalogClient } from '../../contracts/catalog.js';
import { AppError, errors } from '../../platform/errors/catalog.js';
import { Breaker, type BreakerSettings } from '../../platform/resilience/breaker.js';

const DEFAULTS: BreakerSettings = { failures: 5, halfOpenAfterMs: 1000 };

/** Only the catalog being away counts: its answers (out of stock, not found, validation) say it is well. */
const unreachable = (err: Error) => err instanceof AppError && (err.code === 'SS_UPSTREAM_UNAVAILABLE' || err.code === 'SS_TIMEOUT');

/**
 * One circuit breaker in front of a remote catalog client, whichever its
 * transport (HTTP or gRPC): after `failures` consecutive calls that found the
 * catalog unreachable or timed out, calls fail at once with
 * SS_UPSTREAM_UNAVAILABLE (503) instead of each waiting out its deadline; one
 * trial call after `halfOpenAfterMs` closes it again. The saga's step then
 * fails fast and is retried with the bus's backoff.
 */
export function withBreaker<C extends CatalogClient & { close(): Promise<void> }>(client: C, settings: BreakerSettings = DEFAULTS): C & { breaker: Breaker } {
  const breaker = new Breaker(settings, Date.now, unreachable);
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await breaker.execute(call);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw errors.upstreamUnavailable('catalog');
      throw err;
    }
  };
  return {
    ...client,
    breaker,
    product: (id) => guarded(() => client.product(id)),
    reserve: (input) => guarded(() => client.reserve(input)),
    release: (id) => guarded(() => client.release(id)),
    commit: (id) => guarded(() => client.commit(id)),
    close: () => client.close(),
  };
}
