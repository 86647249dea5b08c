import type { FastifyRequest } from 'fastify';
import { TRACEPARENT, type EnvelopeContext } from '@docat/contracts';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `AccessTokenGuard` on every authenticated route. */
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
