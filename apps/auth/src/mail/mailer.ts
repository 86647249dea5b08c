import { Logger } from '@nestjs/common';

export type MailPurpose = 'email_verification' | 'password_reset';

/** One account email. `link` carries the single-use token; `token` is the same value alone. */
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
 * The default mailer: writes the message to the log. Outside production the log line
 * holds the link, so a developer can follow it; in production it names the purpose and
 * the masked address only, because a token in a log is a credential anyone with log
 * access could use.
 */
export class LogMailer implements Mailer {
  private readonly logger = new Logger('Mailer');

  constructor(private readonly production: boolean) {}

  async send(message: MailMessage): Promise<void> {
    if (this.production) {
      this.logger.warn(
        `${message.purpose} mail for ${maskEmail(message.to)} not delivered: no mail delivery is configured (the link is withheld from production logs)`,
      );
      return;
    }
    this.logger.log(`${message.purpose} mail for ${message.to}: ${message.link}`);
  }
}

/** Keeps messages in memory for tests to read, newest last. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }

  /** The newest message of `purpose` sent to `to`, if any. */
  last(to: string, purpose: MailPurpose): MailMessage | undefined {
    return this.sent.filter((m) => m.to === to.toLowerCase() && m.purpose === purpose).at(-1);
  }
}
