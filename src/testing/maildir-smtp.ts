import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { acceptsConnections, freePort, sleep } from './cli-process.js';
import { skipUnlessAvailable } from './services-required.js';

/** A message as the real server stored it, parsed. */
export interface DeliveredMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
}

/**
 * A real SMTP server that is not ours: aiosmtpd (Debian's python3-aiosmtpd,
 * installed by tools/setup-services.sh) on a spare port, delivering into a
 * Maildir the test reads (docs/adr/0035-email-delivery.md says why this one).
 */
export interface MaildirSmtp {
  url: string;
  messages(): Promise<DeliveredMail[]>;
  stop(): Promise<void>;
}

/** Debian's interpreter, the one python3-aiosmtpd installs into (a pyenv python3 earlier on PATH would not have it). */
const PYTHON = '/usr/bin/python3';

const hasAiosmtpd = (): boolean => spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;

/** node:test options: `{ skip }` when aiosmtpd is missing (a failure under CI/REQUIRE_SERVICES). */
export function maildirSmtpOptions(): { skip?: string } {
  return skipUnlessAvailable(hasAiosmtpd() ? null : 'aiosmtpd is not installed (apt-get install python3-aiosmtpd)');
}

export async function startMaildirSmtp(): Promise<MaildirSmtp> {
  const home = await mkdtemp(join(tmpdir(), 'scalestack-maildir-'));
  // Python's Maildir creates new/, cur/ and tmp/ only when it creates the folder itself.
  const dir = join(home, 'Maildir');
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await acceptsConnections(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`aiosmtpd did not listen on ${port}`);
    await sleep(50);
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: async () => {
      const files = await readdir(join(dir, 'new')).catch(() => [] as string[]);
      return Promise.all(files.map(async (f) => {
        const parsed = await simpleParser(await readFile(join(dir, 'new', f)));
        const to = [parsed.to].flat().flatMap((a) => a?.value.map((v) => v.address ?? '') ?? []);
        return { to, subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '', messageId: parsed.messageId ?? null };
      }));
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}
