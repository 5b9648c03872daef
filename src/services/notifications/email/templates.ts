/** What a notification says, once in text and once in HTML; every value from users is escaped in the HTML. */
export interface NotificationMailInput {
  type: string;
  /** Who caused it; null when the account is gone. */
  actor: string | null;
  data: Record<string, unknown>;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Both forms of one line: plain (text) and with user values escaped and emphasised (HTML). */
interface Line {
  text: string;
  html: string;
}

function line(parts: TemplateStringsArray, ...values: string[]): Line {
  return {
    text: parts.reduce((acc, part, i) => acc + part + (values[i] ?? ''), ''),
    html: parts.reduce((acc, part, i) => acc + escapeHtml(part) + (i < values.length ? `<strong>${escapeHtml(values[i]!)}</strong>` : ''), ''),
  };
}

const field = (data: Record<string, unknown>, key: string, inner: string): string => {
  const value = (data[key] as Record<string, unknown> | undefined)?.[inner];
  return typeof value === 'string' ? value : '';
};

/** One notification's sentence, e.g. "ada commented on “Dragons”: …". */
export function describe(n: NotificationMailInput): Line & { subject: string } {
  const who = n.actor ?? 'Someone';
  switch (n.type) {
    case 'follow':
      return { ...line`${who} started following you.`, subject: `${who} started following you` };
    case 'comment': {
      const title = field(n.data, 'article', 'title');
      const excerpt = field(n.data, 'comment', 'excerpt');
      const said = line`${who} commented on “${title}”: ${excerpt}`;
      return { ...said, subject: `${who} commented on “${title}”` };
    }
    case 'favorite': {
      const title = field(n.data, 'article', 'title');
      return { ...line`${who} favorited “${title}”.`, subject: `${who} favorited “${title}”` };
    }
    default:
      return { ...line`You have a new ${n.type} notification.`, subject: `New ${n.type} notification` };
  }
}

function wrap(recipient: string, body: Line[], footer: string): RenderedMail & { subject: '' } {
  const text = [`Hi ${recipient},`, '', ...body.map((l) => l.text), '', '-- ', footer, ''].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>Hi ${escapeHtml(recipient)},</p>`,
    ...body.map((l) => `<p>${l.html}</p>`),
    `<hr><p style="color:#666;font-size:small">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: '', text, html };
}

const PREFERENCES_FOOTER = 'You get this because email notifications are on; turn them off per type at PUT /api/notifications/preferences.';

export function notificationMail(recipient: string, n: NotificationMailInput): RenderedMail {
  const d = describe(n);
  return { ...wrap(recipient, [d], PREFERENCES_FOOTER), subject: d.subject };
}

export function digestMail(recipient: string, items: readonly NotificationMailInput[]): RenderedMail {
  const lines = items.map(describe);
  return { ...wrap(recipient, lines, PREFERENCES_FOOTER), subject: `${items.length} new notification${items.length === 1 ? '' : 's'}` };
}

export function webhookDisabledMail(recipient: string, endpoint: { url: string; reason: string }): RenderedMail {
  const body = [line`Your webhook endpoint ${endpoint.url} was disabled: ${endpoint.reason}.`,
    line`Deliveries to it are kept; turn it back on with PUT /api/webhooks/:id {"webhook":{"enabled":true}} once it answers again, and replay what failed.`];
  return { ...wrap(recipient, body, 'scalestack webhooks'), subject: 'Your webhook endpoint was disabled' };
}
