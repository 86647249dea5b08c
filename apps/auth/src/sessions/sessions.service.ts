import { Injectable } from '@nestjs/common';
import { DocatError, type SessionView } from '@docat/contracts';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { UsersRepository } from '../users/users.repository.js';
import { SessionsRepository } from './sessions.repository.js';

/** A user's view of their own sessions: list, end one, end all. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly events: AuthEventsPublisher,
  ) {}

  async list(userId: string): Promise<{ items: SessionView[] }> {
    return { items: await this.sessions.active(userId) };
  }

  /** Ends one session: its refresh token stops working, and gateways refuse its access tokens, at once. */
  async revoke(userId: string, sessionId: string): Promise<{ ok: true }> {
    if (!(await this.sessions.revoke(null, userId, sessionId))) throw new DocatError('NOT_FOUND');
    await this.events.sessionRevoked(sessionId);
    return { ok: true };
  }

  /** Signs out everywhere: every refresh token, and every access token issued until now (gateways are told). */
  async revokeAll(userId: string): Promise<{ revoked: number }> {
    const outcome = await this.users.transaction(async (tx) => {
      const revoked = await this.sessions.revokeAll(tx, userId);
      const at = await this.users.revokeTokens(tx, userId);
      return { revoked, at };
    });
    await this.events.userTokensRevoked(userId, outcome.at);
    return { revoked: outcome.revoked };
  }
}
