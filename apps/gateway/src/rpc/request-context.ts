import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TRACEPARENT, type EnvelopeContext } from '@docat/contracts';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the global `AccessTokenGuard` on every route that is not `@Public()`. */
    user?: AuthenticatedUser;
  }
}

/** The envelope context every RPC made for this request carries: request id, user, trace. */
export function envelopeContextOf(request: FastifyRequest): EnvelopeContext {
  const context: EnvelopeContext = { requestId: request.id };
  if (request.user) context.userId = request.user.id;
  const traceparent = request.headers.traceparent;
  if (typeof traceparent === 'string' && TRACEPARENT.test(traceparent))
    context.traceparent = traceparent;
  return context;
}

/**
 * The envelope context of the request being handled, for the RPCs a route makes:
 * `route(@Envelope() envelope: EnvelopeContext)`.
 */
export const Envelope = createParamDecorator(
  (_data: unknown, context: ExecutionContext): EnvelopeContext =>
    envelopeContextOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
