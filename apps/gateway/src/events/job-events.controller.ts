import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RPC, TERMINAL_STATES, type EnvelopeContext } from '@docat/contracts';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { jobIdParam } from '../jobs/jobs.query.js';
import { ServicesClient } from '../rpc/services.client.js';
import { JobEventStreams } from './job-event-streams.service.js';
import { resumeAfter } from './sse-format.js';
import { Envelope } from '../rpc/request-context.js';

/**
 * `GET /v1/jobs/:id/events`: the job's events as Server-Sent Events. Ownership is
 * checked with ingestion before the stream starts, so another user's job is a plain
 * 404 problem, never an empty stream.
 */
@Controller('v1/jobs')
export class JobEventsController {
  constructor(
    private readonly services: ServicesClient,
    private readonly streams: JobEventStreams,
  ) {}

  @Get(':id/events')
  async events(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const jobId = jobIdParam(id);
    const afterSeq = resumeAfter(request.headers['last-event-id'], query);
    const job = await this.services.call(RPC.JOBS_GET, { userId: user.id, jobId }, envelope);
    this.streams.admit(user.id, reply);
    this.streams.start(jobId, afterSeq, TERMINAL_STATES.has(job.state), reply, user);
  }
}
