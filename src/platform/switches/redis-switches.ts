import type { Redis } from 'ioredis';
import { createRedis } from '../redis/create-redis.js';
import { MemorySwitches } from './memory-switches.js';
import type { Peer, SwitchChange, SwitchValues } from './switches.js';

type Message = { type: 'change'; change: SwitchChange } | { type: 'beat'; peer: Peer };

const BEAT_MS = 1_000;
const RESUBSCRIBE_MS = 1_000;
/** A peer unheard for this long is gone (generous: a busy process's event loop can stall for seconds). */
const PEER_TTL_MS = 15_000;

/**
 * With REDIS_URL: a change is stored (so a process starting later adopts it) and published on a
 * channel every process subscribes to; each applies it on receipt. Every process also beats on
 * the channel once a second with what it has applied: the console's topology, and the proof
 * that a change took effect there.
 */
export class RedisSwitches extends MemorySwitches {
  private readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly others = new Map<string, Peer>();
  private self: { url: string; services: string[] } = { url: '', services: [] };
  private timer: NodeJS.Timeout | undefined;
  private resubscribe: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(url: string, private readonly prefix: string, initial: SwitchValues) {
    super(initial);
    // Console-paced commands: a loaded Redis gets 5 s, not the request path's 1 s.
    this.command = createRedis(url, { name: 'switches', overrides: { commandTimeout: 5_000 } });
    // A subscription is one long-lived command: a busy Redis gets longer than the 1 s default to confirm it.
    this.subscriber = createRedis(url, { name: 'switches-sub', use: 'subscriber', overrides: { commandTimeout: 10_000 } });
  }

  static async open(url: string, prefix: string, initial: SwitchValues): Promise<RedisSwitches> {
    const board = new RedisSwitches(url, prefix, initial);
    await board.start();
    return board;
  }

  private get channel(): string {
    return `${this.prefix}:switches`;
  }

  private async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    // Redis away or slow at start: the process starts anyway on its own values, and asks again until Redis confirms.
    await this.subscribe();
    // Changes made before this process started win over its environment.
    const stored = await this.command.get(`${this.channel}:values`).catch(() => null);
    if (stored) this.current = { ...this.current, ...(JSON.parse(stored) as Partial<SwitchValues>) };
    const log = await this.command.lrange(`${this.channel}:log`, 0, -1).catch(() => [] as string[]);
    this.history = log.map((line) => JSON.parse(line) as SwitchChange).reverse();
    this.timer = setInterval(() => void this.beat(), BEAT_MS);
    this.timer.unref();
  }

  /**
   * A SUBSCRIBE that times out (a start that blocks the event loop past the command timeout: the reply
   * waits unread while the timer fires) leaves this process deaf to every change and beat; so it is
   * asked again, a second later, until Redis confirms. Asking twice is harmless.
   */
  private async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch {
      if (this.closed) return;
      this.resubscribe = setTimeout(() => void this.subscribe(), RESUBSCRIBE_MS);
      this.resubscribe.unref();
    }
  }

  override async set(changed: Partial<SwitchValues>, by: string): Promise<SwitchChange> {
    const change: SwitchChange = { at: Date.now(), by, origin: this.id, changed };
    const next = { ...this.current, ...changed };
    await this.command
      .multi()
      .set(`${this.channel}:values`, JSON.stringify(next))
      .lpush(`${this.channel}:log`, JSON.stringify(change))
      .ltrim(`${this.channel}:log`, 0, 99)
      .publish(this.channel, JSON.stringify({ type: 'change', change } satisfies Message))
      .exec();
    // Applied here at once (unless a beat took it from the store meanwhile); our own message coming back is skipped.
    if (!this.seen(change)) this.apply(change);
    return change;
  }

  private receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (message.type === 'change') {
      if (message.change.origin === this.id || this.seen(message.change)) return;
      this.apply(message.change);
      void this.beat();
    } else if (message.peer.id !== this.id) {
      this.others.set(message.peer.id, message.peer);
    }
  }

  private seen(change: SwitchChange): boolean {
    return this.history.some((c) => c.at === change.at && c.origin === change.origin);
  }

  /**
   * Pub/sub delivers at most once: a message sent while this process's subscription was down (a
   * reconnect, a subscribe that timed out on a busy Redis) is gone. Each beat compares what is applied
   * here with the stored values and takes in what differs, so a missed change lands within a beat.
   */
  private async reconcile(): Promise<void> {
    const [stored, head] = await Promise.all([
      this.command.get(`${this.channel}:values`),
      this.command.lindex(`${this.channel}:log`, 0),
    ]).catch(() => [null, null] as const);
    if (!stored) return;
    const values = JSON.parse(stored) as Partial<SwitchValues>;
    const changed = Object.fromEntries(
      Object.entries(values).filter(([key, value]) => this.current[key as keyof SwitchValues] !== value),
    ) as Partial<SwitchValues>;
    if (Object.keys(changed).length === 0) return;
    const latest = head ? (JSON.parse(head) as SwitchChange) : undefined;
    this.apply({ at: latest?.at ?? Date.now(), by: latest?.by ?? 'stored values', origin: latest?.origin ?? 'store', changed });
  }

  private async beat(): Promise<void> {
    await this.reconcile();
    const peer: Peer = { id: this.id, url: this.self.url, services: this.self.services, applied: this.current, seenAt: Date.now() };
    await this.command.publish(this.channel, JSON.stringify({ type: 'beat', peer } satisfies Message)).catch(() => {});
  }

  override peers(): Peer[] {
    const now = Date.now();
    for (const [id, peer] of this.others) if (now - peer.seenAt > PEER_TTL_MS) this.others.delete(id);
    return [...this.others.values()];
  }

  override introduce(self: { url: string; services: string[] }): void {
    this.self = self;
    void this.beat();
  }

  override async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.resubscribe);
    clearInterval(this.timer);
    this.subscriber.disconnect();
    this.command.disconnect();
  }
}
