import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  DocatError,
  QUEUE_NAMES,
  RPC,
  type FailedQueueJobList,
  type QueueName,
  type QueueStats,
  type QueuesOverview,
} from '@docat/contracts';
import { QUEUE, type QueuePort, RpcHandler, type RpcPayload } from '@docat/service-kit';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Operators' view of the durable queues (`/v1/admin/queues`). The gateway lets only
 * admins through; the acting admin's id comes along for the log. Any replica can answer:
 * the queue backend, not the process, holds the state.
 */
@Controller()
export class QueuesAdminController {
  private readonly logger = new Logger('QueuesAdmin');

  constructor(@Inject(QUEUE) private readonly queue: QueuePort) {}

  @RpcHandler(RPC.JOBS_ADMIN_QUEUES)
  async overview(
    @Payload() _req: RpcPayload<typeof RPC.JOBS_ADMIN_QUEUES>,
  ): Promise<QueuesOverview> {
    const items = await Promise.all(QUEUE_NAMES.map((name) => this.stats(name)));
    return { items, at: new Date().toISOString() };
  }

  private async stats(name: QueueName): Promise<QueueStats> {
    const [depth, workers, lastMinute, lastHour] = await Promise.all([
      this.queue.depth(name),
      this.queue.workersAlive(name),
      this.queue.throughput(name, MINUTE_MS),
      this.queue.throughput(name, HOUR_MS),
    ]);
    return {
      name,
      waiting: depth.waiting,
      active: depth.active,
      delayed: depth.delayed,
      failed: depth.failed,
      oldestWaitingAgeSeconds:
        depth.oldestWaitingAgeMs === null ? null : depth.oldestWaitingAgeMs / 1000,
      workers,
      throughput: { lastMinute, lastHour },
    };
  }

  @RpcHandler(RPC.JOBS_ADMIN_QUEUE_FAILED)
  async failed(
    @Payload() req: RpcPayload<typeof RPC.JOBS_ADMIN_QUEUE_FAILED>,
  ): Promise<FailedQueueJobList> {
    const { total, items } = await this.queue.failedJobs(req.queue, {
      limit: req.limit,
      offset: req.offset,
    });
    return {
      total,
      limit: req.limit,
      offset: req.offset,
      items: items.map((job) => {
        const type = fieldOf(job.data, 'type');
        const jobId = fieldOf(fieldOf(job.data, 'data'), 'jobId');
        return {
          id: job.id,
          queue: req.queue,
          type: typeof type === 'string' ? type : null,
          jobId: typeof jobId === 'string' ? jobId : null,
          attempts: job.attempts,
          error: job.error,
          failedAt: job.failedAt?.toISOString() ?? null,
          enqueuedAt: job.enqueuedAt?.toISOString() ?? null,
        };
      }),
    };
  }

  @RpcHandler(RPC.JOBS_ADMIN_QUEUE_RETRY)
  async retry(
    @Payload() req: RpcPayload<typeof RPC.JOBS_ADMIN_QUEUE_RETRY>,
  ): Promise<{ id: string; queue: QueueName; state: 'waiting' }> {
    const outcome = await this.queue.retryFailed(req.queue, req.id.toLowerCase());
    if (outcome === 'not_found')
      throw new DocatError('NOT_FOUND', `queue ${req.queue} has no job ${req.id}`);
    if (outcome === 'not_failed')
      throw new DocatError(
        'QUEUE_JOB_NOT_FAILED',
        `job ${req.id} of queue ${req.queue} has not failed`,
      );
    this.logger.log(`queue job retried queue=${req.queue} id=${req.id} by=${req.actorId}`);
    return { id: req.id.toLowerCase(), queue: req.queue, state: 'waiting' };
  }

  @RpcHandler(RPC.JOBS_ADMIN_QUEUE_REMOVE)
  async remove(
    @Payload() req: RpcPayload<typeof RPC.JOBS_ADMIN_QUEUE_REMOVE>,
  ): Promise<{ id: string; queue: QueueName; state: 'removed' }> {
    const outcome = await this.queue.removeFailed(req.queue, req.id.toLowerCase());
    if (outcome === 'not_found')
      throw new DocatError('NOT_FOUND', `queue ${req.queue} has no job ${req.id}`);
    if (outcome === 'not_failed')
      throw new DocatError(
        'QUEUE_JOB_NOT_FAILED',
        `job ${req.id} of queue ${req.queue} has not failed`,
      );
    this.logger.log(`queue job removed queue=${req.queue} id=${req.id} by=${req.actorId}`);
    return { id: req.id.toLowerCase(), queue: req.queue, state: 'removed' };
  }
}
