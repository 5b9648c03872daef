import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import { jsonbText } from '../../../platform/text/jsonb.js';
import type { NotificationsTables } from './tables.js';

export type DeliveryRow = Selectable<NotificationsTables['notifications.webhook_deliveries']>;

/** A delivery claimed for one attempt, with what signing needs from its endpoint. */
export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: unknown;
  body: string | null;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_until: Date | null;
  user_id: number;
  /** The lease this claim holds (whole milliseconds, so it compares equal after a trip through a JS Date): outcomes are recorded only while it is still ours. */
  claimed_until: Date;
}

/**
 * The delivery queue and log in one table. `pending` rows whose
 * `next_attempt_at` has come are claimed with FOR UPDATE SKIP LOCKED and a
 * lease (`claimed_until`), so each attempt is made by one worker of one
 * process; `delivered` and `dead` rows are never claimed again. A worker
 * that dies mid-attempt leaves its lease to expire and the attempt is made
 * again (receivers deduplicate on webhook-id, as Standard Webhooks asks).
 */
export class DeliveriesStore {
  readonly db: Kysely<NotificationsTables>;

  constructor(database: Database) {
    this.db = database.as<NotificationsTables>();
  }

  /** In the notification's transaction: one delivery per endpoint, due now. */
  async enqueue(trx: Kysely<NotificationsTables>, webhookIds: readonly string[], notificationId: number, eventType: string, payload: unknown): Promise<string[]> {
    const ids: string[] = [];
    for (const webhookId of webhookIds) {
      const id = randomUUID();
      const row = await trx.insertInto('notifications.webhook_deliveries')
        .values({
          id, webhook_id: webhookId, notification_id: notificationId, event_type: eventType,
          payload: sql`${jsonbText(payload)}::jsonb`, next_attempt_at: sql<Date>`now()`, last_status: null, last_error: null, delivered_at: null, body: null, claimed_until: null,
        })
        .onConflict((oc) => oc.columns(['webhook_id', 'notification_id']).doNothing())
        .returning('id').executeTakeFirst();
      if (row) ids.push(row.id);
    }
    return ids;
  }

  /**
   * Leases up to `limit` due deliveries of enabled endpoints for `leaseMs`
   * and counts the attempt (an attempt cut short by a crash still counts).
   * One short transaction: nothing is held while the receivers are called.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const lease = `${leaseMs} milliseconds`;
    const { rows } = await sql<ClaimedDelivery>`with due as (
        select d.id from notifications.webhook_deliveries d
        join notifications.webhooks w on w.id = d.webhook_id and w.disabled_at is null
        where d.status = 'pending' and d.next_attempt_at <= now() and (d.claimed_until is null or d.claimed_until <= now())
        order by d.next_attempt_at limit ${limit}
        for update of d skip locked),
      claimed as (
        update notifications.webhook_deliveries d set claimed_until = date_trunc('milliseconds', now() + ${lease}::interval), attempts = d.attempts + 1
        from due where d.id = due.id
        returning d.id, d.webhook_id, d.event_type, d.payload, d.body, d.attempts, d.claimed_until)
      select c.*, w.url, w.secret, w.previous_secret, w.previous_until, w.user_id
      from claimed c join notifications.webhooks w on w.id = c.webhook_id`.execute(this.db);
    return rows.map((r) => ({ ...r, attempts: Number(r.attempts), user_id: Number(r.user_id) }));
  }

  /** The body every attempt sends: the first writer's (a concurrent render loses and uses the stored one). */
  async keepBody(id: string, body: string): Promise<string> {
    const row = await this.db.updateTable('notifications.webhook_deliveries')
      .set({ body: sql<string>`coalesce(body, ${body})` }).where('id', '=', id).returning('body').executeTakeFirstOrThrow();
    return row.body!;
  }

