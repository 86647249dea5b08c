import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  DocatError,
  failedQueueJobsQuerySchema,
  queueNameSchema,
  RPC,
  type FailedQueueJobList,
  type QueueName,
  type QueuesOverview,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AdminGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { uuidParam } from '../http/path-params.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

/** A path segment that names no queue is NOT_FOUND: queue names are a fixed list, not ids. */
function pathParam<T extends z.ZodType>(schema: T, value: string, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DocatError('NOT_FOUND', `no such ${what}`);
  return parsed.data;
}

/**
 * `/v1/admin/queues`: the durable queues as operators see them (backlog, failures,
 * throughput over the last minute and hour), the failed jobs of a queue and their
 * retry. Admins only (403 FORBIDDEN otherwise); ingestion answers from the queue backend.
 */
@Controller('v1/admin/queues')
@UseGuards(AdminGuard)
export class AdminQueuesController {
  constructor(private readonly services: ServicesClient) {}

  @Get()
  overview(
    @CurrentUser() admin: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<QueuesOverview> {
    return this.services.call(RPC.JOBS_ADMIN_QUEUES, { actorId: admin.id }, envelope);
  }

  @Get(':name/failed')
  failed(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('name') name: string,
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<FailedQueueJobList> {
    const queue: QueueName = pathParam(queueNameSchema, name, 'queue');
    const page = parseOrThrow(failedQueueJobsQuerySchema, query ?? {});
    return this.services.call(
      RPC.JOBS_ADMIN_QUEUE_FAILED,
      { actorId: admin.id, queue, ...page },
      envelope,
    );
  }

  @Post(':name/failed/:id/retry')
  @HttpCode(202)
  retry(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('name') name: string,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ id: string; queue: QueueName; state: 'waiting' }> {
    const queue: QueueName = pathParam(queueNameSchema, name, 'queue');
    const jobId = uuidParam(id);
    return this.services.call(
      RPC.JOBS_ADMIN_QUEUE_RETRY,
      { actorId: admin.id, queue, id: jobId },
      envelope,
    );
  }

  @Post(':name/failed/:id/remove')
  @HttpCode(200)
  remove(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('name') name: string,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ id: string; queue: QueueName; state: 'removed' }> {
    const queue: QueueName = pathParam(queueNameSchema, name, 'queue');
    const jobId = uuidParam(id);
    return this.services.call(
      RPC.JOBS_ADMIN_QUEUE_REMOVE,
      { actorId: admin.id, queue, id: jobId },
      envelope,
    );
  }
}
