import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Docat's Prometheus metrics. One registry per process: in cluster mode a process is one
 * service (Prometheus adds the `job`/`pod` labels); in standalone mode every module
 * shares it, so the process has one `/metrics`. Names follow Prometheus conventions
 * (`_total` counters, base units) and start with `docat_`; the alert rules and the
 * Grafana dashboard in `deploy/` read these names, so they are part of the contract.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'docat_' });

/** Seconds; covers a fast API call up to a slow upload. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a page takes seconds, a large document minutes. */
const JOB_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600];

export const httpRequests = new Counter({
  name: 'docat_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'docat_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: HTTP_BUCKETS,
  registers: [registry],
});

export const uploadBytes = new Counter({
  name: 'docat_upload_bytes_total',
  help: 'Bytes of PDF uploads accepted.',
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'docat_job_duration_seconds',
  help: 'Time from upload to the final state of a job, by final state.',
  labelNames: ['state'] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

export const jobStageDuration = new Histogram({
  name: 'docat_job_stage_duration_seconds',
  help: 'Time a successful step took (a chunk extract or translate, a job render), by stage.',
  labelNames: ['stage'] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

/** Steps a worker dropped unrun: outdated lease, finished job, or another run's live lease. */
export const staleSteps = new Counter({
  name: 'docat_stale_steps_total',
  help: 'Queue steps acknowledged and dropped before any work, by queue and reason (superseded, finished, held, cancelled).',
  labelNames: ['queue', 'reason'] as const,
  registers: [registry],
});

/** Claims granted, `run` = first for the step's first run, again for any later one (a worker died, or a duplicate). */
export const stepRuns = new Counter({
  name: 'docat_step_runs_total',
  help: 'Chunk and render steps a worker was allowed to start, by queue and run (first, again).',
  labelNames: ['queue', 'run'] as const,
  registers: [registry],
});

export const stepQueueWait = new Histogram({
  name: 'docat_step_queue_wait_seconds',
  help: 'Time from dispatch to a worker claiming the step, by queue. Waiting never expires a step.',
  labelNames: ['queue'] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

export const dispatchCapacity = new Gauge({
  name: 'docat_dispatch_capacity',
  help: 'Steps the live workers announced they run at once, by queue: the bound on dispatched chunk steps.',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const jobsFinished = new Counter({
  name: 'docat_jobs_total',
  help: 'Jobs that reached a final state, by state and error code (empty when none).',
  labelNames: ['state', 'code'] as const,
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'docat_queue_depth',
  help: 'Queue jobs not yet finished (waiting plus running), by queue; the autoscaling signal.',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const queueOldestWaitingAge = new Gauge({
  name: 'docat_queue_oldest_waiting_age_seconds',
  help: 'Age of the oldest waiting job, by queue (0 when none waits).',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const queueWorkersAlive = new Gauge({
  name: 'docat_queue_workers_alive',
  help: 'Workers consuming each queue, as the queue backend sees them.',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const documentsProcessed = new Counter({
  name: 'docat_documents_processed_total',
  help: 'Documents whose job completed with new work (result-cache hits excluded).',
  registers: [registry],
});

export const pagesProcessed = new Counter({
  name: 'docat_pages_processed_total',
  help: 'Pages of the documents counted by docat_documents_processed_total.',
  registers: [registry],
});

export const engineRequests = new Counter({
  name: 'docat_engine_requests_total',
  help: 'Requests to translation engines, retries included, by engine and outcome (ok, error, rate_limited).',
  labelNames: ['engine', 'outcome'] as const,
  registers: [registry],
});

export const engineBilledCharacters = new Counter({
  name: 'docat_engine_billed_characters_total',
  help: 'Characters billed by translation engines, by engine.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const translationMemoryLookups = new Counter({
  name: 'docat_translation_memory_lookups_total',
  help: 'Segments looked up in the translation memory, by result (hit, miss).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const resultCacheLookups = new Counter({
  name: 'docat_result_cache_lookups_total',
  help: 'Uploads checked against the result cache (same account, file and output-affecting options), by result: hit (answered from an earlier job, no work), miss, or expired (the entry named results no longer stored).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const outputsProduced = new Counter({
  name: 'docat_outputs_total',
  help: 'Outputs written, by format (pdf, dual, md, txt, json).',
  labelNames: ['format'] as const,
  registers: [registry],
});

export const webhookDeadLetters = new Counter({
  name: 'docat_webhook_dead_letters_total',
  help: 'Webhook deliveries given up after their last retry.',
  registers: [registry],
});

export const engineRequestDuration = new Histogram({
  name: 'docat_engine_request_duration_seconds',
  help: 'Time one request to a translation engine took, by engine and outcome (ok, error, rate_limited).',
  labelNames: ['engine', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const translationFailures = new Counter({
  name: 'docat_translation_failures_total',
  help: 'Chunks no engine of the chain could translate, by the engine the job asked for.',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const engineJobs = new Counter({
  name: 'docat_engine_jobs_total',
  help: 'Jobs that completed with new work, by the engine they asked for (default: the configured chain).',
  labelNames: ['engine'] as const,
  registers: [registry],
});

export const creditsConsumed = new Counter({
  name: 'docat_credits_consumed_total',
  help: 'Credits charged to accounts for finished work.',
  registers: [registry],
});

export const ocrPages = new Counter({
  name: 'docat_ocr_pages_total',
  help: 'Pages run through text recognition, by outcome (ok, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const retentionDeleted = new Counter({
  name: 'docat_retention_deleted_total',
  help: 'Items removed by the retention sweeps, by kind (uploads, results, jobs, partitions, accounts).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const retentionLastSweep = new Gauge({
  name: 'docat_retention_last_sweep_timestamp_seconds',
  help: 'Unix time the last complete retention sweep finished.',
  registers: [registry],
});

/** Connection counts of a database pool (node-postgres `Pool` fields). */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = new Map<string, () => PoolStats | undefined>();

export const databasePoolConnections = new Gauge({
  name: 'docat_database_pool_connections',
  help: 'Connections of each database pool of the process, by pool and state (in_use, idle); read at scrape time.',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, read] of pools) {
      const stats = read();
      if (!stats) continue;
      this.set({ pool, state: 'in_use' }, stats.totalCount - stats.idleCount);
      this.set({ pool, state: 'idle' }, stats.idleCount);
    }
  },
});

export const databasePoolWaiting = new Gauge({
  name: 'docat_database_pool_waiting_requests',
  help: 'Queries waiting for a free connection, by pool; read at scrape time.',
  labelNames: ['pool'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, read] of pools) {
      const stats = read();
      if (stats) this.set({ pool }, stats.waitingCount);
    }
  },
});

/**
 * Reports a database pool at every scrape until the returned function is called (or
 * `read` returns undefined, which drops it: the pool was closed).
 */
export function watchDatabasePool(pool: string, read: () => PoolStats | undefined): () => void {
  const guarded = (): PoolStats | undefined => {
    const stats = read();
    if (!stats && pools.get(pool) === guarded) pools.delete(pool);
    return stats;
  };
  pools.set(pool, guarded);
  return () => {
    if (pools.get(pool) === guarded) pools.delete(pool);
  };
}

/**
 * A value read at scrape time from something slow (Redis INFO, a database count),
 * kept for `ttlMs` so frequent scrapes cost one read per period. A failed read keeps
 * the last value; a read slower than `timeoutMs` is not waited for.
 */
class CachedReading {
  private value: number | undefined;
  private readAt = 0;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly ttlMs: number,
    private readonly timeoutMs = 1_000,
  ) {}

  async current(): Promise<number | undefined> {
    if (Date.now() - this.readAt >= this.ttlMs) {
      this.pending ??= this.read()
        .then(
          (value) => {
            this.value = value;
            this.readAt = Date.now();
          },
          () => {
            this.readAt = Date.now();
          },
        )
        .finally(() => {
          this.pending = undefined;
        });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.pending,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    return this.value;
  }
}

const redisMemory = new Map<string, CachedReading>();

export const redisMemoryUsed = new Gauge({
  name: 'docat_redis_memory_used_bytes',
  help: 'Memory the Redis server reports in use (INFO memory used_memory), by role (main, cache); read at most every 10 s.',
  labelNames: ['redis'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    await Promise.all(
      [...redisMemory].map(async ([redis, reading]) => {
        const value = await reading.current();
        if (value !== undefined) this.set({ redis }, value);
      }),
    );
  },
});

/** `used_memory` from the text of Redis `INFO memory`. */
export function parseRedisUsedMemory(info: string): number {
  const match = /^used_memory:(\d+)\r?$/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory field');
  return Number(match[1]);
}

/** Reports a Redis server's memory at scrape time; `info` answers `INFO memory`. */
export function watchRedisMemory(
  redis: string,
  info: () => Promise<string>,
  ttlMs = 10_000,
): () => void {
  const reading = new CachedReading(async () => parseRedisUsedMemory(await info()), ttlMs);
  redisMemory.set(redis, reading);
  return () => {
    if (redisMemory.get(redis) === reading) redisMemory.delete(redis);
  };
}

let activeUsers: CachedReading | undefined;

// Labelled so that a process without the jobs table reports no series rather than 0.
export const activeUsersGauge = new Gauge({
  name: 'docat_active_users',
  help: 'Distinct users who submitted a job in the period (day: since midnight UTC); read at most every 15 s.',
  labelNames: ['period'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const value = await activeUsers?.current();
    if (value !== undefined) this.set({ period: 'day' }, value);
  },
});

/** Names the source of `docat_active_users` (the service that keeps the jobs table). */
export function watchActiveUsers(count: () => Promise<number>, ttlMs = 15_000): () => void {
  const reading = new CachedReading(count, ttlMs);
  activeUsers = reading;
  return () => {
    if (activeUsers === reading) activeUsers = undefined;
  };
}

/** The text a `/metrics` endpoint answers, and its content type. */
export async function metricsText(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}
