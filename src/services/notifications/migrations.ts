import type { ServiceMigrations } from '../../platform/db/migrations.js';

/**
 * notifications owns what each user is told (in-app), their preferences,
 * and their webhook endpoints with the log of every delivery. User ids are
 * identity's; no foreign key crosses schemas.
 */
export const notificationsMigrations: ServiceMigrations = {
  service: 'notifications',
  schema: 'notifications',
  migrations: [
    {
      version: 1,
      name: 'notifications, preferences, webhooks',
      statements: [
        `create table notifications.notifications (
          id bigint generated always as identity primary key,
          user_id bigint not null,
          type text not null,
          actor_id bigint,
          data jsonb not null,
          event_id text not null,
          created_at timestamptz not null default now(),
          read_at timestamptz,
          unique (event_id, user_id)
        )`,
        // A user's list, newest first (id is the cursor), and the unread count.
        `create index notifications_user on notifications.notifications (user_id, id desc)`,
        `create index notifications_unread on notifications.notifications (user_id) where read_at is null`,
        `create table notifications.preferences (
          user_id bigint not null,
          channel text not null,
          type text not null,
          enabled boolean not null,
          primary key (user_id, channel, type)
        )`,
        `create table notifications.webhooks (
          id uuid primary key,
          user_id bigint not null,
          url text not null,
          events text[] not null,
          secret text not null,
          previous_secret text,
          previous_until timestamptz,
          disabled_at timestamptz,
          disabled_reason text,
          created_at timestamptz not null default now()
        )`,
        `create index webhooks_user on notifications.webhooks (user_id)`,
        `create table notifications.webhook_deliveries (
          id uuid primary key,
          webhook_id uuid not null references notifications.webhooks (id) on delete cascade,
          event_type text not null,
          payload jsonb not null,
          status text not null default 'pending',
          attempts integer not null default 0,
          last_status integer,
          last_error text,
          next_attempt_at timestamptz,
          created_at timestamptz not null default now(),
          delivered_at timestamptz
        )`,
        `create index webhook_deliveries_webhook on notifications.webhook_deliveries (webhook_id, created_at desc, id)`,
      ],
    },
    {
      version: 2,
      name: 'webhook delivery queue',
      statements: [
        // The deliveries table is the queue (polled with SKIP LOCKED): it survives a restart on every bus, memory included.
        // seq: the delivery log's cursor; body: rendered once, so every retry sends the same bytes under the same webhook-id;
        // claimed_until: the lease of the one worker sending it now; notification_id: one delivery per endpoint and notification.
        `alter table notifications.webhook_deliveries
          add column seq bigint generated always as identity,
          add column notification_id bigint,
          add column body text,
          add column claimed_until timestamptz`,
        `drop index notifications.webhook_deliveries_webhook`,
        `create index webhook_deliveries_log on notifications.webhook_deliveries (webhook_id, seq desc)`,
        `create unique index webhook_deliveries_once on notifications.webhook_deliveries (webhook_id, notification_id)`,
        `create index webhook_deliveries_due on notifications.webhook_deliveries (next_attempt_at) where status = 'pending'`,
        // Since when every attempt to the endpoint has failed (null after a success): the clock that disables it.
        `alter table notifications.webhooks add column failing_since timestamptz`,
      ],
    },
    {
      version: 3,
      name: 'email digest queue',
      statements: [
        // With EMAIL_DIGEST_MINUTES, a notification to be mailed waits here (written in its own transaction) until the digest job sends and deletes it.
        `create table notifications.email_pending (
          notification_id bigint primary key,
          user_id bigint not null
        )`,
        `create index email_pending_user on notifications.email_pending (user_id)`,
      ],
    },
  ],
};
