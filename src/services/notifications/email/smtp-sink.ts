import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { StoredMail } from './mailer.js';

/** The sink keeps this many messages (the newest); it is a lab's inbox, not an archive. */
const KEEP = 500;
/** Larger messages are refused: nothing the templates make comes near it. */
const MAX_BYTES = 1_048_576;

/**
 * A real SMTP server on 127.0.0.1 (a random port) that accepts every
 * message and keeps it in memory, parsed: the default when no SMTP_URL is
 * set, so email works (and can be read at GET /api/admin/mail) with nothing
 * installed. Mail goes through nodemailer and SMTP exactly as it would to a
 * relay; only the last hop is local.
 */
export class SmtpSink {
  private readonly stored: StoredMail[] = [];
  private nextId = 1;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: MAX_BYTES,
    onData: (stream, session, done) => {
      simpleParser(stream)
        .then((parsed) => {
          this.stored.push({
            id: this.nextId++,
            receivedAt: new Date().toISOString(),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? null,
          });
          if (this.stored.length > KEEP) this.stored.splice(0, this.stored.length - KEEP);
          done();
        })
        .catch((err: Error) => done(err));
    },
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Newest first. */
  messages(): StoredMail[] {
    return [...this.stored].reverse();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
