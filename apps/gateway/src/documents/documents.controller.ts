import { Controller, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { parseOrThrow } from '@docat/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocatError, type JobView, type EnvelopeContext } from '@docat/contracts';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import {
  GATEWAY_SETTINGS,
  MULTIPART_OVERHEAD_BYTES,
  type GatewaySettings,
} from '../gateway.settings.js';
import { DocumentsService } from './documents.service.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { Envelope } from '../rpc/request-context.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const dryRunQuerySchema = z
  .enum(['true', 'false', '1', '0'], { message: 'dryRun must be true or false' })
  .optional()
  .transform((v) => v === 'true' || v === '1');

@Controller('v1')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  @Post('documents')
  @RateLimit('pdf_upload')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
    @Res() reply: FastifyReply,
    @Query('dryRun') dryRunParam: unknown,
  ): Promise<FastifyReply> {
    const dryRun = parseOrThrow(dryRunQuerySchema, dryRunParam);
    const declared = Number(request.headers['content-length']);
    if (
      Number.isFinite(declared) &&
      declared > this.settings.maxUploadBytes + MULTIPART_OVERHEAD_BYTES
    ) {
      throw new DocatError(
        'FILE_TOO_LARGE',
        `The file exceeds ${this.settings.maxUploadBytes} bytes`,
      );
    }
    if (!request.isMultipart()) {
      throw new DocatError(
        'VALIDATION_FAILED',
        "Send the file as multipart/form-data in the 'file' field",
      );
    }
    const idempotencyKey = request.headers['idempotency-key'];
    if (
      idempotencyKey !== undefined &&
      (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))
    ) {
      throw new DocatError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1 to 255 printable ASCII characters',
      );
    }
    const parts = request.parts({
      limits: {
        fileSize: this.settings.maxUploadBytes + 1,
        files: 1,
        fields: 32,
        fieldSize: 4096,
        parts: 40,
        headerPairs: 100,
      },
    });
    // A dry run creates nothing, so it answers 200 (and ignores an Idempotency-Key); the
    // status differs by query, which is why this handler sends its own reply.
    if (dryRun) {
      const estimate = await this.documents.estimate({
        userId: user.id,
        parts,
        context: envelope,
      });
      return reply.status(200).send(estimate);
    }
    const job = await this.documents.upload({
      userId: user.id,
      parts,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      context: envelope,
    });
    return reply
      .status(202)
      .header('location', `/v1/jobs/${job.id}`)
      .send(job satisfies JobView);
  }
}
