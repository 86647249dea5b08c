import type {
  EngineName,
  ErrorCode,
  FidelitySummary,
  JobProgress,
  JobStage,
  JobState,
  JobWarning,
  KeptUploadOptions,
} from '@docat/contracts';

/**
 * The stored options: the upload options without the password, which is kept encrypted
 * apart, and with the engine the job was given at creation (`translation.resolve-engine`):
 * every later step, the job view, billing and the result-cache key read it from here.
 */
export type StoredOptions = Omit<KeptUploadOptions, 'password' | 'engine'> & { engine: EngineName };

export interface JobRow {
  id: string;
  created_at: Date;
  user_id: string;
  state: JobState;
  stage: JobStage;
  file_name: string;
  file_bytes: string | number;
  sha256: string | null;
  source_key: string;
  options: StoredOptions;
  password_secret: string | null;
  page_count: number | null;
  chunk_count: number | null;
  billed_characters: string | number;
  cached: boolean;
  results_job_id: string | null;
  warnings: JobWarning[];
  error_code: ErrorCode | null;
  error_message: string | null;
  progress: JobProgress;
  render_lease: number;
  render_state: 'running' | 'done' | null;
  /** Unset until a worker claims the render step; its heartbeat moves it on. */
  render_lease_expires_at: Date | null;
  render_holder: string | null;
  render_dispatched_at: Date | null;
  render_runs: number;
  event_seq: number;
  detected_language: string | null;
  /** The fidelity report's numbers, set when the render is done (absent on older rows). */
  fidelity?: FidelitySummary | null;
  updated_at: Date;
  completed_at: Date | null;
  /** When the retention sweep deleted the job's stored files (upload, chunk results, outputs). */
  files_deleted_at?: Date | null;
}

export const CHUNK_STATES = ['pending', 'running', 'done', 'cancelled'] as const;
export type ChunkState = (typeof CHUNK_STATES)[number];

export interface ChunkRow {
  job_id: string;
  chunk: number;
  user_id: string;
  page_from: number;
  page_to: number;
  step: 'extract' | 'translate';
  state: ChunkState;
  lease: number;
  /**
   * `running` means dispatched: the step is in the queue (`holder` unset, no expiry) or
   * claimed by a worker (`holder` set, expiry moved on by its heartbeat).
   */
  lease_expires_at: Date | null;
  holder: string | null;
  dispatched_at: Date | null;
  /** Granted claims of the current step: more than one means it ran again. */
  runs: number;
  billed_characters: string | number;
}
