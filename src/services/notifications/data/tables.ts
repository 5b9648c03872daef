import type { Generated } from 'kysely';

/** The notifications schema as Kysely sees it; mirrors ../migrations.ts. */
export interface NotificationsTables {
  'notifications.notifications': {
    id: Generated<number>;
    user_id: number;
    type: string;
    actor_id: number | null;
    data: unknown;
    event_id: string;
    created_at: Generated<Date>;
    read_at: Date | null;
  };
  'notifications.email_pending': { notification_id: number; user_id: number };
  'notifications.preferences': { user_id: number; channel: string; type: string; enabled: boolean };
  'notifications.webhooks': {
    id: string;
    user_id: number;
    url: string;
    events: string[];
    secret: string;
    previous_secret: string | null;
    previous_until: Date | null;
    disabled_at: Date | null;
    disabled_reason: string | null;
    failing_since: Date | null;
    created_at: Generated<Date>;
  };
  'notifications.webhook_deliveries': {
    id: string;
    webhook_id: string;
    event_type: string;
    payload: unknown;
    status: Generated<string>;
    attempts: Generated<number>;
    last_status: number | null;
    last_error: string | null;
    next_attempt_at: Date | null;
    created_at: Generated<Date>;
    delivered_at: Date | null;
    seq: Generated<number>;
    notification_id: number | null;
    body: string | null;
    claimed_until: Date | null;
  };
}
