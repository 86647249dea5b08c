import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  RPC,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type CreatedApiKey,
  type SessionView,
  type UserView,
} from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
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

  @RpcHandler(RPC.AUTH_SESSIONS_LIST)
  listSessions(
    @Payload() { userId }: RpcPayload<typeof RPC.AUTH_SESSIONS_LIST>,
  ): Promise<{ items: SessionView[] }> {
    return this.sessions.list(userId);
  }

  @RpcHandler(RPC.AUTH_SESSIONS_REVOKE)
  revokeSession(
    @Payload() { userId, sessionId }: RpcPayload<typeof RPC.AUTH_SESSIONS_REVOKE>,
  ): Promise<{ ok: true }> {
    return this.sessions.revoke(userId, sessionId);
  }

  @RpcHandler(RPC.AUTH_SESSIONS_REVOKE_ALL)
  revokeAllSessions(
    @Payload() { userId }: RpcPayload<typeof RPC.AUTH_SESSIONS_REVOKE_ALL>,
  ): Promise<{ revoked: number }> {
    return this.sessions.revokeAll(userId);
  }

  @RpcHandler(RPC.AUTH_API_KEYS_CREATE)
  createApiKey(
    @Payload() { userId, name, expiresInDays }: RpcPayload<typeof RPC.AUTH_API_KEYS_CREATE>,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.create(userId, name, expiresInDays);
  }

  @RpcHandler(RPC.AUTH_API_KEYS_LIST)
  listApiKeys(
    @Payload() { userId }: RpcPayload<typeof RPC.AUTH_API_KEYS_LIST>,
  ): Promise<{ items: ApiKeyView[] }> {
    return this.apiKeys.list(userId);
  }

  @RpcHandler(RPC.AUTH_API_KEYS_REVOKE)
  revokeApiKey(
    @Payload() { userId, keyId }: RpcPayload<typeof RPC.AUTH_API_KEYS_REVOKE>,
  ): Promise<{ ok: true }> {
    return this.apiKeys.revoke(userId, keyId);
  }

  @RpcHandler(RPC.AUTH_VERIFY_API_KEY)
  verifyApiKey(
    @Payload() { key }: RpcPayload<typeof RPC.AUTH_VERIFY_API_KEY>,
  ): Promise<ApiKeyPrincipal> {
    return this.apiKeys.verify(key);
  }

  @RpcHandler(RPC.AUTH_PASSWORD_RESET_REQUEST)
  requestPasswordReset(@Payload() { email }: RpcPayload<typeof RPC.AUTH_PASSWORD_RESET_REQUEST>): {
    ok: true;
  } {
    return this.passwordReset.request(email);
  }

  @RpcHandler(RPC.AUTH_PASSWORD_RESET_CONFIRM)
  confirmPasswordReset(
    @Payload() { token, password }: RpcPayload<typeof RPC.AUTH_PASSWORD_RESET_CONFIRM>,
  ): Promise<{ ok: true }> {
    return this.passwordReset.confirm(token, password);
  }

  @RpcHandler(RPC.AUTH_EMAIL_VERIFY)
  verifyEmail(@Payload() { token }: RpcPayload<typeof RPC.AUTH_EMAIL_VERIFY>): Promise<UserView> {
    return this.verification.confirm(token);
  }

  @RpcHandler(RPC.AUTH_EMAIL_VERIFY_RESEND)
  resendVerification(
    @Payload() { userId }: RpcPayload<typeof RPC.AUTH_EMAIL_VERIFY_RESEND>,
  ): Promise<{ ok: true }> {
    return this.verification.resend(userId);
  }
}
