/**
 * Fire-and-forget messages to every process listening on a channel (live
 * push: a notification reaches the process holding the user's connection).
 * Nothing is stored: a process that was not listening misses it, which is
 * why live streams resume from the database (Last-Event-ID), never from here.
 */
export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, message: string): Promise<void>;
  /** Every message of the channel, in this process, until the returned function is called. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
