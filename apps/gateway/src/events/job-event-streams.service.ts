import { PassThrough } from 'node:stream';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { jobEventSchema, type JobEvent } from '@docat/contracts';
import { EVENT_LOG, jobEventLogName, type EventLogEntry, type EventLogFollow, type EventLogPort } from '@docat/service-kit';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings.js';
import { isTerminalEvent, sseComment, sseEvent, sseRetry, SSE_RETRY_MS } from './sse-format.js';

const REPLAY_PAGE = 500;

/**
 * Open job event streams of this gateway process. Each follows its job's event log
 * through the log's shared reader (one connection for all streams), so the number of
 * open streams does not grow the process's connections. A stream ends after the job's
 * terminal event, when the client leaves, or when the gateway shuts down.
 */
@Injectable()
export class JobEventStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobEventStreams');
  private readonly open = new Set<() => void>();

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLogPort,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  /** Streams currently open (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }

  /**
   * Answers `reply` with the events of `jobId` after `afterSeq`. A job already finished
   * gets what its log holds and the stream ends; otherwise the stream follows live.
   */
  start(jobId: string, afterSeq: number, jobFinished: boolean, reply: FastifyReply): void {
    const out = new PassThrough();
    let ended = false;
    let follow: EventLogFollow | undefined;
    const heartbeat = setInterval(() => out.write(sseComment('heartbeat')), this.settings.sseHeartbeatMs);
    heartbeat.unref();
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      follow?.close();
      this.open.delete(end);
      out.end();
    };
    this.open.add(end);
    reply.raw.once('close', end);

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
      .catch((err: unknown) => this.logger.warn(`replay of job ${jobId} failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(end);
  }

  beforeApplicationShutdown(): void {
    for (const end of [...this.open]) end();
  }

  private async replayAll(jobId: string, afterSeq: number, onEntry: (entry: EventLogEntry) => void): Promise<void> {
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
