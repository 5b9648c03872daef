import nodemailer from 'nodemailer';
import type { Mailer } from './mailer.js';
import { SmtpSink } from './smtp-sink.js';

/**
 * SMTP_URL set: nodemailer to that server (STARTTLS when it offers it,
 * `smtps://` for TLS from the start). Unset: an in-process SmtpSink, and
 * nodemailer to it, so the same code path runs in a lab as in production.
 */
export async function openMailer(settings: { smtpUrl: string | undefined; from: string }): Promise<Mailer> {
  const sink = settings.smtpUrl ? null : new SmtpSink();
  const port = sink ? await sink.listen() : 0;
  const transport = settings.smtpUrl
    ? nodemailer.createTransport(settings.smtpUrl)
    : nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return {
    sink,
    send: async (message) => {
      await transport.sendMail({ from: settings.from, ...message });
    },
    close: async () => {
      transport.close();
      await sink?.close();
    },
  };
}
