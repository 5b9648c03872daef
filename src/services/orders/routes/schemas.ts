import { Type } from '@sinclair/typebox';

const productId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const quantity = Type.Integer({ minimum: 1, maximum: 100 });

export const AddItemBody = Type.Object({ item: Type.Object({ productId, quantity }, { additionalProperties: false }) });
export const ChangeItemBody = Type.Object({ item: Type.Object({ quantity }, { additionalProperties: false }) });
export const ItemParams = Type.Object({ productId });

export const CheckoutBody = Type.Object({
  order: Type.Object(
    { note: Type.Optional(Type.String({ maxLength: 500, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' })) },
    { additionalProperties: false },
  ),
});
export const OrderParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
