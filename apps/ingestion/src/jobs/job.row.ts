import { z } from 'zod';
import {
  engineNameSchema,
  errorCodeSchema,
  fidelitySummarySchema,
  jobProgressSchema,
  jobStageSchema,
  jobStateSchema,
  jobWarningSchema,
  uploadOptionsSchema,
} from '@docat/contracts';

/**
 * The stored options: the upload options without the password, which is kept encrypted
 * apart, and with the engine the job was given at creation (`translation.resolve-engine`):
 * every later step, the job view, billing and the result-cache key read it from here.
 * The scope fields are absent from jobs stored before they existed.
 */
export const storedOptionsSchema = uploadOptionsSchema
  .omit({
    password: true,
    engine: true,
    translateHeadersFooters: true,
    translateReferences: true,
    translateTables: true,
    translateFigureText: true,
  })
  .extend({
    engine: engineNameSchema,
    translateHeadersFooters: z.boolean().optional(),
    translateReferences: z.boolean().optional(),
    translateTables: z.boolean().optional(),
    translateFigureText: z.boolean().optional(),
  });
export type StoredOptions = z.output<typeof storedOptionsSchema>;

/** PostgreSQL's bigint arrives as a string. */
const bigint = z.union([z.string(), z.number()]);

/** A row of `ingestion.jobs`, parsed on read (JSON columns included). */
export const jobRowSchema = z.object({
  id: z.string(),
  created_at: z.date(),
  user_id: z.string(),
  state: jobStateSchema,
  stage: jobStageSchema,
  file_name: z.string(),
  file_bytes: bigint,
  sha256: z.string().nullable(),
  source_key: z.string(),
  options: storedOptionsSchema,
  password_secret: z.string().nullable(),
  page_count: z.number().nullable(),
  chunk_count: z.number().nullable(),
  billed_characters: bigint,
  cached: z.boolean(),
  results_job_id: z.string().nullable(),
  warnings: z.array(jobWarningSchema),
  error_code: errorCodeSchema.nullable(),
  error_message: z.string().nullable(),
  progress: jobProgressSchema,
  render_lease: z.number(),
  render_state: z.enum(['running', 'done']).nullable(),
  /** Unset until a worker claims the render step; its heartbeat moves it on. */
  render_lease_expires_at: z.date().nullable(),
  render_holder: z.string().nullable(),
  render_dispatched_at: z.date().nullable(),
  render_runs: z.number(),
  /** The trace the job was created in (absent on rows older than the column). */
  traceparent: z.string().nullable().optional(),
  event_seq: z.number(),
  detected_language: z.string().nullable(),
  /** The fidelity report's numbers, set when the render is done (absent on older rows). */
  fidelity: fidelitySummarySchema.nullable().optional(),
  updated_at: z.date(),
  completed_at: z.date().nullable(),
  /** When the retention sweep deleted the job's stored files (upload, chunk results, outputs). */
  files_deleted_at: z.date().nullable().optional(),
});
export type JobRow = z.output<typeof jobRowSchema>;

export const CHUNK_STATES = ['pending', 'running', 'done', 'cancelled'] as const;
export type ChunkState = (typeof CHUNK_STATES)[number];

/** A row of `ingestion.job_chunks`, parsed on read. */
export const chunkRowSchema = z.object({
  job_id: z.string(),
  chunk: z.number(),
  user_id: z.string(),
  page_from: z.number(),
  page_to: z.number(),
  step: z.enum(['extract', 'translate']),
  state: z.enum(CHUNK_STATES),
  lease: z.number(),
  /**
   * `running` means dispatched: the step is in the queue (`holder` unset, no expiry) or
   * claimed by a worker (`holder` set, expiry moved on by its heartbeat).
   */
  lease_expires_at: z.date().nullable(),
  holder: z.string().nullable(),
  dispatched_at: z.date().nullable(),
  /** Granted claims of the current step: more than one means it ran again. */
  runs: z.number(),
  billed_characters: bigint,
});
export type ChunkRow = z.output<typeof chunkRowSchema>;
