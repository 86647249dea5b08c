import { Injectable, Logger } from '@nestjs/common';
import {
  DocatError,
  uuidv7,
  type AdminUserList,
  type AdminUserView,
  type InviteView,
  type Plan,
} from '@docat/contracts';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { InvitesRepository } from '../invites/invites.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { hashSecretToken, newSecretToken } from '../tokens/secret-token.js';
import { toAdminUserView, UsersRepository } from '../users/users.repository.js';

/**
 * What administrators do to accounts. The gateway lets only admins reach these RPCs; each
 * also takes the acting admin's id, checked here again, so a caller that skipped the
 * gateway's role check still cannot act as an admin.
 */
@Injectable()
export class AdminService {
  private readonly logger = new Logger('Admin');

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly invites: InvitesRepository,
    private readonly events: AuthEventsPublisher,
  ) {}

  async listUsers(query: {
    email?: string;
    cursor?: string;
    limit: number;
  }): Promise<AdminUserList> {
    const rows = await this.users.list({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toAdminUserView),
      nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
    };
  }

  /**
   * Disabling ends every session, revokes every API key and refuses every access token
   * issued so far, in one transaction; then every gateway is told, so the account is
   * locked out at once rather than when its last token expires.
   */
  async setDisabled(actorId: string, userId: string, disabled: boolean): Promise<AdminUserView> {
    await this.assertAdmin(actorId);
    if (disabled && actorId === userId)
      throw new DocatError('FORBIDDEN', 'An administrator cannot disable their own account');
    const outcome = await this.users.transaction(async (tx) => {
      const user = await this.users.setDisabled(tx, userId, disabled);
      if (!user) return null;
      let keyIds: string[] = [];
      if (disabled) {
        await this.sessions.revokeAll(tx, userId);
        keyIds = await this.apiKeys.revokeAll(tx, userId);
      }
      return { user, keyIds };
    });
    if (!outcome) throw new DocatError('NOT_FOUND');
    if (disabled) {
      await this.events.userDisabled(userId, outcome.user.tokensRevokedAt ?? new Date());
      for (const keyId of outcome.keyIds) await this.events.apiKeyRevoked(keyId, userId);
      this.logger.log(
        `user ${userId} disabled by ${actorId} (${outcome.keyIds.length} API key(s) revoked)`,
      );
    } else {
      this.logger.log(`user ${userId} enabled by ${actorId}`);
    }
    return toAdminUserView(outcome.user);
  }

  /** A plan change shows in access tokens from the user's next refresh (at most one token lifetime). */
  async setPlan(actorId: string, userId: string, plan: Plan): Promise<AdminUserView> {
    await this.assertAdmin(actorId);
    const user = await this.users.setPlan(userId, plan);
    if (!user) throw new DocatError('NOT_FOUND');
    this.logger.log(`user ${userId} moved to plan ${plan} by ${actorId}`);
    return toAdminUserView(user);
  }

  async createInvite(
    actorId: string,
    email: string | undefined,
    expiresInDays: number,
  ): Promise<InviteView> {
    await this.assertAdmin(actorId);
    const code = newSecretToken();
    const id = uuidv7();
    const expiresAt = new Date(Date.now() + expiresInDays * 86_400_000);
    await this.invites.insert({
      id,
      codeHash: hashSecretToken(code),
      email: email ?? null,
      createdBy: actorId,
      expiresAt,
    });
    return { id, code, email: email ?? null, expiresAt: expiresAt.toISOString() };
  }

  async assertAdmin(actorId: string): Promise<void> {
    const actor = await this.users.findById(actorId);
    if (!actor || actor.role !== 'admin' || actor.disabledAt) throw new DocatError('FORBIDDEN');
  }
}
