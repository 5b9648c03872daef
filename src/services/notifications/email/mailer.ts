/** One email as the templates make it and the mailer sends it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per notification (or digest), so a receiver can drop the copy a retried send may produce. */
  messageId: string;
}

/** A message the in-process sink received, as the admin URL shows it. */
export interface StoredMail {
  id: number;
  receivedAt: string;
  /** The SMTP envelope: who it was sent from and to. */
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
}

/** Sends over SMTP; `sink` is the in-process server's store when there is no SMTP_URL. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  readonly sink: { messages(): StoredMail[] } | null;
  close(): Promise<void>;
}