  /** Success: delivered for good, and the endpoint's failure clock stops. False when the lease was lost (someone else owns the outcome). */
  async succeeded(claim: ClaimedDelivery, status: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('notifications.webhook_deliveries')
        .set({ status: 'delivered', delivered_at: sql<Date>`now()`, last_status: status, last_error: null, next_attempt_at: null, claimed_until: null })
        .where('id', '=', claim.id).where('status', '=', 'pending').where('claimed_until', '=', claim.claimed_until)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx.updateTable('notifications.webhooks').set({ failing_since: null }).where('id', '=', claim.webhook_id).execute();
      return true;
    });
  }

  /**
   * No attempt was made after all (the body could not be rendered, e.g.
   * identity unreachable): the claim is given back and not counted, due
   * again after `afterMs`, so such an outage cannot use up a delivery's attempts.
   */
  async release(claim: ClaimedDelivery, afterMs: number): Promise<void> {
    await this.db.updateTable('notifications.webhook_deliveries')
      .set({ claimed_until: null, attempts: sql<number>`attempts - 1`, next_attempt_at: sql<Date>`now() + ${`${afterMs} milliseconds`}::interval` })
      .where('id', '=', claim.id).where('status', '=', 'pending').where('claimed_until', '=', claim.claimed_until)
      .execute();
  }

  /**
   * Failure: due again after `retryInMs`, or dead (null). Starts the
   * endpoint's failure clock if it was not running and answers how long it
   * has been failing.
   */
  async failed(claim: ClaimedDelivery, outcome: { status: number | null; error: string }, retryInMs: number | null): Promise<{ failingForMs: number } | null> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('notifications.webhook_deliveries')
        .set({
          status: retryInMs === null ? 'dead' : 'pending',
          next_attempt_at: retryInMs === null ? null : sql<Date>`now() + ${`${retryInMs} milliseconds`}::interval`,
          last_status: outcome.status, last_error: outcome.error.slice(0, 500), claimed_until: null,
        })
        .where('id', '=', claim.id).where('status', '=', 'pending').where('claimed_until', '=', claim.claimed_until)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      const { rows } = await sql<{ ms: number }>`update notifications.webhooks set failing_since = coalesce(failing_since, now())
        where id = ${claim.webhook_id} returning extract(epoch from now() - failing_since) * 1000 as ms`.execute(trx);
      return { failingForMs: Number(rows[0]?.ms ?? 0) };
    });
  }

  /** Disables the endpoint (if it still is enabled) and dead-letters its pending deliveries with the reason, which the log shows. */
  async disable(webhookId: string, reason: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('notifications.webhooks').set({ disabled_at: sql<Date>`now()`, disabled_reason: reason })
        .where('id', '=', webhookId).where('disabled_at', 'is', null).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx.updateTable('notifications.webhook_deliveries')
        .set({ status: 'dead', next_attempt_at: null, last_error: `endpoint disabled: ${reason}`.slice(0, 500), claimed_until: null })
        .where('webhook_id', '=', webhookId).where('status', '=', 'pending').execute();
      return true;
    });
  }

  /** Newest first, `seq` below `before` (the cursor). */
  async page(webhookId: string, before: number | undefined, limit: number, status?: string): Promise<DeliveryRow[]> {
    let query = this.db.selectFrom('notifications.webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (before !== undefined) query = query.where('seq', '<', before);
    if (status !== undefined) query = query.where('status', '=', status);
    return query.orderBy('seq', 'desc').limit(limit).execute();
  }

  async get(webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('notifications.webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).where('id', '=', id).executeTakeFirst();
  }

  /** Every dead delivery of the endpoint back in the queue (after it was re-enabled, say); how many. */
  async replayAll(webhookId: string): Promise<number> {
    const result = await this.db.updateTable('notifications.webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, claimed_until: null })
      .where('webhook_id', '=', webhookId).where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A dead delivery back in the queue, due now, with a fresh run of attempts; undefined when it is not dead. */
  async replay(webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    return this.db.updateTable('notifications.webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, claimed_until: null })
      .where('webhook_id', '=', webhookId).where('id', '=', id).where('status', '=', 'dead')
      .returningAll().executeTakeFirst();
  }
}
