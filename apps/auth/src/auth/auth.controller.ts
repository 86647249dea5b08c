import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RPC, type Jwks, type TokenPair, type UserView } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { AuthService } from './auth.service.js';

/** The `auth.*` RPC patterns of sign-up and sign-in. Each validates its payload with the contract's request schema. */
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly signingKeys: SigningKeysService,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  @RpcHandler(RPC.AUTH_REGISTER)
  register(
    @Payload() { email, password, inviteCode }: RpcPayload<typeof RPC.AUTH_REGISTER>,
  ): Promise<UserView> {
    return this.auth.register(email, password, inviteCode);
  }

  @RpcHandler(RPC.AUTH_LOGIN)
  login(
    @Payload() { email, password, ip, userAgent }: RpcPayload<typeof RPC.AUTH_LOGIN>,
  ): Promise<TokenPair> {
    return this.auth.login(email, password, { ip, userAgent });
  }

  @RpcHandler(RPC.AUTH_REFRESH)
  refresh(@Payload() { refreshToken }: RpcPayload<typeof RPC.AUTH_REFRESH>): Promise<TokenPair> {
    return this.auth.refresh(refreshToken);
  }

  @RpcHandler(RPC.AUTH_LOGOUT)
  logout(@Payload() { refreshToken }: RpcPayload<typeof RPC.AUTH_LOGOUT>): Promise<{ ok: true }> {
    return this.auth.logout(refreshToken);
  }

  @RpcHandler(RPC.AUTH_ME)
  me(@Payload() { userId }: RpcPayload<typeof RPC.AUTH_ME>): Promise<UserView> {
    return this.auth.me(userId);
  }

  @RpcHandler(RPC.AUTH_JWKS)
  jwks(@Payload() _req: RpcPayload<typeof RPC.AUTH_JWKS>): Jwks {
    return this.signingKeys.jwks();
  }

  /** Users and sessions whose access tokens were revoked recently: a starting gateway fills its deny list from this. */
  @RpcHandler(RPC.AUTH_DENIED_USERS)
  async deniedUsers(
    @Payload() { sinceSeconds }: RpcPayload<typeof RPC.AUTH_DENIED_USERS>,
  ): Promise<{
    items: { userId: string; at: number }[];
    sessions: { sessionId: string; at: number }[];
  }> {
    const since = new Date(Date.now() - sinceSeconds * 1000);
    const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
    const [users, sessions] = await Promise.all([
      this.users.tokensRevokedSince(since),
      this.sessions.revokedSince(since),
    ]);
    return {
      items: users.map((row) => ({ userId: row.userId, at: seconds(row.at) })),
      sessions: sessions.map((row) => ({ sessionId: row.sessionId, at: seconds(row.at) })),
    };
  }
}
