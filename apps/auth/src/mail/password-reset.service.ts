import { Inject, Injectable, Logger } from '@nestjs/common';
import { DocatError, MAIL_TOKEN_SHAPE, uuidv7 } from '@docat/contracts';
import { AUTH_SETTINGS, MAILER, type AuthSettings } from '../auth.tokens.js';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { PasswordHasher } from '../passwords/password.hasher.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { hashSecretToken, newSecretToken } from '../tokens/secret-token.js';
import { UsersRepository } from '../users/users.repository.js';
import { EmailVerificationService } from './email-verification.service.js';
import { MailTokensRepository } from './mail-tokens.repository.js';
import type { Mailer } from './mailer.js';

/**
 * Password reset by a single-use, short-lived link. The request answers the same for
 * every address (known, unknown or disabled) and sends mail in the background, so
 * neither the answer nor its timing tells whether an account exists. Confirming sets
 * the new password, ends every session and refuses every access token issued before.
 */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger('PasswordReset');

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: MailTokensRepository,
    private readonly sessions: SessionsRepository,
    private readonly passwords: PasswordHasher,
    private readonly events: AuthEventsPublisher,
    private readonly verification: EmailVerificationService,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  /** Resolves once the mail was handed to the mailer (tests wait on it); `request` does not wait. */
  pending: Promise<void> = Promise.resolve();

  request(email: string): { ok: true } {
    this.pending = this.sendLink(email).catch((err: unknown) => {
      this.logger.warn(
        `password reset mail failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    return { ok: true };
  }

  private async sendLink(email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user || user.disabledAt) return;
    const token = newSecretToken();
    await this.tokens.issue({
      id: uuidv7(),
      userId: user.id,
      purpose: 'password_reset',
      tokenHash: hashSecretToken(token),
      expiresAt: new Date(Date.now() + this.settings.passwordResetTtlMs),
    });
    const link = `${this.settings.publicUrl}/reset-password?token=${token}`;
    await this.mailer.send({
      to: user.email,
      purpose: 'password_reset',
      subject: 'Reset your Docat password',
      text: `Someone asked to reset the password of your Docat account. To choose a new one, open:\n\n${link}\n\n(or send the token to POST /v1/auth/password-reset/confirm). The link works once and expires in ${Math.round(this.settings.passwordResetTtlMs / 60_000)} minutes. If this was not you, ignore this message; your password stays as it is.`,
      link,
      token,
    });
  }

  async confirm(token: string, password: string): Promise<{ ok: true }> {
    if (!MAIL_TOKEN_SHAPE.test(token)) throw new DocatError('TOKEN_INVALID');
    const passwordHash = await this.passwords.hash(password);
    const outcome = await this.users.transaction(async (tx) => {
      const userId = await this.tokens.consume(tx, hashSecretToken(token), 'password_reset');
      if (!userId) return null;
      const user = await this.users.findById(userId, tx);
      if (!user || user.disabledAt) return null;
      await this.users.setPassword(tx, userId, passwordHash);
      // The link reached the mailbox: the address is proven.
      const firstVerification = await this.users.markEmailVerified(tx, userId);
      await this.sessions.revokeAll(tx, userId);
      const at = await this.users.revokeTokens(tx, userId);
      return { userId, at, firstVerification };
    });
    if (!outcome)
      throw new DocatError('TOKEN_INVALID', 'The link is unknown, already used or expired');
    await this.events.userTokensRevoked(outcome.userId, outcome.at);
    if (outcome.firstVerification) await this.verification.firstVerified(outcome.userId);
    return { ok: true };
  }
}
