import type { NotificationJson } from '../domain/present.js';
import type { LiveHub, LiveSink } from './live-hub.js';

/** At most this many missed notifications are replayed on a reconnect; more is a page of GET /api/notifications. */
export const REPLAY_LIMIT = 500;

/**
 * Connects a sink to the hub so that a reconnecting client misses nothing
 * and sees nothing twice: attach first (live ones are held), replay what
 * was stored after Last-Event-ID, then release the held ones; anything
 * with an id already sent is skipped.
 */
export async function openSession(options: {
  hub: LiveHub;
  userId: number;
  sink: LiveSink;
  lastEventId: number | undefined;
  replay: (after: number) => Promise<NotificationJson[]>;
}): Promise<() => void> {
  const { hub, sink } = options;
  let lastSent = options.lastEventId ?? 0;
  let held: { id: number; json: string }[] | null = options.lastEventId === undefined ? null : [];
  const forward: LiveSink = {
    transport: sink.transport,
    buffered: () => sink.buffered(),
    drop: (reason) => sink.drop(reason),
    send: (id, json) => {
      if (held) return void held.push({ id, json });
      if (id <= lastSent) return;
      lastSent = id;
      sink.send(id, json);
    },
  };
  const detach = hub.attach(options.userId, forward);
  if (held) {
    try {
      // Replayed and held live ones merge in id order; the id check drops the overlap.
      for (const n of await options.replay(lastSent)) held.push({ id: n.id, json: JSON.stringify(n) });
    } catch (err) {
      detach();
      throw err;
    }
    const pending = held;
    held = null;
    for (const p of pending.sort((a, b) => a.id - b.id)) forward.send(p.id, p.json);
  }
  return detach;
}
