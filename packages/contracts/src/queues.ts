import { z } from 'zod';
import { QUEUES, type QueueName } from './names.js';
import { languageSchema } from './languages.js';
import {
  engineNameSchema,
  outputFormatSchema,
  dualModeSchema,
  translationScopeSchema,
} from './upload.js';
import { jobWarningSchema } from './jobs.js';
import { wireErrorSchema } from './errors.js';
import { inlineMarkSchema } from './layout.js';
import { fidelitySummarySchema } from './fidelity.js';

/**
 * Payloads of queue jobs. Every step is idempotent, keyed by (job, chunk, step): the
 * queue job id is `stepJobId(...)`, and a worker writes its chunk result to object
 * storage under a key derived from the same triple before acknowledging.
 */
const chunkRef = z.object({
  jobId: z.string(),
  chunk: z.number().int().nonnegative(),
  pageFrom: z.number().int().positive(),
  pageTo: z.number().int().positive(),
  /** Lease generation: a re-issued chunk gets a higher attempt, stale results are ignored. */
  lease: z.number().int().nonnegative(),
});

export const extractJobSchema = chunkRef.extend({
  sourceKey: z.string(),
  sourceLanguage: languageSchema.optional(),
  /** Encrypted with DOCAT_ENCRYPTION_KEY; wiped when the job ends. */
  passwordSecret: z.string().optional(),
});
export type ExtractJob = z.infer<typeof extractJobSchema>;

export const translateJobSchema = chunkRef.extend({
  layoutKey: z.string(),
  targetLanguage: languageSchema,
  sourceLanguage: languageSchema.optional(),
  engine: engineNameSchema,
  glossaryId: z.string().optional(),
  useMemory: z.boolean(),
  /** Absent in steps enqueued before scopes existed: the defaults. */
  scope: translationScopeSchema.optional(),
});
export type TranslateJob = z.infer<typeof translateJobSchema>;

export const renderJobSchema = z.object({
  jobId: z.string(),
  sourceKey: z.string(),
  outputs: z.array(outputFormatSchema),
  dualMode: dualModeSchema,
  targetLanguage: languageSchema,
  /** The job's engine, as resolved at its creation. */
  engine: engineNameSchema,
  lease: z.number().int().nonnegative(),
  chunks: z.number().int().positive(),
  passwordSecret: z.string().optional(),
  /** Absent in steps enqueued before scopes existed: the defaults. */
  scope: translationScopeSchema.optional(),
});
export type RenderJob = z.infer<typeof renderJobSchema>;

export const notifyJobSchema = z.object({
  deliveryId: z.string(),
  endpointId: z.string().optional(),
  url: z.url(),
  event: z.string(),
  jobId: z.string(),
  /** Set on a run put off by the account's webhook rate limit after a failed attempt: it is still a retry. */
  retry: z.boolean().optional(),
});
export type NotifyJob = z.infer<typeof notifyJobSchema>;

export const QUEUE_PAYLOADS = {
  [QUEUES.EXTRACT]: extractJobSchema,
  [QUEUES.TRANSLATE]: translateJobSchema,
  [QUEUES.RENDER]: renderJobSchema,
  [QUEUES.NOTIFY]: notifyJobSchema,
  [QUEUES.MAINTENANCE]: z.object({ task: z.string() }),
} as const satisfies Record<QueueName, z.ZodType>;

export function stepJobId(
  queue: QueueName,
  jobId: string,
  chunk: number | 'all',
  lease: number,
): string {
  return `${queue}:${jobId}:${chunk}:${lease}`;
}

/** The steps a chunk goes through; `render` runs once per job (chunk 0). */
export const CHUNK_STEPS = ['extract', 'translate', 'render'] as const;
export const chunkStepSchema = z.enum(CHUNK_STEPS);
export type ChunkStep = z.infer<typeof chunkStepSchema>;

const chunkStepRef = z.object({
  jobId: z.string(),
  chunk: z.number().int().nonnegative(),
  step: chunkStepSchema,
  lease: z.number().int().nonnegative(),
});

/**
 * `chunk.step-done`: a worker wrote the step's result to object storage. Extraction of
 * a chunk also reports the document's page count, which is how ingestion plans the
 * remaining chunks without opening the PDF itself.
 */
export const chunkStepDoneSchema = chunkStepRef.extend({
  documentPages: z.number().int().nonnegative().optional(),
  pageFrom: z.number().int().positive().optional(),
  pageTo: z.number().int().positive().optional(),
  billedCharacters: z.number().int().nonnegative().default(0),
  warnings: z.array(jobWarningSchema).default([]),
  detectedLanguage: z.string().max(16).optional(),
  /** Segments of a translated chunk: the chunk's share of the job's translate progress. */
  segments: z.number().int().nonnegative().optional(),
  /** The render step's fidelity summary (its full report is in object storage). */
  fidelity: fidelitySummarySchema.optional(),
});
export type ChunkStepDone = z.infer<typeof chunkStepDoneSchema>;

/** `chunk.step-failed`: the step failed for good (a document error, or retries exhausted). */
export const chunkStepFailedSchema = chunkStepRef.extend({ error: wireErrorSchema });
export type ChunkStepFailed = z.infer<typeof chunkStepFailedSchema>;

