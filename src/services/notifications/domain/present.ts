import type { UserProfile } from '../../../contracts/identity.js';
import type { NotificationRow } from '../data/notifications.store.js';

/** A notification as clients (REST, SSE, WebSocket, webhooks) see it. */
export interface NotificationJson {
  id: number;
  type: string;
  read: boolean;
  createdAt: string;
  /** Who caused it; null when the account is gone. */
  actor: { username: string; image: string | null } | null;
  [detail: string]: unknown;
}

export function notificationJson(row: NotificationRow, actors: Map<number, UserProfile>): NotificationJson {
  const actor = row.actor_id === null ? undefined : actors.get(Number(row.actor_id));
  const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
  return {
    ...data,
    id: Number(row.id),
    type: row.type,
    read: row.read_at !== null,
    createdAt: row.created_at.toISOString(),
    actor: actor ? { username: actor.username, image: actor.image } : null,
  };
}

export function actorIds(rows: readonly NotificationRow[]): number[] {
  return [...new Set(rows.flatMap((r) => (r.actor_id === null ? [] : [Number(r.actor_id)])))];
}
