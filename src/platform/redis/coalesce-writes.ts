import type { Redis } from 'ioredis';

/**
 * Makes the commands a client sends in one tick leave in one socket write.
 *
 * ioredis writes each command to its socket on its own, and each write is a system call that on loopback also
 * runs the receiver's TCP processing. A cache batch sends several commands at once (a lookup per key beside the
 * invalidation counters; a store per key and the counters again). This corks the socket at a tick's first
 * command and uncorks it once the tick's callbacks and microtasks have run, so they go out in one `writev`, in
 * the order sent, and nothing waits for a reply. (ioredis' own `enableAutoPipelining` also batches a tick's
 * commands, but holds a batch back while the one before it is in flight: measured, docs/perf/results.md.)
 *
 * Measured: `BATCH_FILL_NEAR=1 node --import tsx docs/perf/cache-batch-fill.mts <without> <with> 3`, half of each
 * 20-key batch missing, five rounds each: 1,400–1,733 batches/s with it against 833–1,243 without, p50 3.3–4.5
 * against 5.3–9.0 ms.
 */
export function coalesceWrites(client: Redis): void {
  // Each connection (the first, every reconnect) has a socket of its own.
  client.on('connect', () => {
    const socket = client.stream;
    const write = socket.write;
    let corked = false;
    const flush = () => {
      corked = false;
      socket.uncork();
    };
    socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(flush);
      }
      return write.apply(this, args);
    } as typeof write;
  });
}
