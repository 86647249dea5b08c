import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DocatError } from '@docat/contracts';
import { AccessTokenVerifier, bearerToken, type AuthenticatedUser } from './access-token.verifier.js';

/** Requires `Authorization: Bearer <access token>` and sets `request.user`. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new DocatError('UNAUTHENTICATED', 'Send an access token as Authorization: Bearer <token>');
    request.user = await this.verifier.verify(token);
    return true;
  }
}

/** The user `AccessTokenGuard` authenticated. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedUser => {
  const user = context.switchToHttp().getRequest<FastifyRequest>().user;
  if (!user) throw new DocatError('UNAUTHENTICATED');
  return user;
});
