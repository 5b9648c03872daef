import { errors } from '../../../platform/errors/catalog.js';
import { verifyWebhook } from '../../../platform/webhooks/standard-webhooks.js';
import type { OrderSaga } from '../domain/saga.js';

export interface PaymentWebhookSettings {
  /** PAYMENT_WEBHOOK_SECRET (whsec_...); without one every webhook is refused. */
  secret: string | undefined;
  /** PAYMENT_WEBHOOK_TOLERANCE_S: the replay window. */
  toleranceS: number;
}

/** What the provider sends (src/tools/payment-provider): the event's type and the charge as it stands. */
interface ChargeEvent {
  type: string;
  data: { charge: { id: string; key: string; status: string } };
}

const isChargeEvent = (v: unknown): v is ChargeEvent => {
  const charge = (v as { data?: { charge?: Record<string, unknown> } } | null)?.data?.charge;
  return typeof (v as { type?: unknown }).type === 'string' && !!charge
    && typeof charge['id'] === 'string' && typeof charge['key'] === 'string' && typeof charge['status'] === 'string';
};

/**
 * The provider's webhooks, as the orders service receives them: Standard
 * Webhooks signature over the bytes as sent, timestamp within the replay
 * window (401 SS_WEBHOOK_UNVERIFIED otherwise, before anything is parsed),
 * then applied once per webhook-id (the inbox: a replay inside the window,
 * or the provider's own retry, is answered 200 and changes nothing).
 */
export class PaymentWebhooks {
  constructor(
    private readonly settings: PaymentWebhookSettings,
    private readonly saga: OrderSaga,
  ) {}

  async receive(headers: Record<string, string | string[] | undefined>, body: string): Promise<{ duplicate: boolean }> {
    if (!this.settings.secret) throw errors.webhookUnverified('signature');
    const check = verifyWebhook(this.settings.secret, headers, body, this.settings.toleranceS);
    if (!check.ok) throw errors.webhookUnverified(check.reason);
    if (check.id.length > 200) throw errors.badRequest();
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      throw errors.malformedBody('is not JSON');
    }
    if (!isChargeEvent(event)) throw errors.validation({ data: ['is not a charge event'] });
    const fresh = await this.saga.paymentEvent(check.id, event.type, event.data.charge);
    return { duplicate: !fresh };
  }
}
