import type { PubSub } from './port.js';

/** One process: listeners run in a microtask after publish, as they would after a round trip. */
export function memoryPubSub(): PubSub {
  const listeners = new Map<string, Set<(message: string) => void>>();
  return {
    kind: 'memory',
    publish: async (channel, message) => {
      for (const listener of listeners.get(channel) ?? []) queueMicrotask(() => listener(message));
    },
    subscribe: async (channel, listener) => {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return async () => void set.delete(listener);
    },
    close: async () => listeners.clear(),
  };
}
