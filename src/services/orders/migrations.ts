import type { ServiceMigrations } from '../../platform/db/migrations.js';

/**
 * orders owns orders (one row per order: the saga's persisted state), their
 * lines with the prices read from the catalog at checkout, every state
 * transition (the order's history), and the Idempotency-Key answers of its
 * POSTs (durable: a retry after a restart still gets the first answer).
 */
export const ordersMigrations: ServiceMigrations = {
  service: 'orders',
  schema: 'orders',
  migrations: [
    {
      version: 1,
      name: 'orders, lines, transitions, idempotency keys',
      statements: [
        `create table orders.orders (
          id text primary key,
          user_id bigint not null,
          status text not null check (status in ('pending', 'reserved', 'paid', 'confirmed', 'cancelled', 'needs_attention')),
          total bigint not null check (total >= 0),
          currency text not null,
          charge_id text,
          refunded boolean not null default false,
          note text,
          reason text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`,
        `create index orders_user on orders.orders (user_id, created_at desc)`,
        `create table orders.order_lines (
          order_id text not null references orders.orders (id) on delete cascade,
          product_id bigint not null,
          quantity integer not null check (quantity > 0),
          price bigint not null check (price >= 0),
          name text not null,
          primary key (order_id, product_id)
        )`,
        `create table orders.transitions (
          seq bigserial primary key,
          order_id text not null references orders.orders (id) on delete cascade,
          from_status text,
          to_status text not null,
          reason text,
          at timestamptz not null default now()
        )`,
        `create index transitions_order on orders.transitions (order_id, seq)`,
        `create table orders.idempotency_keys (
          scope text not null,
          key text not null,
          fingerprint text not null,
          state text not null check (state in ('in_flight', 'done')),
          status integer,
          headers jsonb,
          body text,
          locked_at timestamptz not null default now(),
          expires_at timestamptz not null,
          primary key (scope, key)
        )`,
        `create index idempotency_keys_expiry on orders.idempotency_keys (expires_at)`,
      ],
    },
  ],
};
