export const INGESTION_DB = Symbol('INGESTION_DB');
export const INGESTION_SETTINGS = Symbol('INGESTION_SETTINGS');

export interface IngestionSettings {
  chunkPages: number;
  maxPages: number;
  userMaxChunksInFlight: number;
  pageFailureShare: number;
  resultCacheTtlMs: number;
  /** A chunk step not reported within this long is re-issued (after checking storage). */
  leaseMs: number;
  reconcileIntervalMs: number;
  /** How long a job snapshot stays in the cache between changes. */
  snapshotTtlMs: number;
}
