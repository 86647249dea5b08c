import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RPC, type JobList, type JobView, type EnvelopeContext } from '@docat/contracts';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { ServicesClient } from '../rpc/services.client.js';
import { jobIdParam, listQuery, resultFormat } from './jobs.query.js';
import { JobStatusCache } from './job-status.cache.js';
import { ResultsService } from './results.service.js';
import { Envelope } from '../rpc/request-context.js';

/**
 * Ingestion enforces ownership: another user's job answers NOT_FOUND, like a missing one.
 * `GET /v1/jobs/:id` is `JobStatusRoute`; cancel and erase drop the job's kept status.
 */
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly services: ServicesClient,
    private readonly results: ResultsService,
    private readonly statuses: JobStatusCache,
  ) {}

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<JobList> {
    return this.services.call(RPC.JOBS_LIST, { userId: user.id, ...listQuery(query) }, envelope);
  }

  @Delete(':id')
  async cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<JobView> {
    const jobId = jobIdParam(id);
    this.statuses.invalidate(jobId);
    try {
      return await this.services.call(RPC.JOBS_CANCEL, { userId: user.id, jobId }, envelope);
    } finally {
      this.statuses.invalidate(jobId);
    }
  }

  @Post(':id/erase')
  @HttpCode(200)
  async erase(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ id: string; objects: number }> {
    const jobId = jobIdParam(id);
    this.statuses.invalidate(jobId);
    try {
      return await this.services.call(RPC.JOBS_DELETE, { userId: user.id, jobId }, envelope);
    } finally {
      this.statuses.invalidate(jobId);
    }
  }

  @Get(':id/source')
  async source(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.results.sendSource({ userId: user.id, jobId: jobIdParam(id) }, request, reply);
  }

  @Get(':id/report')
  async report(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.results.sendReport({ userId: user.id, jobId: jobIdParam(id) }, request, reply);
  }

  @Get(':id/result')
  async result(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.results.send(
      { userId: user.id, jobId: jobIdParam(id), format: resultFormat(query) },
      request,
      reply,
    );
  }
}