/**
 * `chunk.step-progress`: how far a running step is inside its chunk (pages extracted,
 * segments translated, pages rendered). Sent throttled; ingestion folds it into the
 * job's progress. Advisory: losing one costs only freshness.
 */
export const chunkStepProgressSchema = chunkStepRef.extend({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  unit: z.enum(['pages', 'segments']),
});
export type ChunkStepProgress = z.infer<typeof chunkStepProgressSchema>;

/**
 * `jobs.step-claim`: a worker that took a step off the queue asks for its lease before
 * doing any work. `holder` names this delivery (a fresh id per run of the step), so a
 * retried claim of the same run is granted again while another run's is refused. The
 * lease then lasts `leaseMs` past each heartbeat.
 */
export const stepClaimSchema = z.object({
  jobId: z.string(),
  chunk: z.number().int().nonnegative(),
  step: chunkStepSchema,
  lease: z.number().int().nonnegative(),
  holder: z.string().min(1).max(128),
});
export type StepClaim = z.infer<typeof stepClaimSchema>;

/**
 * Why a claim or heartbeat was refused: `superseded` (a newer lease was issued),
 * `finished` (the step is done or the job completed, failed or was cancelled), `held`
 * (another run holds a live lease).
 */
export const STALE_STEP_REASONS = ['superseded', 'finished', 'held'] as const;
export const staleStepReasonSchema = z.enum(STALE_STEP_REASONS);
export type StaleStepReason = z.infer<typeof staleStepReasonSchema>;

export const stepLeaseAnswerSchema = z.union([
  z.object({ granted: z.literal(true), leaseMs: z.number().int().positive() }),
  z.object({ granted: z.literal(false), reason: staleStepReasonSchema }),
]);
export type StepLeaseAnswer = z.infer<typeof stepLeaseAnswerSchema>;

/**
 * `worker.capacity`: a worker process announces how many steps of a queue it runs at
 * once, on start and every few seconds (0 when it stops). Ingestion dispatches no more
 * chunk steps than the live workers can run.
 */
export const workerCapacitySchema = z.object({
  worker: z.string().min(1).max(200),
  queue: z.enum([QUEUES.EXTRACT, QUEUES.TRANSLATE, QUEUES.RENDER]),
  concurrency: z.number().int().nonnegative().max(10_000),
  /** The announcement counts for this long unless repeated. */
  ttlMs: z.number().int().positive().max(3_600_000),
});
export type WorkerCapacity = z.infer<typeof workerCapacitySchema>;

/** `job.cancel-requested` (broadcast): every worker replica aborts the job's in-flight steps. */
export const jobCancelRequestedSchema = z.object({ jobId: z.string() });
export type JobCancelRequested = z.infer<typeof jobCancelRequestedSchema>;

/**
 * `job.snapshot-changed` (broadcast): ingestion stored a new snapshot of the job (any
 * state, progress or result change) or dropped it (the job was erased). Every gateway
 * replica forgets the status it keeps for the job, so the next read asks ingestion.
 */
export const jobSnapshotChangedSchema = z.object({ jobId: z.string().min(1).max(100) });
export type JobSnapshotChanged = z.infer<typeof jobSnapshotChangedSchema>;

/** Object-storage keys of step results: written before the step is acknowledged, so a retry finds them. */
export const STORAGE_KEYS = {
  chunkLayout: (jobId: string, chunk: number) => `jobs/${jobId}/chunks/${chunk}/layout.json`,
  chunkTranslation: (jobId: string, chunk: number) =>
    `jobs/${jobId}/chunks/${chunk}/translated.json`,
  result: (jobId: string, format: string) => `jobs/${jobId}/result.${format}`,
  /** The fidelity report the render step writes (`GET /v1/jobs/:id/report`). */
  report: (jobId: string) => `jobs/${jobId}/report.json`,
} as const;

/**
 * `translated.json` of a chunk: the translated text of each block of its layout, by
 * block id, in the order of the layout.
 */
export const chunkTranslationSchema = z.object({
  jobId: z.string(),
  chunk: z.number().int().nonnegative(),
  engine: engineNameSchema,
  model: z.string(),
  targetLanguage: languageSchema,
  billedCharacters: z.number().int().nonnegative(),
  blocks: z.array(
    z.object({
      id: z.string(),
      text: z.string(),
      /** Inline styles of the translated text (bold, italic, links, colour), offsets into `text`. */
      marks: z.array(inlineMarkSchema).optional(),
      /** Translated table cells by cell index (the layout's `cells` order), for table blocks. */
      cells: z
        .array(
          z.object({
            index: z.number().int().nonnegative(),
            text: z.string(),
            marks: z.array(inlineMarkSchema).optional(),
          }),
        )
        .optional(),
    }),
  ),
  /** Billed characters per engine of the chain (a fallback engine bills its own). */
  billedByEngine: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Engine requests per engine, retries included. */
  requests: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Distinct segments served by translation memory. */
  memoryHits: z.number().int().nonnegative().optional(),
  /** Source language detected (by the engine, or offline) when the job named none. */
  detectedLanguage: z.string().max(16).optional(),
});
export type ChunkTranslation = z.infer<typeof chunkTranslationSchema>;

/** Attempts of one chunk step before its worker reports it failed for good. */
export const STEP_ATTEMPTS = 3;
