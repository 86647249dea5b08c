import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PREFIX, DocatError } from '@docat/contracts';
import {
  AccessTokenVerifier,
  bearerToken,
  type AuthenticatedUser,
} from './access-token.verifier.js';
import { ApiKeyVerifier } from './api-key.verifier.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * The gateway's one authentication guard, global: every HTTP route requires a credential
 * unless it or its controller is `@Public()`. It sets `request.user`: an access token as
 * `Authorization: Bearer <jwt>`, or an API key as `Authorization: Bearer dk_...` or
 * `X-API-Key: dk_...`. Both give the same principal. Two different credentials in one
 * request are refused rather than one silently winning.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // The gateway's bus handlers (revocation events) are not requests from callers.
    if (context.getType() !== 'http') return true;
    const open = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.user = await this.authenticate(request);
    return true;
  }

  /**
   * The principal when it is known without waiting: an access token (in `Authorization`,
   * with no `X-API-Key`) whose verdict the verifier remembers. Undefined otherwise: call
   * `authenticate`, which decides every other case. Throws TOKEN_INVALID for a remembered
   * token revoked since, as `authenticate` would.
   */
  authenticateNow(request: FastifyRequest): AuthenticatedUser | undefined {
    if (request.headers['x-api-key'] !== undefined) return undefined;
    const bearer = bearerToken(request.headers.authorization);
    if (bearer === null || bearer.startsWith(API_KEY_PREFIX)) return undefined;
    return this.verifier.cached(bearer);
  }

  /** The principal of the request's credential; throws UNAUTHENTICATED or TOKEN_INVALID. */
  authenticate(request: FastifyRequest): Promise<AuthenticatedUser> {
    const bearer = bearerToken(request.headers.authorization);
    const header = request.headers['x-api-key'];
    if (Array.isArray(header)) throw new DocatError('TOKEN_INVALID', 'Send one X-API-Key header');
    const apiKey = typeof header === 'string' ? header.trim() : undefined;
    if (apiKey !== undefined && bearer !== null && bearer !== apiKey) {
      throw new DocatError('TOKEN_INVALID', 'Send either Authorization or X-API-Key, not both');
    }
    if (apiKey !== undefined) return this.apiKeys.verify(apiKey);
    if (!bearer) {
      throw new DocatError(
        'UNAUTHENTICATED',
        'Send an access token as Authorization: Bearer <token>, or an API key as X-API-Key',
      );
    }
    return bearer.startsWith(API_KEY_PREFIX)
      ? this.apiKeys.verify(bearer)
      : this.verifier.verify(bearer);
  }
}

/** Admin-only routes (`@UseGuards(AdminGuard)`), checked after the global `AccessTokenGuard`. Anyone else gets 403 FORBIDDEN. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (!user) throw new DocatError('UNAUTHENTICATED');
    if (user.role !== 'admin')
      throw new DocatError('FORBIDDEN', 'This route is for administrators');
    return true;
  }
}

/** The user `AccessTokenGuard` authenticated. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const user = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (!user) throw new DocatError('UNAUTHENTICATED');
    return user;
  },
);
