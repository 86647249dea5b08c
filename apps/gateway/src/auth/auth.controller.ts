import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RPC, RPC_CONTRACTS, type TokenPair, type UserView } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';
import { AccessTokenGuard, CurrentUser } from './access-token.guard.js';
import type { AuthenticatedUser } from './access-token.verifier.js';

/** `/v1/auth/*` and `/v1/me`: thin translations to the `auth.*` RPCs. */
@Controller('v1')
export class AuthController {
  constructor(private readonly services: ServicesClient) {}

  @Post('auth/register')
  @HttpCode(201)
  register(@Body() body: unknown, @Req() request: FastifyRequest): Promise<UserView> {
    const data = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_REGISTER].request, body);
    return this.services.call(RPC.AUTH_REGISTER, data, envelopeContextOf(request));
  }

  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TokenPair> {
    const { email, password } = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_LOGIN].request.omit({ ip: true }), body);
    return this.services.call(RPC.AUTH_LOGIN, { email, password, ip: request.ip }, envelopeContextOf(request));
  }

  @Post('auth/refresh')
  @HttpCode(200)
  refresh(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TokenPair> {
    const data = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_REFRESH].request, body);
    return this.services.call(RPC.AUTH_REFRESH, data, envelopeContextOf(request));
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@Body() body: unknown, @Req() request: FastifyRequest): Promise<void> {
    const data = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_LOGOUT].request, body);
    await this.services.call(RPC.AUTH_LOGOUT, data, envelopeContextOf(request));
  }

  @Get('me')
  @UseGuards(AccessTokenGuard)
  me(@CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<UserView> {
    return this.services.call(RPC.AUTH_ME, { userId: user.id }, envelopeContextOf(request));
  }
}
