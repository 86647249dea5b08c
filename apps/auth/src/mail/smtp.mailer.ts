import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

/**
 * Delivers account emails over SMTP (nodemailer). `smtp://` upgrades with STARTTLS when
 * the server offers it, `smtps://` speaks TLS from the start; credentials ride in the
 * URL (MAIL_SMTP_URL, masked in logged configuration). Connections are pooled.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    options: { tls?: { rejectUnauthorized?: boolean } } = {},
  ) {
    const url = new URL(smtpUrl);
    this.transport = createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      pool: true,
      ...(url.username
        ? {
            auth: {
              user: decodeURIComponent(url.username),
              pass: decodeURIComponent(url.password),
            },
          }
        : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      ...(options.tls ? { tls: options.tls } : {}),
    });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
  }

  close(): void {
    this.transport.close();
  }

  /** Nest calls this on shutdown: pooled connections must not keep the process alive. */
  onApplicationShutdown(): void {
    this.close();
  }
}
