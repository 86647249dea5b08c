import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  RPC,
  RPC_CONTRACTS,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type CreatedApiKey,
  type SessionView,
  type UserView,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { EmailVerificationService } from '../mail/email-verification.service.js';
import { PasswordResetService } from '../mail/password-reset.service.js';
import { SessionsService } from '../sessions/sessions.service.js';

/** A user's own account: sessions, API keys, password reset and email verification. */
@Controller()
export class AccountController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly passwordReset: PasswordResetService,
    private readonly verification: EmailVerificationService,
  ) {}

  @MessagePattern(RPC.AUTH_SESSIONS_LIST)
  listSessions(@Payload() data: unknown): Promise<{ items: SessionView[] }> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_SESSIONS_LIST].request, data);
    return this.sessions.list(userId);
  }

  @MessagePattern(RPC.AUTH_SESSIONS_REVOKE)
  revokeSession(@Payload() data: unknown): Promise<{ ok: true }> {
    const { userId, sessionId } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_SESSIONS_REVOKE].request,
      data,
    );
    return this.sessions.revoke(userId, sessionId);
  }

  @MessagePattern(RPC.AUTH_SESSIONS_REVOKE_ALL)
  revokeAllSessions(@Payload() data: unknown): Promise<{ revoked: number }> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_SESSIONS_REVOKE_ALL].request, data);
    return this.sessions.revokeAll(userId);
  }

  @MessagePattern(RPC.AUTH_API_KEYS_CREATE)
  createApiKey(@Payload() data: unknown): Promise<CreatedApiKey> {
    const { userId, name, expiresInDays } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_API_KEYS_CREATE].request,
      data,
    );
    return this.apiKeys.create(userId, name, expiresInDays);
  }

  @MessagePattern(RPC.AUTH_API_KEYS_LIST)
  listApiKeys(@Payload() data: unknown): Promise<{ items: ApiKeyView[] }> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_API_KEYS_LIST].request, data);
    return this.apiKeys.list(userId);
  }

  @MessagePattern(RPC.AUTH_API_KEYS_REVOKE)
  revokeApiKey(@Payload() data: unknown): Promise<{ ok: true }> {
    const { userId, keyId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_API_KEYS_REVOKE].request, data);
    return this.apiKeys.revoke(userId, keyId);
  }

  @MessagePattern(RPC.AUTH_VERIFY_API_KEY)
  verifyApiKey(@Payload() data: unknown): Promise<ApiKeyPrincipal> {
    const { key } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_VERIFY_API_KEY].request, data);
    return this.apiKeys.verify(key);
  }

  @MessagePattern(RPC.AUTH_PASSWORD_RESET_REQUEST)
  requestPasswordReset(@Payload() data: unknown): { ok: true } {
    const { email } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_PASSWORD_RESET_REQUEST].request, data);
    return this.passwordReset.request(email);
  }

  @MessagePattern(RPC.AUTH_PASSWORD_RESET_CONFIRM)
  confirmPasswordReset(@Payload() data: unknown): Promise<{ ok: true }> {
    const { token, password } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_PASSWORD_RESET_CONFIRM].request,
      data,
    );
    return this.passwordReset.confirm(token, password);
  }

  @MessagePattern(RPC.AUTH_EMAIL_VERIFY)
  verifyEmail(@Payload() data: unknown): Promise<UserView> {
    const { token } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_EMAIL_VERIFY].request, data);
    return this.verification.confirm(token);
  }

  @MessagePattern(RPC.AUTH_EMAIL_VERIFY_RESEND)
  resendVerification(@Payload() data: unknown): Promise<{ ok: true }> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_EMAIL_VERIFY_RESEND].request, data);
    return this.verification.resend(userId);
  }
}
