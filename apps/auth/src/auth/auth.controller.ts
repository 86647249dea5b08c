import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RPC, RPC_CONTRACTS, type Jwks, type TokenPair, type UserView } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { AuthService } from './auth.service.js';

/** The `auth.*` RPC patterns. Each validates its payload with the contract's request schema. */
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly signingKeys: SigningKeysService,
  ) {}

  @MessagePattern(RPC.AUTH_REGISTER)
  register(@Payload() data: unknown): Promise<UserView> {
    const { email, password } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_REGISTER].request, data);
    return this.auth.register(email, password);
  }

  @MessagePattern(RPC.AUTH_LOGIN)
  login(@Payload() data: unknown): Promise<TokenPair> {
    const { email, password } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_LOGIN].request, data);
    return this.auth.login(email, password);
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
}
