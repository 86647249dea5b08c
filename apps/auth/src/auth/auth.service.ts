import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DocatError, uuidv7, type TokenPair, type UserView } from '@docat/contracts';
import { AUTH_SETTINGS, type AuthSettings } from '../auth.tokens.js';
import { signAccessToken } from '../keys/signing-key.js';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { PasswordHasher } from '../passwords/password.hasher.js';
import { hashRefreshToken, newRefreshToken, REFRESH_TOKEN_SHAPE } from '../sessions/refresh-token.js';
import { RefreshTokensRepository } from '../sessions/refresh-tokens.repository.js';
import { toUserView, UsersRepository, type UserRecord } from '../users/users.repository.js';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly signingKeys: SigningKeysService,
    private readonly passwords: PasswordHasher,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  /** Creates the configured administrator once, so a closed installation has someone to let others in. */
  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.settings;
    if (!adminEmail || !adminPassword) return;
    if (await this.users.findByEmail(adminEmail)) return;
    try {
      await this.createUser(adminEmail, adminPassword, 'admin');
      this.logger.log('created the administrator account from DOCAT_ADMIN_EMAIL');
    } catch (error) {
      if (!(error instanceof DocatError && error.code === 'EMAIL_TAKEN')) throw error;
    }
  }

  async register(email: string, password: string): Promise<UserView> {
    if (this.settings.registration !== 'open') throw new DocatError('REGISTRATION_CLOSED');
    return toUserView(await this.createUser(email, password, 'user'));
  }

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.users.findByEmail(email);
    const ok = user ? await this.passwords.verify(user.passwordHash, password) : await this.passwords.verifyNothing(password);
    if (!user || !ok) throw new DocatError('INVALID_CREDENTIALS');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    const refreshToken = newRefreshToken();
    await this.refreshTokens.insert(null, {
      userId: user.id,
      familyId: uuidv7(),
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: this.refreshExpiry(),
    });
    return this.tokenPair(user, refreshToken);
  }

  /**
   * Exchanges a refresh token for a new pair. The presented token is rotated (usable
   * once); presenting a rotated or revoked token revokes its whole family, since
   * either the client or a thief holds a copy and the two can't be told apart.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) throw new DocatError('TOKEN_INVALID');
    const outcome = await this.refreshTokens.transaction(async (tx) => {
      const record = await this.refreshTokens.findForUpdate(tx, hashRefreshToken(refreshToken));
      if (!record) return { kind: 'invalid' } as const;
      if (record.rotatedAt || record.revokedAt) {
        await this.refreshTokens.revokeFamily(tx, record.familyId);
        return { kind: 'reused', familyId: record.familyId } as const;
      }
      if (record.expiresAt.getTime() <= Date.now()) return { kind: 'invalid' } as const;
      const user = await this.users.findById(record.userId);
      if (!user || user.disabledAt) {
        await this.refreshTokens.revokeFamily(tx, record.familyId);
        return { kind: 'invalid' } as const;
      }
      const successor = newRefreshToken();
      const successorId = await this.refreshTokens.insert(tx, {
        userId: user.id,
        familyId: record.familyId,
        tokenHash: hashRefreshToken(successor),
        expiresAt: this.refreshExpiry(),
      });
      await this.refreshTokens.markRotated(tx, record.id, successorId);
      return { kind: 'rotated', user, successor } as const;
    });
    if (outcome.kind === 'reused') {
      this.logger.warn(`refresh token reuse: revoked session family ${outcome.familyId}`);
      throw new DocatError('TOKEN_INVALID');
    }
    if (outcome.kind === 'invalid') throw new DocatError('TOKEN_INVALID');
    return this.tokenPair(outcome.user, outcome.successor);
  }

  /** Ends the session the token belongs to. Unknown tokens are accepted silently. */
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

  private async createUser(email: string, password: string, role: UserRecord['role']): Promise<UserRecord> {
    if (await this.users.findByEmail(email)) throw new DocatError('EMAIL_TAKEN');
    const passwordHash = await this.passwords.hash(password);
    return this.users.insert({ id: uuidv7(), email, passwordHash, role, plan: 'free' });
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.settings.refreshTtlSeconds * 1000);
  }

  private async tokenPair(user: UserRecord, refreshToken: string): Promise<TokenPair> {
    const accessToken = await signAccessToken(
      this.signingKeys.current(),
      { userId: user.id, role: user.role },
      this.settings.accessTtlSeconds,
    );
    return { accessToken, refreshToken, expiresIn: this.settings.accessTtlSeconds, tokenType: 'Bearer' };
  }
}
