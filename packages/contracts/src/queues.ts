import { z } from 'zod';
import { QUEUES, type QueueName } from './names.js';
import { languageSchema } from './languages.js';
import { engineNameSchema, outputFormatSchema, dualModeSchema } from './upload.js';

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
});
export type TranslateJob = z.infer<typeof translateJobSchema>;

export const renderJobSchema = z.object({
  jobId: z.string(),
  sourceKey: z.string(),
  outputs: z.array(outputFormatSchema),
  dualMode: dualModeSchema,
  targetLanguage: languageSchema,
  lease: z.number().int().nonnegative(),
  chunks: z.number().int().positive(),
  passwordSecret: z.string().optional(),
});
export type RenderJob = z.infer<typeof renderJobSchema>;

export const notifyJobSchema = z.object({
  deliveryId: z.string(),
  endpointId: z.string().optional(),
  url: z.url(),
  event: z.string(),
  jobId: z.string(),
});
export type NotifyJob = z.infer<typeof notifyJobSchema>;

export const QUEUE_PAYLOADS = {
  [QUEUES.EXTRACT]: extractJobSchema,
  [QUEUES.TRANSLATE]: translateJobSchema,
  [QUEUES.RENDER]: renderJobSchema,
  [QUEUES.NOTIFY]: notifyJobSchema,
  [QUEUES.MAINTENANCE]: z.object({ task: z.string() }),
} as const satisfies Record<QueueName, z.ZodType>;

export function stepJobId(queue: QueueName, jobId: string, chunk: number | 'all', lease: number): string {
  return `${queue}:${jobId}:${chunk}:${lease}`;
}
