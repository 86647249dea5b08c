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
  help: 'Requests to translation engines, by engine and outcome (ok, error, rate_limited).',
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

/** The text a `/metrics` endpoint answers, and its content type. */
export async function metricsText(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}
