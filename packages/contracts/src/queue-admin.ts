import { z } from 'zod';
import { QUEUE_NAMES, type QueueName } from './names.js';

/** A queue name from the path; anything else is NOT_FOUND at the gateway. */
export const queueNameSchema = z.enum(QUEUE_NAMES as [QueueName, ...QueueName[]]);

const count = z.number().int().nonnegative();
const finished = z.object({ completed: count, failed: count });

/** One queue in `GET /v1/admin/queues`: its backlog now and what finished lately. */
export const queueStatsSchema = z.object({
  name: queueNameSchema,
  /** Due and not yet taken. */
  waiting: count,
  active: count,
  /** Scheduled for later: delayed jobs and retries in backoff. */
  delayed: count,
  /** Failed for good and still retained (see the failed-job list). */
  failed: count,
  oldestWaitingAgeSeconds: z.number().nonnegative().nullable(),
  workers: count,
  throughput: z.object({ lastMinute: finished, lastHour: finished }),
});
export type QueueStats = z.infer<typeof queueStatsSchema>;

export const queuesOverviewSchema = z.object({ items: z.array(queueStatsSchema), at: z.string() });
export type QueuesOverview = z.infer<typeof queuesOverviewSchema>;

/** A queue job that failed for good. `jobId` is the Docat job it worked for, when it had one. */
export const failedQueueJobSchema = z.object({
  id: z.string(),
  queue: queueNameSchema,
  type: z.string().nullable(),
  jobId: z.string().nullable(),
  attempts: count,
  error: z.string(),
  failedAt: z.string().nullable(),
  enqueuedAt: z.string().nullable(),
});
export type FailedQueueJobView = z.infer<typeof failedQueueJobSchema>;

export const failedQueueJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const failedQueueJobListSchema = z.object({
  items: z.array(failedQueueJobSchema),
  total: count,
  limit: z.number().int(),
  offset: z.number().int(),
});
export type FailedQueueJobList = z.infer<typeof failedQueueJobListSchema>;

/** Queue job ids are UUIDs (adapters map every id to one). */
export const queueJobIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

export const queueAdminRpcSchemas = {
  overview: { request: z.object({ actorId: z.string() }), response: queuesOverviewSchema },
  failed: {
    request: failedQueueJobsQuerySchema.extend({ actorId: z.string(), queue: queueNameSchema }),
    response: failedQueueJobListSchema,
  },
  retry: {
    request: z.object({ actorId: z.string(), queue: queueNameSchema, id: queueJobIdSchema }),
    response: z.object({ id: z.string(), queue: queueNameSchema, state: z.literal('waiting') }),
  },
  remove: {
    request: z.object({ actorId: z.string(), queue: queueNameSchema, id: queueJobIdSchema }),
    response: z.object({ id: z.string(), queue: queueNameSchema, state: z.literal('removed') }),
  },
} as const;
