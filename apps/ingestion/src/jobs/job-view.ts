import { fidelitySummarySchema, type JobView } from '@docat/contracts';
import type { JobRow } from './job.row.js';

export function toJobView(row: JobRow): JobView {
  const o = row.options;
  // A JSON column is parsed, never cast: a summary written by another version is left out rather than passed on.
  const fidelity = row.fidelity ? fidelitySummarySchema.safeParse(row.fidelity) : undefined;
  return {
    id: row.id,
    state: row.state,
    stage: row.stage,
    progress: row.progress,
    file: {
      name: row.file_name,
      bytes: Number(row.file_bytes),
      ...(row.sha256 ? { sha256: row.sha256 } : {}),
    },
    targetLanguage: o.targetLanguage,
    ...(o.sourceLanguage ? { sourceLanguage: o.sourceLanguage } : {}),
    ...(row.detected_language ? { detectedLanguage: row.detected_language } : {}),
    engine: o.engine,
    outputs: o.outputs,
    dualMode: o.dualMode,
    ...(row.page_count !== null ? { pages: row.page_count } : {}),
    ...(o.pages ? { pageRange: o.pages } : {}),
    billedCharacters: Number(row.billed_characters),
    cached: row.cached,
    warnings: row.warnings,
    ...(fidelity?.success ? { fidelity: fidelity.data } : {}),
    ...(row.error_code
      ? { error: { code: row.error_code, message: row.error_message ?? row.error_code } }
      : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.completed_at ? { completedAt: row.completed_at.toISOString() } : {}),
  };
}
