import { z } from 'zod';
import { errorCodeSchema } from './errors.js';
import { languageSchema } from './languages.js';
import { fidelitySummarySchema } from './fidelity.js';
import { dualModeSchema, engineNameSchema, outputFormatSchema } from './upload.js';

export const JOB_STATES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

export const JOB_STAGES = ['queued', 'extract', 'translate', 'render', 'done'] as const;
export const jobStageSchema = z.enum(JOB_STAGES);
export type JobStage = z.infer<typeof jobStageSchema>;

export * from './work-stages.js';

export const stageProgressSchema = z.object({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  unit: z.enum(['pages', 'segments', 'chunks']),
  /** Seconds until this stage is done, from its observed rate; absent until it has one. */
  etaSeconds: z.number().nonnegative().optional(),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;

export const jobProgressSchema = z.object({
  /** 0-100 over the whole job. */
  percent: z.number().min(0).max(100),
  stages: z.object({
    extract: stageProgressSchema.optional(),
    translate: stageProgressSchema.optional(),
    render: stageProgressSchema.optional(),
  }),
  etaSeconds: z.number().nonnegative().optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const WARNING_KINDS = [
  'overflow',
  'ocr_failed',
  'recovered_damage',
  'page_failed',
  'font_fallback',
  'engine_fallback',
  'pseudo_engine',
  'placeholder_repaired',
  'text_layer_replaced',
  'page_rotated',
  'style_dropped',
] as const;
export const jobWarningSchema = z.object({
  kind: z.enum(WARNING_KINDS),
  page: z.number().int().positive().optional(),
  block: z.number().int().nonnegative().optional(),
  code: errorCodeSchema.optional(),
  message: z.string(),
});
export type JobWarning = z.infer<typeof jobWarningSchema>;

export const jobErrorSchema = z.object({ code: errorCodeSchema, message: z.string() });

/** What `GET /v1/jobs/:id` answers. Never includes the PDF password. */
export const jobViewSchema = z.object({
  id: z.string(),
  state: jobStateSchema,
  stage: jobStageSchema,
  progress: jobProgressSchema,
  file: z.object({
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().optional(),
  }),
  targetLanguage: languageSchema,
  sourceLanguage: languageSchema.optional(),
  detectedLanguage: z.string().optional(),
  engine: engineNameSchema,
  outputs: z.array(outputFormatSchema),
  dualMode: dualModeSchema,
  pages: z.number().int().nonnegative().optional(),
  pageRange: z.string().optional(),
  billedCharacters: z.number().int().nonnegative(),
  cached: z.boolean(),
  warnings: z.array(jobWarningSchema),
  /** The fidelity report's numbers, once the job is rendered (`GET /v1/jobs/:id/report` has the details). */
  fidelity: fidelitySummarySchema.optional(),
  error: jobErrorSchema.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().optional(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export const jobListSchema = z.object({
  items: z.array(jobViewSchema),
  nextCursor: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListSchema>;

export const JOB_EVENT_TYPES = [
  'state',
  'progress',
  'warning',
  'completed',
  'failed',
  'cancelled',
] as const;

/**
 * One entry of a job's event stream. `seq` increases by one per job and is the SSE
 * event id, so `Last-Event-ID` resumes exactly after the last event seen.
 */
export const jobEventSchema = z.object({
  jobId: z.string(),
  seq: z.number().int().positive(),
  type: z.enum(JOB_EVENT_TYPES),
  state: jobStateSchema,
  stage: jobStageSchema,
  progress: jobProgressSchema.optional(),
  warning: jobWarningSchema.optional(),
  error: jobErrorSchema.optional(),
  at: z.iso.datetime(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;
