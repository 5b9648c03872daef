import { Type } from '@sinclair/typebox';
import { NOTIFICATION_TYPES } from '../domain/rules.js';

const Url = Type.String({ minLength: 1, maxLength: 2048 });
/** The notification types an endpoint receives; anything else is a 422 naming the field. */
const Events = Type.Array(Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))), { minItems: 1, maxItems: NOTIFICATION_TYPES.length * 2 });

export const CreateWebhookBody = Type.Object({
  webhook: Type.Object({ url: Url, events: Events }, { additionalProperties: false }),
});

export const UpdateWebhookBody = Type.Object({
  webhook: Type.Object(
    { url: Type.Optional(Url), events: Type.Optional(Events), enabled: Type.Optional(Type.Boolean()) },
    { additionalProperties: false, minProperties: 1 },
  ),
});

/** Validated as UUIDs by the domain (anything else is 404, like an unknown id). */
export const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const DeliveryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), deliveryId: Type.String({ minLength: 1, maxLength: 100 }) });

export const ListWebhooksQuery = Type.Object({
  /** Admins only: every user's endpoints. */
  all: Type.Optional(Type.Boolean()),
});

export const DeliveriesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  /** The cursor: `nextCursor` of the previous page. */
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')])),
});
