export const INGESTION_DB = Symbol('INGESTION_DB');
export const INGESTION_SETTINGS = Symbol('INGESTION_SETTINGS');

export interface IngestionSettings {
  chunkPages: number;
  maxPages: number;
  userMaxChunksInFlight: number;
  /** Worker slots per queue one account may not fill while it holds the rest (kept for other accounts). */
  reservedSlots: number;
  pageFailureShare: number;
  resultCacheTtlMs: number;
  /** A claimed step whose worker sent no heartbeat for this long is re-issued (after checking storage). */
  leaseMs: number;
  reconcileIntervalMs: number;
  /** How long a job snapshot stays in the cache between changes. */
  snapshotTtlMs: number;
}
