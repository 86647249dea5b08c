import { parseDuration, VARIABLES } from '@docat/config';

/** Where the storage keeps what: uploaded sources, and every file a job produces. */
export const UPLOADS_PREFIX = 'uploads/';
export const JOBS_PREFIX = 'jobs/';

/** Results kept longer than this move to infrequent access after it (S3's minimum for STANDARD_IA). */
export const INFREQUENT_ACCESS_AFTER_DAYS = 30;
/** ...and to the archive tier after this. */
export const ARCHIVE_AFTER_DAYS = 90;
/**
 * The archive tier: Glacier Instant Retrieval keeps an archived result downloadable in
 * milliseconds (Flexible Retrieval or Deep Archive would need a restore first, and the
 * result endpoint would fail until it finished).
 */
export const ARCHIVE_STORAGE_CLASS = 'GLACIER_IR';

export interface LifecycleRule {
  ID: string;
  Status: 'Enabled';
  Filter: { Prefix: string };
  Expiration: { Days: number };
  Transitions?: { Days: number; StorageClass: 'STANDARD_IA' | typeof ARCHIVE_STORAGE_CLASS }[];
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}

/** The body of `aws s3api put-bucket-lifecycle-configuration --lifecycle-configuration`. */
export interface BucketLifecycle {
  Rules: LifecycleRule[];
}

export interface RetentionSettings {
  /** RETENTION_UPLOADS in milliseconds. */
  uploadsMs: number;
  /** RETENTION_RESULTS in milliseconds. */
  resultsMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lifecycle rules count whole days (S3 rounds to the next midnight UTC): never shorter than asked. */
export function retentionDays(ms: number): number {
  return Math.max(1, Math.ceil(ms / DAY_MS));
}

/**
 * Bucket lifecycle matching the retention settings. The retention sweep deletes a job's
 * files when its results expire; these rules are the store's own backstop, so nothing
 * outlives its retention even if the sweep stops running.
 *
 * - `uploads/`: expire at RETENTION_UPLOADS.
 * - `jobs/` (chunk results and outputs): expire at RETENTION_RESULTS; when that is longer
 *   than 30 days, move to STANDARD_IA after 30 days, and when longer than 90, to the
 *   archive tier after 90.
 * - Multipart uploads abandoned by a killed process are aborted after a day.
 */
export function bucketLifecycle(settings: RetentionSettings): BucketLifecycle {
  const uploads = retentionDays(settings.uploadsMs);
  const results = retentionDays(settings.resultsMs);
  const transitions: NonNullable<LifecycleRule['Transitions']> = [];
  if (results > INFREQUENT_ACCESS_AFTER_DAYS)
    transitions.push({ Days: INFREQUENT_ACCESS_AFTER_DAYS, StorageClass: 'STANDARD_IA' });
  if (results > ARCHIVE_AFTER_DAYS)
    transitions.push({ Days: ARCHIVE_AFTER_DAYS, StorageClass: ARCHIVE_STORAGE_CLASS });
  return {
    Rules: [
      {
        ID: 'docat-uploads',
        Status: 'Enabled',
        Filter: { Prefix: UPLOADS_PREFIX },
        Expiration: { Days: uploads },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
      {
        ID: 'docat-results',
        Status: 'Enabled',
        Filter: { Prefix: JOBS_PREFIX },
        Expiration: { Days: results },
        ...(transitions.length > 0 ? { Transitions: transitions } : {}),
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

/** Retention settings from environment variables, falling back to the configuration defaults. */
export function retentionFromEnv(env: NodeJS.ProcessEnv = {}): RetentionSettings {
  const read = (name: 'RETENTION_UPLOADS' | 'RETENTION_RESULTS'): number => {
    const text = env[name]?.trim() || (VARIABLES[name].default ?? '');
    const ms = parseDuration(text);
    if (ms === undefined)
      throw new Error(`${name}: expected a duration like 30d, got ${JSON.stringify(text)}`);
    return ms;
  };
  return { uploadsMs: read('RETENTION_UPLOADS'), resultsMs: read('RETENTION_RESULTS') };
}

/** The committed `deploy/s3/lifecycle.json`: the rules for the default retention settings. */
export function lifecycleJson(settings: RetentionSettings = retentionFromEnv()): string {
  return `${JSON.stringify(bucketLifecycle(settings), null, 2)}\n`;
}
