import type { JobStage, JobState, OutputFormat, WorkStage } from '@docat/contracts';

/** Every output format with its name for people; the record type keeps it complete. */
export const OUTPUT_LABELS: Record<OutputFormat, string> = {
  pdf: 'Translated PDF',
  dual: 'Bilingual PDF',
  md: 'Markdown',
  txt: 'Plain text',
  json: 'Layout JSON',
};

export const STATE_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const STAGE_LABELS: Record<JobStage, string> = {
  queued: 'Waiting to start',
  extract: 'Reading the PDF',
  translate: 'Translating',
  render: 'Writing the outputs',
  done: 'Done',
};

export const WORK_STAGE_ORDER: readonly WorkStage[] = ['extract', 'translate', 'render'];
