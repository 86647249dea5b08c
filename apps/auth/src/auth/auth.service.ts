import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DocatError, uuidv7, type TokenPair, type UserView } from '@docat/contracts';
import { AUTH_SETTINGS, type AuthSettings } from '../auth.tokens.js';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { InvitesRepository } from '../invites/invites.repository.js';
import { signAccessToken } from '../keys/signing-key.js';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { EmailVerificationService } from '../mail/email-verification.service.js';
import { PasswordHasher } from '../passwords/password.hasher.js';
import {
  hashRefreshToken,
  newRefreshToken,
  REFRESH_TOKEN_SHAPE,
} from '../sessions/refresh-token.js';
import { RefreshTokensRepository } from '../sessions/refresh-tokens.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { hashSecretToken, SECRET_TOKEN_SHAPE } from '../tokens/secret-token.js';
import { toUserView, UsersRepository, type UserRecord } from '../users/users.repository.js';

export interface LoginContext {
  ip?: string;
  userAgent?: string;
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly sessions: SessionsRepository,
    private readonly invites: InvitesRepository,
    private readonly signingKeys: SigningKeysService,
    private readonly passwords: PasswordHasher,
    private readonly verification: EmailVerificationService,
    private readonly events: AuthEventsPublisher,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  /**
   * Creates the configured administrator once, so a closed installation has someone to
   * let others in. An existing account with that email is left as it is: the
   * environment never overwrites a password or promotes an account someone registered.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.settings;
    if (!adminEmail || !adminPassword) return;
    if (await this.users.findByEmail(adminEmail)) return;
    try {
      const passwordHash = await this.passwords.hash(adminPassword);
      await this.users.insert({
        id: uuidv7(),
        email: adminEmail.toLowerCase(),
        passwordHash,
        role: 'admin',
        plan: 'free',
        emailVerified: true,
      });
      this.logger.log('created the administrator account from DOCAT_ADMIN_EMAIL');
    } catch (error) {
      if (!(error instanceof DocatError && error.code === 'EMAIL_TAKEN')) throw error;
    }
  }

  /**
   * Registration by mode: `open` admits anyone, `invite` needs an unused invitation
   * code (bound to the email when the admin gave one), `closed` admits nobody (admins
   * are created from the environment or the CLI). The new account's email is unverified
   * and a verification link is mailed.
   *
   * A taken address costs the same work as a new one, so the gateway can answer both
   * alike without the timing telling them apart: the password is hashed first, then the
   * account is inserted in a transaction whichever the address (a taken one fails on the
   * unique email and rolls back), and the mail (the verification link, or a notice to
   * the owner that someone tried to register the address) goes out in the background
   * either way. The RPC still says EMAIL_TAKEN, for internal callers; the public route
   * hides it.
   */
  async register(email: string, password: string, inviteCode?: string): Promise<UserView> {
    const mode = this.settings.registration;
    if (mode === 'closed') throw new DocatError('REGISTRATION_CLOSED');
    if (mode === 'invite' && !inviteCode)
      throw new DocatError('INVITE_INVALID', 'Registration needs an invitation code');
    const passwordHash = await this.passwords.hash(password);
    let user: UserRecord;
    try {
      user = await this.users.transaction(async (tx) => {
        // A committed insert would otherwise wait for the WAL flush, which a rolled-back
        // one (a taken address) does not: that wait alone told the two apart. The price
        // is that an account registered in the last fraction of a second before a
        // database crash may be lost, and the user registers again.
        await tx.query('SET LOCAL synchronous_commit TO OFF');
        let inviteId: string | null = null;
        if (mode === 'invite') {
          inviteId = SECRET_TOKEN_SHAPE.test(inviteCode!)
            ? await this.invites.claim(tx, hashSecretToken(inviteCode!), email)
            : null;
          if (!inviteId) throw new DocatError('INVITE_INVALID');
        }
        const created = await this.users.insert(
          { id: uuidv7(), email, passwordHash, role: 'user', plan: 'free' },
          tx,
        );
        if (inviteId) await this.invites.setUsedBy(tx, inviteId, created.id);
        return created;
      });
    } catch (err) {
      if (err instanceof DocatError && err.code === 'EMAIL_TAKEN')
        this.inBackground('registration attempt notice', () => this.noticeToOwner(email));
      throw err;
    }
    this.inBackground('verification mail for a new account', () => this.verification.send(user));
    return toUserView(user);
  }

  /** Settles once the mails started by earlier calls were handed to the mailer (tests wait on it). */
  mailsSent: Promise<void> = Promise.resolve();

