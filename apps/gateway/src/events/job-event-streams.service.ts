import { PassThrough } from 'node:stream';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DocatError, jobEventSchema, type JobEvent } from '@docat/contracts';
import type { AuthenticatedUser } from '../auth/principal.js';
import {
  EVENT_LOG,
  jobEventLogName,
  type EventLogEntry,
  type EventLogFollow,
  type EventLogPort,
} from '@docat/service-kit';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings.js';
import { isTerminalEvent, sseComment, sseEvent, sseRetry, SSE_RETRY_MS } from './sse-format.js';

const REPLAY_PAGE = 500;
/** Retry-After of a stream refused for capacity: about how soon a stream of a typical job ends. */
const CAPACITY_RETRY_AFTER_S = 10;

/** An open stream and the credential it was opened with. */
interface OpenStream {
  userId: string;
  sessionId?: string;
  apiKeyId?: string;
  issuedAt?: number;
  end(reason?: string): void;
}

/**
 * Open job event streams of this gateway process. Each follows its job's event log
 * through the log's shared reader (one connection for all streams), so the number of
 * open streams does not grow the process's connections. A stream ends after the job's
 * terminal event, when the client leaves, or when the gateway shuts down; and when the
 * credential it was opened with stops being valid: its access token expires, its
 * session is revoked, its API key is revoked, or the account is disabled or deleted.
 * The client then reconnects with a fresh token and `Last-Event-ID`, and loses nothing.
 *
 * An account holds at most `sseMaxStreamsPerAccount` streams on one process and the
 * process at most `sseMaxStreamsPerProcess`; the next is refused 429 with Retry-After.
 */
@Injectable()
export class JobEventStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobEventStreams');
  private readonly open = new Set<OpenStream>();

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLogPort,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  /** Streams currently open (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }

  /** Refuses a new stream for `userId` when the account or the process holds as many as allowed (429 RATE_LIMITED, Retry-After set on `reply`). */
  admit(userId: string, reply: FastifyReply): void {
    const { sseMaxStreamsPerAccount: perAccount, sseMaxStreamsPerProcess: perProcess } =
      this.settings;
    let mine = 0;
    for (const stream of this.open) if (stream.userId === userId) mine++;
    const refusal =
      mine >= perAccount
        ? `This account already has ${mine} event streams open (at most ${perAccount}): close one, or poll GET /v1/jobs/{id}`
        : this.open.size >= perProcess
          ? 'This server holds as many event streams as it can: retry shortly, or poll GET /v1/jobs/{id}'
          : undefined;
    if (refusal === undefined) return;
    void reply.header('retry-after', String(CAPACITY_RETRY_AFTER_S));
    throw new DocatError('RATE_LIMITED', refusal);
  }

  /**
   * Answers `reply` with the events of `jobId` after `afterSeq`. A job already finished
   * gets what its log holds and the stream ends; otherwise the stream follows live,
   * until the job ends or `user`'s credential stops being valid.
   */
  start(
    jobId: string,
    afterSeq: number,
    jobFinished: boolean,
    reply: FastifyReply,
    user?: AuthenticatedUser,
  ): void {
    const out = new PassThrough();
    let ended = false;
    let follow: EventLogFollow | undefined;
    const heartbeat = setInterval(
      () => out.write(sseComment('heartbeat')),
      this.settings.sseHeartbeatMs,
    );
    heartbeat.unref();
    let expiry: NodeJS.Timeout | undefined;
    const stream: OpenStream = {
      userId: user?.id ?? '',
      ...(user?.sessionId ? { sessionId: user.sessionId } : {}),
      ...(user?.apiKeyId ? { apiKeyId: user.apiKeyId } : {}),
      ...(user?.issuedAt !== undefined ? { issuedAt: user.issuedAt } : {}),
      end: (reason?: string): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        clearTimeout(expiry);
        follow?.close();
        this.open.delete(stream);
        if (reason)
          out.write(sseComment(`${reason}: reconnect with a valid token and Last-Event-ID`));
        out.end();
      },
    };
    const end = (): void => stream.end();
    this.open.add(stream);
    reply.raw.once('close', end);
    if (user?.expiresAt !== undefined) {
      // setTimeout holds at most 2^31-1 ms; tokens live minutes.
      const ms = Math.min(2 ** 31 - 1, Math.max(0, user.expiresAt * 1000 - Date.now()));
      expiry = setTimeout(() => stream.end('the access token expired'), ms);
      expiry.unref();
    }

    const onEntry = (entry: EventLogEntry): void => {
      const event = parseEvent(entry);
      if (!event || ended) return;
      out.write(sseEvent(event));
      if (isTerminalEvent(event)) end();
    };

    void reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      .send(out);
    out.write(sseRetry(SSE_RETRY_MS));

    if (!jobFinished) {
      follow = this.log.follow(jobEventLogName(jobId), afterSeq, onEntry);
      return;
    }
    void this.replayAll(jobId, afterSeq, onEntry)
      .catch((err: unknown) =>
        this.logger.warn(
          `replay of job ${jobId} failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      )
      .finally(end);
  }

  /** Ends the streams of a revoked session. */
  sessionRevoked(sessionId: string): void {
    for (const stream of [...this.open])
      if (stream.sessionId === sessionId) stream.end('the session was signed out');
  }

  /** Ends the streams opened with a revoked API key. */
  apiKeyRevoked(keyId: string): void {
    for (const stream of [...this.open])
      if (stream.apiKeyId === keyId) stream.end('the API key was revoked');
  }

  /**
   * Ends `userId`'s streams opened with access tokens issued at or before `atSeconds`
   * (sign-out everywhere, password reset); `everything` also ends those opened with API
   * keys (the account was disabled or deleted).
   */
  userRevoked(userId: string, atSeconds: number, everything: boolean): void {
    for (const stream of [...this.open]) {
      if (stream.userId !== userId) continue;
      const tokenRevoked =
        stream.apiKeyId === undefined &&
        (stream.issuedAt === undefined || stream.issuedAt <= atSeconds);
      if (everything || tokenRevoked)
        stream.end(everything ? 'the account is no longer active' : 'the session was signed out');
    }
  }

  beforeApplicationShutdown(): void {
    for (const stream of [...this.open]) stream.end();
  }

  private async replayAll(
    jobId: string,
    afterSeq: number,
    onEntry: (entry: EventLogEntry) => void,
  ): Promise<void> {
    let cursor = afterSeq;
    for (;;) {
      const page = await this.log.read(jobEventLogName(jobId), cursor, REPLAY_PAGE);
      for (const entry of page) {
        onEntry(entry);
        cursor = entry.seq;
      }
      if (page.length < REPLAY_PAGE) return;
    }
  }
}

function parseEvent(entry: EventLogEntry): JobEvent | undefined {
  try {
    const parsed = jobEventSchema.safeParse(JSON.parse(entry.payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
