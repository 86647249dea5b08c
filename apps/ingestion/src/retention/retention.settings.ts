import type { DocatConfig } from '@docat/config';

export const RETENTION_SETTINGS = Symbol('RETENTION_SETTINGS');

/** How long each kind of data is kept (milliseconds), and how the sweeps pace themselves. */
export interface RetentionSettings {
  uploadsMs: number;
  resultsMs: number;
  jobsMs: number;
  accountsMs: number;
  /** Time between two sweeps. */
  intervalMs: number;
  /** Items one step handles before it looks again. */
  batch: number;
}

export function retentionSettings(config: DocatConfig): RetentionSettings {
  return {
    uploadsMs: config.retention.uploads,
    resultsMs: config.retention.results,
    jobsMs: config.retention.jobs,
    accountsMs: config.retention.accounts,
    intervalMs: config.retention.sweepInterval,
    batch: config.retention.sweepBatch,
  };
}
