import { Inject, Injectable, Logger } from '@nestjs/common';
import { DocatError, MAIL_TOKEN_SHAPE, uuidv7, type UserView } from '@docat/contracts';
import { AUTH_SETTINGS, MAILER, type AuthSettings } from '../auth.tokens.js';
import { hashSecretToken, newSecretToken } from '../tokens/secret-token.js';
import { toUserView, UsersRepository, type UserRecord } from '../users/users.repository.js';
import { MailTokensRepository } from './mail-tokens.repository.js';
import type { Mailer } from './mailer.js';

/**
 * Email verification: a single-use link proves the account holder reads the address.
 * `emailVerified` on the user is what grants free credits, so an open installation does
 * not hand credits to throwaway addresses.
 */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger('EmailVerification');
  private readonly listeners: ((userId: string) => Promise<void>)[] = [];

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: MailTokensRepository,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  /**
   * The hook for whatever waits on a proven address (the credits ledger grants the free
   * plan's credits): `listener` runs once per account, after the first verification
   * committed, whether by the verification link or a password reset link. A failing
   * listener is logged; the verification stands, so the listener must be idempotent
   * and may be re-run by its owner (e.g. at the next `emailVerified` check).
   */
  onFirstVerification(listener: (userId: string) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Runs the listeners for `userId`; callers call it only when this request did the first verification. */
  async firstVerified(userId: string): Promise<void> {
    for (const listener of this.listeners) {
      await listener(userId).catch((err: unknown) =>
        this.logger.error(
          `a listener of email verification failed for ${userId}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  }

  async send(user: UserRecord): Promise<void> {
    if (user.emailVerifiedAt) return;
    const token = newSecretToken();
    await this.tokens.issue({
      id: uuidv7(),
      userId: user.id,
      purpose: 'email_verification',
      tokenHash: hashSecretToken(token),
      expiresAt: new Date(Date.now() + this.settings.emailVerificationTtlMs),
    });
    const link = `${this.settings.publicUrl}/v1/auth/verify-email?token=${token}`;
    await this.mailer.send({
      to: user.email,
      purpose: 'email_verification',
      subject: 'Confirm your email address for Docat',
      text: `Open this link to confirm your email address:\n\n${link}\n\nThe link works once and expires in ${Math.round(this.settings.emailVerificationTtlMs / 3_600_000)} hours. If you did not create a Docat account, ignore this message.`,
      link,
      token,
    });
  }

  /**
   * Tells the owner of an address that someone tried to register it again: the owner
   * learns of it (and how to get back in), the person registering learns nothing.
   */
  async sendRegistrationAttempt(user: UserRecord): Promise<void> {
    const link = `${this.settings.publicUrl}/forgot-password`;
    await this.mailer.send({
      to: user.email,
      purpose: 'registration_attempt',
      subject: 'Someone tried to create a Docat account with your address',
      text: `Someone tried to create a Docat account with this email address, which already has one. Nothing was changed.\n\nIf it was you, sign in with your password, or choose a new one at:\n\n${link}\n\nIf it was not you, ignore this message.`,
      link,
      token: '',
    });
  }

  /** Sends a new link to a signed-in user whose address is not verified yet (earlier links stop working). */
  async resend(userId: string): Promise<{ ok: true }> {
    const user = await this.users.findById(userId);
    if (!user) throw new DocatError('NOT_FOUND');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    await this.send(user);
    return { ok: true };
  }

  async confirm(token: string): Promise<UserView> {
    if (!MAIL_TOKEN_SHAPE.test(token)) throw new DocatError('TOKEN_INVALID');
    const outcome = await this.users.transaction(async (tx) => {
      const userId = await this.tokens.consume(tx, hashSecretToken(token), 'email_verification');
      if (!userId) return null;
      const first = await this.users.markEmailVerified(tx, userId);
      return { user: await this.users.findById(userId, tx), first };
    });
    if (!outcome?.user)
      throw new DocatError('TOKEN_INVALID', 'The link is unknown, already used or expired');
    if (outcome.first) await this.firstVerified(outcome.user.id);
    return toUserView(outcome.user);
  }
}
