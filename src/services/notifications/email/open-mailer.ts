import type { Transporter } from 'nodemailer';
import type { Mailer } from './mailer.js';
import type { SmtpSink } from './smtp-sink.js';

/**
 * SMTP_URL set: nodemailer to that server (STARTTLS when it offers it,
 * `smtps://` for TLS from the start). Unset: an in-process SmtpSink, and
 * nodemailer to it, so the same code path runs in a lab as in production.
 *
 * Both open with the first mail, not at start: nodemailer, smtp-server and
 * mailparser hold ~40 MB resident once loaded, in every process that runs
 * the notifications service, most of which never send one.
 */
export async function openMailer(settings: { smtpUrl: string | undefined; from: string }): Promise<Mailer> {
  let sink: SmtpSink | null = null;
  let opened: Promise<Transporter> | undefined;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    if (settings.smtpUrl) return nodemailer.createTransport(settings.smtpUrl);
    const { SmtpSink } = await import('./smtp-sink.js');
    const local = new SmtpSink();
    const port = await local.listen();
    sink = local;
    return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  };
  const transport = () =>
    (opened ??= open().catch((err: unknown) => {
      // The next mail tries again (a port taken for a moment must not end email for the process's life).
      opened = undefined;
      throw err;
    }));
  return {
    sink: settings.smtpUrl ? null : { messages: () => sink?.messages() ?? [] },
    send: async (message) => {
      await (await transport()).sendMail({ from: settings.from, ...message });
    },
    close: async () => {
      (await opened?.catch(() => undefined))?.close();
      await sink?.close();
    },
  };
}
