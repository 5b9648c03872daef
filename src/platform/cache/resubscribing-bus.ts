import type { redisBusDriver } from 'bentocache/drivers/redis';

type CreateBusDriverResult = ReturnType<typeof redisBusDriver>;

/** How long to wait before asking again for a subscription Redis did not confirm. */
export const RESUBSCRIBE_MS = 1_000;

/**
 * bentocache subscribes its invalidation bus when the cache is built and drops the promise: a
 * SUBSCRIBE that fails (Redis away at start-up, or not confirming within the subscriber's
 * command timeout) became an unhandled rejection ("Command timed out", after the start),
 * and @boringnode/bus's transport forgets the handler on failure, so this instance would never
 * hear another's invalidations. The wrapper catches that failure and subscribes again until
 * Redis confirms, and stops once the bus disconnects.
 */
export function resubscribingBus(driver: CreateBusDriverResult, retryMs = RESUBSCRIBE_MS): CreateBusDriverResult {
  return {
    options: driver.options,
    factory: (config: unknown) => {
      const transport = driver.factory(config);
      const subscribe = transport.subscribe.bind(transport);
      const disconnect = transport.disconnect.bind(transport);
      let closed = false;
      const pending = new Set<NodeJS.Timeout>();
      transport.subscribe = (channel, handler) =>
        new Promise<void>((resolve) => {
          const attempt = () => {
            if (closed) return resolve();
            subscribe(channel, handler).then(resolve, () => {
              const timer = setTimeout(() => {
                pending.delete(timer);
                attempt();
              }, retryMs);
              pending.add(timer);
            });
          };
          attempt();
        });
      transport.disconnect = async () => {
        closed = true;
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        await disconnect();
      };
      return transport;
    },
  };
}
