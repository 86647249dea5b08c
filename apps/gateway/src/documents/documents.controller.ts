import { Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocatError, type JobView } from '@docat/contracts';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { GATEWAY_SETTINGS, MULTIPART_OVERHEAD_BYTES, type GatewaySettings } from '../gateway.settings.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { DocumentsService } from './documents.service.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Controller('v1')
@UseGuards(AccessTokenGuard)
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  @Post('documents')
  @HttpCode(202)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobView> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.settings.maxUploadBytes + MULTIPART_OVERHEAD_BYTES) {
      throw new DocatError('FILE_TOO_LARGE', `The file exceeds ${this.settings.maxUploadBytes} bytes`);
    }
    if (!request.isMultipart()) {
      throw new DocatError('VALIDATION_FAILED', "Send the file as multipart/form-data in the 'file' field");
    }
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
      throw new DocatError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const job = await this.documents.upload({
      userId: user.id,
      parts: request.parts({
        limits: { fileSize: this.settings.maxUploadBytes + 1, files: 1, fields: 32, fieldSize: 4096, parts: 40, headerPairs: 100 },
      }),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      context: envelopeContextOf(request),
    });
    void reply.header('location', `/v1/jobs/${job.id}`);
    return job;
  }
}
