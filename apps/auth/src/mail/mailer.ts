import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';

export type MailPurpose = 'email_verification' | 'password_reset' | 'registration_attempt';

/** One account email. `link` carries the single-use token; `token` is the same value alone (empty for a notice that carries none). */
export interface MailMessage {
  to: string;
  purpose: MailPurpose;
  subject: string;
  text: string;
  link: string;
  token: string;
}

/**
 * Where account emails go. Auth depends on this port only, so an installation plugs in
 * its own delivery (SMTP, a provider's API) by providing another implementation to
 * `AuthModule.register({ mailer })`. A mailer must not throw for an unknown address;
 * delivery failures are logged by the caller and never reach the requester, so mail
 * cannot be used to learn which addresses have accounts.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** `a***@example.org`: enough to follow a delivery in the log, not enough to harvest addresses. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * The mailer used when no delivery is configured: appends each message, one JSON object a
 * line, to a file only the service's user can read (0600, in a 0700 folder inside the
 * data folder), and logs where it went with the address masked. A link is a credential
 * (it resets a password or proves an address), so it never goes to the log, in any mode:
 * logs are shipped, kept and read by more people than the data folder.
 */
export class FileMailer implements Mailer {
  private readonly logger = new Logger('Mailer');
  private ready?: Promise<void>;

  constructor(readonly file: string) {}

  async send(message: MailMessage): Promise<void> {
    this.ready ??= mkdir(dirname(this.file), { recursive: true, mode: 0o700 }).then(
      () => undefined,
    );
    await this.ready;
    const line = JSON.stringify({
      sentAt: new Date().toISOString(),
      to: message.to,
      purpose: message.purpose,
      subject: message.subject,
      link: message.link,
      text: message.text,
    });
    await appendFile(this.file, `${line}\n`, { mode: 0o600 });
    // appendFile's mode applies only when it creates the file: a file made by hand stays readable.
    await chmod(this.file, 0o600);
    this.logger.log(
      `${message.purpose} mail for ${maskEmail(message.to)} written to ${this.file} (no mail delivery is configured)`,
    );
  }
}

/** Where the `FileMailer` of an installation writes: `mail/outbox.jsonl` in the data folder. */
export function mailOutboxFile(dataDir: string): string {
  return join(dataDir, 'mail', 'outbox.jsonl');
}

/** Every message in a `FileMailer` outbox, oldest first. */
export async function readMailOutbox(
  file: string,
): Promise<(Omit<MailMessage, 'token'> & { sentAt: string })[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? '' : Promise.reject(err),
  );
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Omit<MailMessage, 'token'> & { sentAt: string });
}

/** Keeps messages in memory for tests to read, newest last. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }

  /** Resolves with the newest message of `purpose` to `to` once one was sent (mails go out in the background). */
  async next(to: string, purpose: MailPurpose, timeoutMs = 5_000): Promise<MailMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.last(to, purpose);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${purpose} mail to ${to} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The newest message of `purpose` sent to `to`, if any. */
  last(to: string, purpose: MailPurpose): MailMessage | undefined {
    return this.sent.filter((m) => m.to === to.toLowerCase() && m.purpose === purpose).at(-1);
  }
}
