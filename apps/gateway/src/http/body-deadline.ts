import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocatError } from '@docat/contracts';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.js';

export interface BodyDeadlineSettings {
  /** The whole body of a request that is not an upload must arrive within this. */
  bodyTimeoutMs: number;
  /** An upload slower than this over `uploadRateWindowMs` is cut. */
  uploadMinBytesPerSecond: number;
  uploadRateWindowMs: number;
  maxUploadBytes: number;
}

/** The deadline of a whole upload: the largest file at the slowest accepted rate, plus the JSON body timeout for the rest. */
export function uploadDeadlineMs(settings: BodyDeadlineSettings): number {
  return (
    Math.ceil((settings.maxUploadBytes / settings.uploadMinBytesPerSecond) * 1000) +
    settings.bodyTimeoutMs
  );
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

function isUpload(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/**
 * Deadlines for request bodies, so a client cannot hold a connection (and the upload
 * slot, parser and storage stream behind it) open by trickling bytes:
 * - a body that is not an upload must arrive whole within `bodyTimeoutMs`;
 * - an upload must keep up `uploadMinBytesPerSecond` over every `uploadRateWindowMs`
 *   (a window in which the gateway itself was not reading, because storage was behind,
 *   does not count against the client), and arrive whole within `uploadDeadlineMs`.
 * A late body is answered 408 REQUEST_TIMEOUT (problem+json, `Connection: close`) and
 * its connection closed; the handler reading it then sees the stream end and cleans up.
 */
export function registerBodyDeadlines(
  instance: FastifyInstance,
  settings: BodyDeadlineSettings,
): void {
  // A callback hook: requests without a body (most of them) cost no promise.
  instance.addHook('onRequest', (request, reply, done) => {
    if (hasBody(request)) watchBody(request, reply, settings);
    done();
  });
}

function watchBody(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: BodyDeadlineSettings,
): void {
  const raw = request.raw;
  const upload = isUpload(request);
  const timers: NodeJS.Timeout[] = [];
  const stop = () => timers.forEach((t) => clearTimeout(t));
  const cut = (detail: string) => {
    stop();
    if (raw.complete || reply.sent || reply.raw.headersSent) return;
    const body = Buffer.from(
      JSON.stringify(
        problemFor(new DocatError('REQUEST_TIMEOUT', detail), { requestId: request.id }),
      ),
      'utf8',
    );
    // The reply is taken from Fastify: the handler still waiting on the body must not answer too.
    reply.hijack();
    reply.raw.writeHead(408, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': String(body.length),
      connection: 'close',
    });
    reply.raw.end(body, () => raw.socket.destroy());
    request.log.info({ upload, bytes: raw.socket.bytesRead }, 'request body timed out');
  };
  raw.once('end', stop);
  raw.once('close', stop);
  reply.raw.once('close', stop);
  if (!upload) {
    timers.push(
      setTimeout(
        () => cut(`The body did not arrive within ${Math.round(settings.bodyTimeoutMs / 1000)} s`),
        settings.bodyTimeoutMs,
      ).unref(),
    );
    return;
  }
  const deadline = uploadDeadlineMs(settings);
  timers.push(
    setTimeout(
      () => cut(`The upload did not finish within ${Math.round(deadline / 1000)} s`),
      deadline,
    ).unref(),
  );
  const socket = raw.socket;
  let last = socket.bytesRead;
  const needed = (settings.uploadMinBytesPerSecond * settings.uploadRateWindowMs) / 1000;
  timers.push(
    setInterval(() => {
      const read = socket.bytesRead;
      const got = read - last;
      last = read;
      // Bytes already received but not yet consumed: the gateway is the slow side.
      if (raw.readableLength > 0 || raw.isPaused()) return;
      if (got < needed)
        cut(
          `The upload sent ${got} bytes in ${Math.round(settings.uploadRateWindowMs / 1000)} s, under the minimum of ${settings.uploadMinBytesPerSecond} bytes a second`,
        );
    }, settings.uploadRateWindowMs).unref(),
  );
}
