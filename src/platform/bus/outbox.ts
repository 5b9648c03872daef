import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { newId } from './envelope.js';
import { withContextHeaders } from './message-context.js';
import { tracePublish } from '../tracing/bus-spans.js';
import { WakeableLoop } from './wakeable-loop.js';
import type { Bus, Headers, OutgoingEvent } from './port.js';
import { jsonbText } from '../text/jsonb.js';

/**
 * Writes events into platform.outbox inside the caller's transaction, so
 * they exist if and only if the change they describe committed. `trx` is
 * the service's own (typed) transaction. Returns the event ids.
 */
export async function addToOutbox<Tables>(trx: Kysely<Tables>, events: OutgoingEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) {
    const id = e.id ?? newId();
    ids.push(id);
    await sql`insert into platform.outbox (id, topic, key, payload, headers)
      values (${id}, ${e.topic}, ${e.key}, ${jsonbText(e.payload)}::jsonb, ${jsonbText(withContextHeaders(e.headers))}::jsonb)`.execute(trx);
  }
  return ids;
}

/** A job enqueued only if the caller's transaction commits (e.g. the job behind a 202 Accepted). */
export async function addJobToOutbox<Tables>(trx: Kysely<Tables>, queue: string, payload: unknown, options: { id?: string; headers?: Headers } = {}): Promise<string> {
  const id = options.id ?? newId();
  await sql`insert into platform.outbox (id, kind, topic, key, payload, headers)
    values (${id}, 'job', ${queue}, ${id}, ${jsonbText(payload)}::jsonb, ${jsonbText(withContextHeaders(options.headers))}::jsonb)`.execute(trx);
  return id;
}

/** What the relay sends through: the Bus, or anything with the same two methods. */
export type RelayTarget = Pick<Bus, 'publish' | 'enqueue'>;

interface OutboxRow {
  seq: number;
  kind: 'event' | 'job';
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Headers;
}

export interface RelayOptions {
  batchSize?: number;
  /** How often to look when nobody called wake() (default 250 ms). */
  pollMs?: number;
  /**
   * How long a claimed batch is this relay's (default 30 s). A relay that
   * dies mid-publish holds its rows, and the later rows of the same keys,
   * this long; a publish slower than this may be sent twice (inboxes absorb it).
   */
  leaseMs?: number;
  logger?: Logger;
  /** Bus.epoch: when it changes, rows sent before are sent again (the broker may have lost them). */
  brokerEpoch?: () => Promise<string | null>;
}

/** Serialises claims across relays (one short transaction each), so two relays never split a key. */
const CLAIM_LOCK = 'scalestack.outbox.claim';

/** A row a claim may take, before the per-key order: unsent, and not leased (or its lease expired). The poll's check and the claim share it. */
const UNSENT_AND_FREE = sql`sent_at is null and (claimed_until is null or claimed_until <= now())`;

/**
 * Publishes unsent outbox rows and marks them sent only after the broker
 * confirmed them. Three steps, and only the first is a transaction:
 *
 * 1. claim: a short transaction (serialised by an advisory lock) leases a
 *    batch — sets `claimed_until` — and commits. No connection is held
 *    while the broker works: on PGlite, which has one connection, a slow
 *    broker would otherwise stall every request of the process.
 * 2. publish the batch outside any transaction, in `seq` order.
 * 3. mark the rows sent once the broker confirmed; on failure release the
 *    lease so the retry does not wait for it.
 *
 * Order guarantee, per key (the aggregate id): a row is claimed only when
 * no earlier unsent row of its key is leased by anyone, and a relay
 * publishes its batch in `seq` order, so the first publication of a key's
 * committed events follows `seq` (insert) order even with one relay per
 * process. That is commit order where a key's writes are serialised (an
 * aggregate's writes lock its row); a transaction that took a lower `seq`
 * but commits after a higher one was published is published after it.
 * Keys are not ordered against each other. A re-send (failed batch, expired
 * lease, broker epoch change) may deliver a duplicate of an older event
 * after a newer one; the consumer's inbox drops it. What a consumer then
 * sees also depends on the broker (ADR 0005: retries reorder).
 *
 * A relay that dies mid-publish leaves its rows leased; they are sent again
 * when the lease expires (`leaseMs`), by any relay.
 */
export class OutboxRelay {
  private readonly loop = new WakeableLoop(
    (woken) => this.relayAll(woken),
    () => (this.failures > 0 ? Math.min(5000, 100 * 2 ** this.failures) : this.options.pollMs ?? 250),
  );
  private failures = 0;
  private epoch: string | null = null;

