import { Type } from '@sinclair/typebox';

/** Request shapes: types, lengths and patterns here; blank rules in the domain. */

// Control characters other than tab and newlines are refused: they have no place in product text, and two of them mark highlights.
const plainText = (maxLength: number, minLength = 0) =>
  Type.String({ minLength, maxLength, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$', description: 'must not contain control characters' });
const sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'letters, digits, . _ -' });
const price = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'in minor units (cents)' });
const currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'an ISO 4217 code such as EUR' });
const category = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', description: 'a lowercase slug such as home-audio' });
const attributes = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), { maxProperties: 50 });

export const NewProductBody = Type.Object({
  product: Type.Object({
    sku,
    name: plainText(200, 1),
    description: Type.Optional(plainText(10_000)),
    price,
    currency,
    category,
    attributes: Type.Optional(attributes),
    stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  }),
});

// Stock is not here: it moves only through reservations (src/contracts/catalog.ts).
export const UpdateProductBody = Type.Object({
  product: Type.Object(
    {
      sku: Type.Optional(sku),
      name: Type.Optional(plainText(200, 1)),
      description: Type.Optional(plainText(10_000)),
      price: Type.Optional(price),
      currency: Type.Optional(currency),
      category: Type.Optional(category),
      attributes: Type.Optional(attributes),
    },
    { minProperties: 1, additionalProperties: false },
  ),
});

export const ProductParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  category: Type.Optional(category),
  minPrice: Type.Optional(price),
  maxPrice: Type.Optional(price),
  inStock: Type.Optional(Type.Boolean()),
  sort: Type.Optional(Type.Union(['relevance', 'newest', 'price_asc', 'price_desc', 'name'].map((s) => Type.Literal(s)))),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
