import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { PubSub } from '../../../platform/pubsub/port.js';
import type { Logger } from '../../../platform/log/logger.js';

export type Transport = 'sse' | 'ws';

/** One live connection as the hub sees it; the transport decides how bytes go out. */
export interface LiveSink {
  readonly transport: Transport;
  /** Bytes accepted but not yet written to the socket: the backpressure signal. */
  buffered(): number;
  send(id: number, json: string): void;
  /** Ends the connection, telling the client why (SSE event / WebSocket close reason). */
  drop(reason: string): void;
}

/** A notification on its way to every process: who it is for, and the JSON the client sees. */
interface Broadcast {
  userId: number;
  id: number;
  json: string;
}

const CHANNEL = 'notifications:live';

/**
 * The process's live connections by user, fed by one pub/sub channel that
 * every process hears (Redis between processes, in memory alone): a
 * notification stored anywhere reaches its user's connections everywhere.
 * Backpressure: a connection whose unsent bytes exceed `maxBufferedBytes`
 * is dropped with the reason "slow consumer" (the client resumes with
 * Last-Event-ID from the database); nothing is ever queued without bound.
 */
export class LiveHub {
  private readonly byUser = new Map<number, Set<LiveSink>>();
  private readonly counts = { sse: 0, ws: 0 };
  private readonly messages: Counter<'transport'>;
  private readonly dropped: Counter<'reason'>;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly pubsub: PubSub,
    registry: Registry,
    private readonly logger: Logger,
    private readonly maxBufferedBytes: number,
  ) {
    const counts = this.counts;
    new Gauge({
      name: 'notifications_live_connections',
      help: 'Live notification connections open in this process, by transport',
      labelNames: ['transport'] as const,
      registers: [registry],
      collect() {
        this.set({ transport: 'sse' }, counts.sse);
        this.set({ transport: 'ws' }, counts.ws);
      },
    });
    this.messages = new Counter({ name: 'notifications_live_messages_total', help: 'Notifications written to live connections, by transport (rate() = messages/s)', labelNames: ['transport'] as const, registers: [registry] });
    this.dropped = new Counter({ name: 'notifications_live_dropped_total', help: 'Live connections closed by the server, by reason', labelNames: ['reason'] as const, registers: [registry] });
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.pubsub.subscribe(CHANNEL, (message) => this.receive(message));
  }

  /** Tells every process (this one included) about a stored notification. */
  async publish(userId: number, id: number, json: string): Promise<void> {
    await this.pubsub.publish(CHANNEL, JSON.stringify({ userId, id, json } satisfies Broadcast));
  }

  attach(userId: number, sink: LiveSink): () => void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(sink);
    this.counts[sink.transport]++;
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.counts[sink.transport]--;
      set.delete(sink);
      if (set.size === 0 && this.byUser.get(userId) === set) this.byUser.delete(userId);
    };
  }

  connections(): number {
    return this.counts.sse + this.counts.ws;
  }

  /** Server shutdown: every connection told why, so clients reconnect elsewhere. */
  closeAll(reason: string): void {
    for (const set of this.byUser.values()) for (const sink of [...set]) sink.drop(reason);
  }

  async close(): Promise<void> {
    this.closeAll('server shutting down');
    await this.unsubscribe?.();
  }

  private receive(message: string): void {
    let broadcast: Broadcast;
    try {
      broadcast = JSON.parse(message) as Broadcast;
    } catch {
      return;
    }
    const sinks = this.byUser.get(broadcast.userId);
    if (!sinks) return;
    for (const sink of [...sinks]) this.deliver(sink, broadcast.id, broadcast.json);
  }

  /** Writes to one connection, or drops it when it has fallen too far behind. */
  deliver(sink: LiveSink, id: number, json: string): void {
    if (sink.buffered() > this.maxBufferedBytes) {
      this.dropped.inc({ reason: 'slow consumer' });
      this.logger.info({ transport: sink.transport, buffered: sink.buffered() }, 'notifications: dropping a slow live client');
      sink.drop('slow consumer');
      return;
    }
    sink.send(id, json);
    this.messages.inc({ transport: sink.transport });
  }
}