  constructor(
    private readonly database: Database,
    private readonly target: RelayTarget,
    private readonly options: RelayOptions = {},
  ) {}

  start(): this {
    this.loop.start();
    return this;
  }

  /** Look now (call after committing a transaction that wrote to the outbox). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Sends batches until one comes back short: a short batch was everything claimable when it was claimed, and
   * whatever commits after wakes the loop again (or the next poll finds it). A poll (not woken) first asks
   * whether anything is claimable at all, one statement without a transaction: an idle relay polls four
   * times a second, and a claim is four statements (begin, the claim lock, the claim, commit).
   */
  private async relayAll(woken: boolean): Promise<void> {
    const limit = this.batchSize();
    try {
      await this.checkEpoch();
      if (woken || (await this.anyClaimable())) while (!this.loop.isStopped && (await this.relayBatch()) === limit);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.options.logger?.warn({ err, failures: this.failures }, 'outbox relay: publish failed; will retry');
    }
  }

  private batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  /** Whether a claim would find a row now (claim() adds the per-key order to the same condition). */
  private async anyClaimable(): Promise<boolean> {
    const { rows } = await sql<{ found: boolean }>`select exists (select 1 from platform.outbox where ${UNSENT_AND_FREE}) as found`
      .execute(this.database.as<Record<string, never>>());
    return rows[0]?.found === true;
  }

  /** Sends one batch; returns how many rows it sent (0: nothing claimable now). */
  async relayBatch(): Promise<number> {
    const rows = await this.claim();
    if (rows.length === 0) return 0;
    const db = this.database.as<Record<string, never>>();
    const seqs = rows.map((r) => r.seq);
    // One publish span per row, child of the request that wrote it; its traceparent is what the consumer sees.
    const traced = tracePublish(rows);
    try {
      await this.publishInOrder(traced.rows);
    } catch (err) {
      traced.end(err);
      await sql`update platform.outbox set claimed_until = null where seq = any(${seqs}::bigint[]) and sent_at is null`.execute(db).catch(() => {});
      throw err;
    }
    traced.end();
    await sql`update platform.outbox set sent_at = now(), claimed_until = null where seq = any(${seqs}::bigint[])`.execute(db);
    return rows.length;
  }

  /**
   * Leases up to batchSize unsent rows in `seq` order, skipping rows leased
   * by another relay and every row whose key has an earlier row leased.
   * Expired leases count as free (their relay died or stalled).
   */
  private async claim(): Promise<OutboxRow[]> {
    const lease = `${this.options.leaseMs ?? 30_000} milliseconds`;
    const limit = this.batchSize();
    return this.database.as<Record<string, never>>().transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${CLAIM_LOCK}))`.execute(trx);
      const { rows } = await sql<OutboxRow>`with claimed as (
          update platform.outbox set claimed_until = now() + ${lease}::interval
          where seq in (
            select o.seq from platform.outbox o
            where ${UNSENT_AND_FREE}
              and not exists (
                select 1 from platform.outbox earlier
                where earlier.key = o.key and earlier.sent_at is null and earlier.seq < o.seq and earlier.claimed_until > now())
            order by o.seq limit ${limit})
          returning seq, kind, id, topic, key, payload, headers)
        select * from claimed order by seq`.execute(trx);
      return rows;
    });
  }

  /** Runs of events go out as one publish, jobs one by one, all in `seq` order. */
  private async publishInOrder(rows: OutboxRow[]): Promise<void> {
    let events: OutboxRow[] = [];
    const flushEvents = async () => {
      if (events.length === 0) return;
      await this.target.publish(events.map((r) => ({ id: r.id, topic: r.topic, key: r.key, payload: r.payload, headers: r.headers })));
      events = [];
    };
    for (const row of rows) {
      if (row.kind === 'event') {
        events.push(row);
        continue;
      }
      await flushEvents();
      await this.target.enqueue(row.topic, row.payload, { id: row.id, headers: row.headers });
    }
    await flushEvents();
  }

  /**
   * A broker that restarted without its data may have dropped events it had
   * confirmed: send again everything still retained. Consumers' inboxes turn
   * the duplicates into no-ops; nothing is lost.
   */
  private async checkEpoch(): Promise<void> {
    const epoch = (await this.options.brokerEpoch?.()) ?? null;
    if (this.epoch !== null && epoch !== null && epoch !== this.epoch) {
      const result = await sql`update platform.outbox set sent_at = null where sent_at is not null`.execute(this.database.as<Record<string, never>>());
      this.options.logger?.warn({ resent: Number(result.numAffectedRows ?? 0) }, 'outbox relay: broker restarted without its data; re-sending retained events');
    }
    this.epoch = epoch;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
