import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocatError } from '@docat/contracts';
import { PROBLEM_CONTENT_TYPE, problemFor, toHttpDocatError } from './problem.js';

/**
 * Answers every HTTP error as RFC 9457 problem+json with a registered `code` and the
 * request id. Errors the gateway did not anticipate are logged with their stack and
 * answered as 500 `INTERNAL` without detail.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}

/** The answer of `ProblemFilter`, for routes that run outside Nest's pipeline (the status poll). */
export function sendProblem(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'>,
): void {
  const error = toHttpDocatError(exception);
  if (
    error.code === 'INTERNAL' &&
    !(exception instanceof DocatError && exception.code === 'INTERNAL')
  ) {
    const detail =
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    logger.error(`${request.method} ${request.url} [${request.id}] ${detail}`);
  }
  const problem = problemFor(error, { requestId: request.id, instance: request.url.split('?')[0] });
  if (reply.sent) {
    // The body already started (a download that failed midway): all that is left is to cut it.
    reply.raw.destroy();
    return;
  }
  // A body left unread (an upload refused early) would be parsed as the next request on
  // a kept-alive connection: close it instead, after a short linger so the client reads
  // the answer rather than a reset.
  if (problem.status === 413 || !request.raw.complete) {
    void reply.header('connection', 'close');
    if (!request.raw.complete) lingerBeforeClose(request.raw);
  }
  void reply
    .status(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify(problem), 'utf8'));
}

/** How long, and how many bytes, a refused upload's connection is drained before it is closed. */
export const LINGER = { ms: 2_000, bytes: 64 * 1024 * 1024 };

/**
 * A lingering close for a request answered before its body was read. Closing the socket at
 * once makes the kernel answer the client's next bytes with a reset, which can discard the
 * answer the client has not read yet: it sees a write error (EPIPE, ECONNRESET) instead of
 * the 413. So once the answer is written, only the sending side is closed; what the client
 * still sends is read and dropped until it stops, for at most {@link LINGER}.ms or
 * {@link LINGER}.bytes, and then the socket is closed.
 */
export function lingerBeforeClose(raw: IncomingMessage, limits = LINGER): void {
  const socket = raw.socket;
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function lingeringClose(this: typeof socket): void {
    if (this.writable) this.end();
    let drained = 0;
    const timer = setTimeout(() => this.destroy(), limits.ms);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    raw.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > limits.bytes) this.destroy();
    });
    raw.resume();
  };
}