  private inBackground(what: string, work: () => Promise<void>): void {
    const run = work().catch((err: unknown) =>
      this.logger.warn(`${what} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    this.mailsSent = Promise.all([this.mailsSent, run]).then(() => undefined);
  }

  private async noticeToOwner(email: string): Promise<void> {
    const owner = await this.users.findByEmail(email);
    if (owner && !owner.disabledAt) await this.verification.sendRegistrationAttempt(owner);
  }

  async login(email: string, password: string, context: LoginContext = {}): Promise<TokenPair> {
    const user = await this.users.findByEmail(email);
    const ok = user
      ? await this.passwords.verify(user.passwordHash, password)
      : await this.passwords.verifyNothing(password);
    if (!user || !ok) throw new DocatError('INVALID_CREDENTIALS');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    const refreshToken = newRefreshToken();
    const sessionId = uuidv7();
    const expiresAt = this.refreshExpiry();
    await this.refreshTokens.transaction(async (tx) => {
      await this.sessions.insert(tx, {
        id: sessionId,
        userId: user.id,
        expiresAt,
        ip: context.ip,
        userAgent: context.userAgent,
      });
      await this.refreshTokens.insert(tx, {
        userId: user.id,
        familyId: sessionId,
        tokenHash: hashRefreshToken(refreshToken),
        expiresAt,
      });
    });
    return this.tokenPair(user, sessionId, refreshToken);
  }

  /**
   * Exchanges a refresh token for a new pair. The presented token is rotated (usable
   * once); presenting a rotated token again revokes its whole family and refuses the
   * family's access tokens on every gateway, since either the client or a thief holds a
   * copy and the two can't be told apart.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) throw new DocatError('TOKEN_INVALID');
    const outcome = await this.refreshTokens.transaction(async (tx) => {
      const record = await this.refreshTokens.findForUpdate(tx, hashRefreshToken(refreshToken));
      if (!record) return { kind: 'invalid' } as const;
      // A rotated token presented again means two parties hold the family. A token that
      // was only revoked (logout, sign-out) belongs to a session that is already over.
      if (record.rotatedAt) {
        await this.refreshTokens.revokeFamily(tx, record.familyId);
        await this.sessions.refuseAccessTokens(tx, record.familyId);
        return { kind: 'reused', familyId: record.familyId } as const;
      }
      if (record.revokedAt) return { kind: 'invalid' } as const;
      if (record.expiresAt.getTime() <= Date.now()) return { kind: 'invalid' } as const;
      const user = await this.users.findById(record.userId, tx);
      if (!user || user.disabledAt) {
        await this.refreshTokens.revokeFamily(tx, record.familyId);
        return { kind: 'invalid' } as const;
      }
      const successor = newRefreshToken();
      const expiresAt = this.refreshExpiry();
      const successorId = await this.refreshTokens.insert(tx, {
        userId: user.id,
        familyId: record.familyId,
        tokenHash: hashRefreshToken(successor),
        expiresAt,
      });
      await this.refreshTokens.markRotated(tx, record.id, successorId);
      await this.sessions.touch(tx, record.familyId, expiresAt);
      return { kind: 'rotated', user, successor, sessionId: record.familyId } as const;
    });
    if (outcome.kind === 'reused') {
      this.logger.warn(`refresh token reuse: revoked session family ${outcome.familyId}`);
      // The thief may hold an access token of this session too: gateways refuse it now.
      await this.events.sessionRevoked(outcome.familyId);
      throw new DocatError('TOKEN_INVALID');
    }
    if (outcome.kind === 'invalid') throw new DocatError('TOKEN_INVALID');
    return this.tokenPair(outcome.user, outcome.sessionId, outcome.successor);
  }

  /**
   * Ends the session the token belongs to. Unknown tokens are accepted silently. The
   * caller holds the session's access token and discards it itself, so it is left to
   * expire; signing out a session from elsewhere (`DELETE /v1/sessions/{id}`) refuses it.
   */
  async logout(refreshToken: string): Promise<{ ok: true }> {
    if (REFRESH_TOKEN_SHAPE.test(refreshToken)) {
      const familyId = await this.refreshTokens.findFamilyOf(hashRefreshToken(refreshToken));
      if (familyId) await this.refreshTokens.revokeFamily(null, familyId);
    }
    return { ok: true };
  }

  async me(userId: string): Promise<UserView> {
    const user = await this.users.findById(userId);
    if (!user) throw new DocatError('NOT_FOUND');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    return toUserView(user);
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.settings.refreshTtlSeconds * 1000);
  }

  private async tokenPair(
    user: UserRecord,
    sessionId: string,
    refreshToken: string,
  ): Promise<TokenPair> {
    // Gateways refuse tokens issued at or before the revocation second, so a token issued
    // in that same second (a login right after a password reset) is dated one second later.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const revokedSecond = user.tokensRevokedAt
      ? Math.floor(user.tokensRevokedAt.getTime() / 1000)
      : 0;
    const issuedAt = Math.max(nowSeconds, revokedSecond + 1);
    const accessToken = await signAccessToken(
      this.signingKeys.current(),
      { userId: user.id, role: user.role, plan: user.plan, sessionId },
      this.settings.accessTtlSeconds + (nowSeconds - issuedAt),
      issuedAt,
    );
    return {
      accessToken,
      refreshToken,
      expiresIn: this.settings.accessTtlSeconds,
      tokenType: 'Bearer',
    };
  }
}
