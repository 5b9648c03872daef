import type { IdentityClient } from '../../../contracts/identity.js';
import { notificationJson } from '../domain/present.js';
import type { DeliveryPayload } from './webhook-channel.js';

/**
 * The body of a delivery, in Standard Webhooks' shape: `type`, `timestamp`
 * (when the notification was made) and `data` (the notification as the REST
 * API shows it, with who caused it). Rendered once per delivery and stored:
 * every retry sends these bytes.
 */
export function bodyRenderer(identity: IdentityClient) {
  return async (payload: DeliveryPayload, eventType: string): Promise<string> => {
    const actors = await identity.usersByIds(payload.actorId === null ? [] : [payload.actorId]);
    const { read: _read, ...data } = notificationJson(
      {
        id: payload.notificationId, user_id: 0, type: payload.type, actor_id: payload.actorId, data: payload.data,
        event_id: '', created_at: new Date(payload.createdAt), read_at: null,
      },
      actors,
    );
    return JSON.stringify({ type: eventType, timestamp: payload.createdAt, data });
  };
}
