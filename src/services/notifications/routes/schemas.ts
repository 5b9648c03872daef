import { Type } from '@sinclair/typebox';
import { CHANNELS, NOTIFICATION_TYPES } from '../domain/rules.js';

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  /** The cursor: `nextCursor` of the previous page. */
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
});

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** `{"ids":[...]}` marks those read, `{"all":true}` every one. */
export const ReadBody = Type.Union([
  Type.Object({ ids: Type.Array(Id, { minItems: 1, maxItems: 500 }) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);

const TypeSwitches = Type.Partial(Type.Object(Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, Type.Boolean()])), { additionalProperties: false }));
export const PreferencesBody = Type.Object({
  preferences: Type.Partial(Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, TypeSwitches])), { additionalProperties: false })),
});

export const StreamQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 4096 })),
  /** Same as the Last-Event-ID header, for clients that cannot send it. */
  lastEventId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
