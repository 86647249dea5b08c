import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DocatError,
  emailVerifySchema,
  passwordResetConfirmSchema,
  RPC,
  RPC_CONTRACTS,
  type BrowserAccessToken,
  type TokenPair,
  type UserView,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow, ValidBody, type RpcPayload } from '@docat/service-kit';
import { ServicesClient } from '../rpc/services.client.js';
import { CurrentUser } from './access-token.guard.js';
import { BrowserSessionCookies } from './browser-session.js';
import type { AuthenticatedUser } from './access-token.verifier.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { Envelope } from '../rpc/request-context.js';
import { Public } from './public.decorator.js';

const passwordResetRequestSchema = RPC_CONTRACTS[RPC.AUTH_PASSWORD_RESET_REQUEST].request;

function userAgentOf(request: FastifyRequest): string | undefined {
  const agent = request.headers['user-agent'];
  return typeof agent === 'string' && agent.length > 0 ? agent.slice(0, 512) : undefined;
}

/** `/v1/auth/*` and `/v1/me`: thin translations to the `auth.*` RPCs. */
@Controller('v1')
export class AuthController {
  constructor(
    private readonly services: ServicesClient,
    private readonly browser: BrowserSessionCookies,
  ) {}

  /**
   * 202 alike for a new and a taken address (the auth service spends the same work on
   * both and mails the owner of a taken one), so registration cannot be used to learn
   * which addresses have accounts.
   */
  @Public()
  @Post('auth/register')
  @HttpCode(202)
  async register(
    @ValidBody(RPC_CONTRACTS[RPC.AUTH_REGISTER].request) data: RpcPayload<typeof RPC.AUTH_REGISTER>,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ ok: true }> {
    try {
      await this.services.call(RPC.AUTH_REGISTER, data, envelope);
    } catch (err) {
      if (!(err instanceof DocatError && err.code === 'EMAIL_TAKEN')) throw err;
    }
    return { ok: true };
  }

  @Public()
  @Post('auth/login')
  @RateLimit('auth_login')
  @HttpCode(200)
  login(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<TokenPair> {
    const { email, password } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_LOGIN].request.omit({ ip: true, userAgent: true }),
      body,
    );
    const userAgent = userAgentOf(request);
    return this.services.call(
      RPC.AUTH_LOGIN,
      { email, password, ip: request.ip, ...(userAgent ? { userAgent } : {}) },
      envelope,
    );
  }

  @Public()
  @Post('auth/refresh')
  @HttpCode(200)
  refresh(
    @ValidBody(RPC_CONTRACTS[RPC.AUTH_REFRESH].request) data: RpcPayload<typeof RPC.AUTH_REFRESH>,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<TokenPair> {
    return this.services.call(RPC.AUTH_REFRESH, data, envelope);
  }

  @Public()
  @Post('auth/logout')
  @HttpCode(204)
  async logout(
    @ValidBody(RPC_CONTRACTS[RPC.AUTH_LOGOUT].request) data: RpcPayload<typeof RPC.AUTH_LOGOUT>,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    await this.services.call(RPC.AUTH_LOGOUT, data, envelope);
  }

  /** The web app's sign-in: the refresh token goes into an HttpOnly cookie, the access token into the body. */
  @Public()
  @Post('auth/browser/login')
  @RateLimit('auth_login')
  @HttpCode(200)
  async browserLogin(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BrowserAccessToken> {
    return this.browser.issue(await this.login(body, request, envelope), reply);
  }

  /** The cookie variant of `auth/refresh`: CSRF-checked, it rotates the cookie like the JSON route rotates the token. */
  @Public()
  @Post('auth/browser/refresh')
  @HttpCode(200)
  async browserRefresh(
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BrowserAccessToken> {
    const refreshToken = this.browser.refreshTokenOf(request);
    if (refreshToken === null)
      throw new DocatError('UNAUTHENTICATED', 'This browser holds no session; sign in');
    try {
      return this.browser.issue(
        await this.services.call(RPC.AUTH_REFRESH, { refreshToken }, envelope),
        reply,
      );
    } catch (err) {
      // A refused refresh token will never work again: drop it, so the page stops offering it.
      if (err instanceof DocatError && err.code === 'TOKEN_INVALID') this.browser.clear(reply);
      throw err;
    }
  }

  /** Ends the browser's session and clears its cookies (CSRF-checked, so another site cannot sign a user out). */
  @Public()
  @Post('auth/browser/logout')
  @HttpCode(204)
  async browserLogout(
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const refreshToken = this.browser.refreshTokenOf(request);
    if (refreshToken !== null)
      await this.services.call(RPC.AUTH_LOGOUT, { refreshToken }, envelope);
    this.browser.clear(reply);
  }

  /** Always 202, whether or not the address has an account: the answer reveals nothing. */
  @Public()
  @Post('auth/password-reset')
  @RateLimit('password_reset')
  @HttpCode(202)
  async requestPasswordReset(
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ ok: true }> {
    const data = parseOrThrow(passwordResetRequestSchema, body);
    return this.services.call(RPC.AUTH_PASSWORD_RESET_REQUEST, data, envelope);
  }

  @Public()
  @Post('auth/password-reset/confirm')
  @HttpCode(204)
  async confirmPasswordReset(
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    const data = parseOrThrow(passwordResetConfirmSchema, body);
    await this.services.call(RPC.AUTH_PASSWORD_RESET_CONFIRM, data, envelope);
  }

  /** The link in the verification mail (GET, so a click works); POST with a JSON body does the same. */
  @Public()
  @Get('auth/verify-email')
  verifyEmailLink(
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<UserView> {
    const data = parseOrThrow(emailVerifySchema, query);
    return this.services.call(RPC.AUTH_EMAIL_VERIFY, data, envelope);
  }

  @Public()
  @Post('auth/verify-email')
  @HttpCode(200)
  verifyEmail(@Body() body: unknown, @Envelope() envelope: EnvelopeContext): Promise<UserView> {
    const data = parseOrThrow(emailVerifySchema, body);
    return this.services.call(RPC.AUTH_EMAIL_VERIFY, data, envelope);
  }

  @Post('auth/verify-email/resend')
  @HttpCode(202)
  resendVerification(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ ok: true }> {
    return this.services.call(RPC.AUTH_EMAIL_VERIFY_RESEND, { userId: user.id }, envelope);
  }

  @Get('me')
  me(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<UserView> {
    return this.services.call(RPC.AUTH_ME, { userId: user.id }, envelope);
  }
}
