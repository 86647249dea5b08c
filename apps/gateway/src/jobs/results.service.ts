import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocatError, RPC, type OutputFormat, type ResultLocation } from '@docat/contracts';
import type { DocatConfig } from '@docat/config';
import { CONFIG, STORAGE, type ObjectStorage } from '@docat/service-kit';
import { attachmentDisposition } from '../documents/file-name.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';
import { contentRange, etagMatches, parseRange } from './byte-range.js';

/** A result never changes once written, so a client may keep it; `private` keeps shared caches out. */
const RESULT_CACHE_CONTROL = 'private, max-age=3600';

/** Lifetime of a presigned result link: long enough to start a download, short enough to be useless if leaked. */
export const PRESIGNED_RESULT_TTL_SECONDS = 300;

function strongEtag(etag: string): string {
  const bare = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return `"${bare.replace(/"/g, '')}"`;
}

/**
 * `GET /v1/jobs/:id/result`: ingestion says where the result is (and whether this
 * user may have it); the bytes stream from object storage, honouring `If-None-Match`
 * (304) and a single `Range` (206, or 416 when it misses). Only where STORAGE_PUBLIC_URL
 * is configured does the gateway answer 302 to a presigned link valid for five minutes.
 */
@Injectable()
export class ResultsService {
  /** Only a store clients can reach (STORAGE_PUBLIC_URL) is worth redirecting to. */
  private readonly redirects: boolean;

  constructor(
    private readonly services: ServicesClient,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) config: DocatConfig,
  ) {
    this.redirects = config.storage.driver === 's3' && config.storage.publicUrl !== undefined;
  }

  async send(
    target: { userId: string; jobId: string; format: OutputFormat },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    // Ingestion answers NOT_FOUND for another user's job: ownership is settled before any redirect.
    await this.stream(
      await this.services.call(RPC.JOBS_RESULT, target, envelopeContextOf(request)),
      request,
      reply,
    );
  }

  /** `GET /v1/jobs/:id/source`: the uploaded PDF, served like a result while uploads are kept. */
  async sendSource(
    target: { userId: string; jobId: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    await this.stream(
      await this.services.call(RPC.JOBS_SOURCE, target, envelopeContextOf(request)),
      request,
      reply,
    );
  }

  /**
   * `GET /v1/jobs/:id/report`: the fidelity report, as JSON in the response (not an
   * attachment, not a redirect: an API client reads it like the job view). Conditional
   * requests are honoured; the report never changes once written.
   */
  async sendReport(
    target: { userId: string; jobId: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const location = await this.services.call(RPC.JOBS_REPORT, target, envelopeContextOf(request));
    const etag = strongEtag(location.etag);
    // Inline, with a name for whoever saves it (the web app's download button does).
    void reply
      .header('etag', etag)
      .header('cache-control', RESULT_CACHE_CONTROL)
      .header(
        'content-disposition',
        attachmentDisposition(location.fileName).replace(/^attachment/u, 'inline'),
      );
    if (etagMatches(request.headers['if-none-match'], etag)) {
      await reply.status(304).send();
      return;
    }
    const body = await this.storage.get(location.storageKey);
    await reply
      .status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-length', String(location.bytes))
      .send(body);
  }

  private async stream(
    location: ResultLocation,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (this.redirects) {
      const signed = await this.storage.presignGet(
        location.storageKey,
        PRESIGNED_RESULT_TTL_SECONDS,
      );
      if (signed) {
        // The store serves Range and conditional requests itself; the link must not be cached beyond its life.
        await reply
          .status(302)
          .header('location', signed)
          .header('cache-control', 'no-store')
          .send();
        return;
      }
    }
    const etag = strongEtag(location.etag);
    void reply
      .header('etag', etag)
      .header('cache-control', RESULT_CACHE_CONTROL)
      .header('accept-ranges', 'bytes')
      .header('content-disposition', attachmentDisposition(location.fileName));

    if (etagMatches(request.headers['if-none-match'], etag)) {
      await reply.status(304).send();
      return;
    }
    const size = location.bytes;
    const decision = parseRange(request.headers.range, size);
    if (decision.kind === 'unsatisfiable') {
      await reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .header('content-type', 'application/problem+json')
        .send(
          Buffer.from(
            JSON.stringify(
              new DocatError('RANGE_NOT_SATISFIABLE', `the result has ${size} bytes`).toProblem({
                requestId: String(request.id),
              }),
            ),
          ),
        );
      return;
    }
    if (decision.kind === 'partial') {
      const { range } = decision;
      const body = await this.storage.get(location.storageKey, {
        range: { start: range.start, end: range.end },
      });
      await reply
        .status(206)
        .header('content-type', location.contentType)
        .header('content-range', contentRange(range, size))
        .header('content-length', String(range.end - range.start + 1))
        .send(body);
      return;
    }
    const body = await this.storage.get(location.storageKey);
    await reply
      .status(200)
      .header('content-type', location.contentType)
      .header('content-length', String(size))
      .send(body);
  }
}
