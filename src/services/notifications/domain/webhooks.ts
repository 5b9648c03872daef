import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { IdentityClient } from '../../../contracts/identity.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { DeliveriesStore, DeliveryRow } from '../data/deliveries.store.js';
import type { WebhookRow, WebhooksStore } from '../data/webhooks.store.js';
import type { AddressPolicy } from '../webhooks/address-policy.js';
import { newSecret } from '../webhooks/signing.js';

/** An endpoint as its owner sees it; the secret only in the answers that create or rotate it. */
export interface WebhookJson {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  secret?: string;
}

export interface DeliveryJson {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Ids are UUIDs; anything else names no endpoint or delivery (a 404, not a database error). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user may register this many endpoints. */
export const MAX_WEBHOOKS_PER_USER = 20;

const webhookJson = (row: WebhookRow, secret?: string): WebhookJson => ({
  id: row.id, url: row.url, events: row.events, enabled: row.disabled_at === null, disabledReason: row.disabled_reason,
  createdAt: row.created_at.toISOString(), ...(secret ? { secret } : {}),
});

const deliveryJson = (row: DeliveryRow): DeliveryJson => ({
  id: row.id, eventType: row.event_type, status: row.status, attempts: Number(row.attempts), lastStatus: row.last_status,
  lastError: row.last_error, nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(), deliveredAt: row.delivered_at?.toISOString() ?? null,
});

/**
 * Users' webhook endpoints and their delivery logs. Each user manages their
 * own; admins may read and manage anyone's. Another user's endpoint is "not
 * found" (404), never "forbidden": its existence is not confirmed.
 */
export class WebhooksDomain {
  constructor(
    private readonly webhooks: WebhooksStore,
    private readonly deliveries: DeliveriesStore,
    private readonly identity: IdentityClient,
    private readonly policy: AddressPolicy,
    private readonly rotationOverlapMs: number,
  ) {}

  async create(userId: number, input: { url: string; events: string[] }): Promise<WebhookJson> {
    const url = this.checkedUrl(input.url);
    if ((await this.webhooks.countOf(userId)) >= MAX_WEBHOOKS_PER_USER) throw errors.validation({ webhooks: [`at most ${MAX_WEBHOOKS_PER_USER} per user`] });
    const secret = newSecret();
    const row = await this.webhooks.insert({ id: randomUUID(), user_id: userId, url, events: [...new Set(input.events)], secret });
    return webhookJson(row, secret);
  }

  /** The caller's endpoints; an admin's `all` lists everyone's. */
  async list(userId: number, all: boolean): Promise<WebhookJson[]> {
    if (all && !(await this.isAdmin(userId))) throw errors.roleRequired('admin');
    return (await this.webhooks.list(all ? null : userId)).map((row) => webhookJson(row));
  }

  async get(userId: number, id: string): Promise<WebhookJson> {
    return webhookJson(await this.visible(userId, id));
  }

  /** A new URL or event list; `enabled: true` turns a disabled endpoint back on (its failure clock restarts). */
  async update(userId: number, id: string, changes: { url?: string; events?: string[]; enabled?: boolean }): Promise<WebhookJson> {
    await this.visible(userId, id);
    const url = changes.url === undefined ? undefined : this.checkedUrl(changes.url);
    const row = await this.webhooks.update(id, { ...changes, url, ...(changes.events ? { events: [...new Set(changes.events)] } : {}) });
    if (!row) throw errors.notFound('webhook');
    return webhookJson(row);
  }

  /** A new secret, shown once; the previous one keeps signing alongside it for the overlap. */
  async rotateSecret(userId: number, id: string): Promise<WebhookJson> {
    await this.visible(userId, id);
    const secret = newSecret();
    const row = await this.webhooks.rotate(id, secret, this.rotationOverlapMs);
    if (!row) throw errors.notFound('webhook');
    return webhookJson(row, secret);
  }

  async delete(userId: number, id: string): Promise<void> {
    await this.visible(userId, id);
    if (!(await this.webhooks.delete(id))) throw errors.notFound('webhook');
  }

  async deliveryLog(userId: number, id: string, query: { before?: number | undefined; limit: number; status?: string | undefined }): Promise<{ deliveries: DeliveryJson[]; nextCursor: string | null }> {
    await this.visible(userId, id);
    const rows = await this.deliveries.page(id, query.before, query.limit + 1, query.status);
    const shown = rows.slice(0, query.limit);
    return { deliveries: shown.map(deliveryJson), nextCursor: rows.length > query.limit ? String(shown[shown.length - 1]!.seq) : null };
  }

  /** A dead-lettered delivery sent again (a fresh run of attempts); one that is not dead is refused. */
  async replay(userId: number, id: string, deliveryId: string): Promise<DeliveryJson> {
    await this.visible(userId, id);
    if (!UUID.test(deliveryId)) throw errors.notFound('delivery');
    const row = await this.deliveries.replay(id, deliveryId);
    if (row) return deliveryJson(row);
    if (!(await this.deliveries.get(id, deliveryId))) throw errors.notFound('delivery');
    throw errors.validation({ delivery: ['is not dead-lettered'] });
  }

  /** Every dead-lettered delivery of the endpoint sent again. */
  async replayDead(userId: number, id: string): Promise<{ replayed: number }> {
    await this.visible(userId, id);
    return { replayed: await this.deliveries.replayAll(id) };
  }

  /** The endpoint when the caller owns it or is an admin; otherwise 404, as if it did not exist. */
  private async visible(userId: number, id: string): Promise<WebhookRow> {
    const row = UUID.test(id) ? await this.webhooks.get(id) : undefined;
    if (!row || (Number(row.user_id) !== userId && !(await this.isAdmin(userId)))) throw errors.notFound('webhook');
    return row;
  }

  private async isAdmin(userId: number): Promise<boolean> {
    return (await this.identity.standing(userId))?.roles?.includes('admin') ?? false;
  }

  /**
   * http(s), no credentials, and not an address we refuse to deliver to when
   * written as one. A host name is checked at every attempt instead (its
   * answer may change), by safe-post.
   */
  private checkedUrl(text: string): string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw errors.validation({ url: ['is not a URL'] });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.validation({ url: ['must be http or https'] });
    if (url.username || url.password) throw errors.validation({ url: ['must not carry credentials'] });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && this.policy.refusal(host)) throw errors.validation({ url: ['is a private, loopback, link-local or reserved address'] });
    return url.toString();
  }
}
