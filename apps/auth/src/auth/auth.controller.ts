import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RPC, RPC_CONTRACTS, type Jwks, type TokenPair, type UserView } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
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

  @MessagePattern(RPC.AUTH_REGISTER)
  register(@Payload() data: unknown): Promise<UserView> {
    const { email, password, inviteCode } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_REGISTER].request,
      data,
    );
    return this.auth.register(email, password, inviteCode);
  }

  @MessagePattern(RPC.AUTH_LOGIN)
  login(@Payload() data: unknown): Promise<TokenPair> {
    const { email, password, ip, userAgent } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_LOGIN].request,
      data,
    );
    return this.auth.login(email, password, { ip, userAgent });
  }

  @MessagePattern(RPC.AUTH_REFRESH)
  refresh(@Payload() data: unknown): Promise<TokenPair> {
    const { refreshToken } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_REFRESH].request, data);
    return this.auth.refresh(refreshToken);
  }

  @MessagePattern(RPC.AUTH_LOGOUT)
  logout(@Payload() data: unknown): Promise<{ ok: true }> {
    const { refreshToken } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_LOGOUT].request, data);
    return this.auth.logout(refreshToken);
  }

  @MessagePattern(RPC.AUTH_ME)
  me(@Payload() data: unknown): Promise<UserView> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_ME].request, data);
    return this.auth.me(userId);
  }

  @MessagePattern(RPC.AUTH_JWKS)
  jwks(@Payload() data: unknown): Jwks {
    parseOrThrow(RPC_CONTRACTS[RPC.AUTH_JWKS].request, data ?? {});
    return this.signingKeys.jwks();
  }

  /** Users and sessions whose access tokens were revoked recently: a starting gateway fills its deny list from this. */
  @MessagePattern(RPC.AUTH_DENIED_USERS)
  async deniedUsers(@Payload() data: unknown): Promise<{
    items: { userId: string; at: number }[];
    sessions: { sessionId: string; at: number }[];
  }> {
    const { sinceSeconds } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_DENIED_USERS].request, data);
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
