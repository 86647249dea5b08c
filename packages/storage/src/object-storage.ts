import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  bytes: number;
  etag?: string;
  contentType?: string;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  /** When given, a body of any other length is rejected and nothing is stored. */
  contentLength?: number;
  signal?: AbortSignal;
  /**
   * The SHA-256 of the whole body (hex), asked for once the body has ended, when the caller
   * hashed it on the way through (an upload's guard does). An adapter that signs its payload
   * sends it instead of hashing the body a second time; the store still checks it against
   * the bytes it receives. Undefined lets the adapter hash the body itself.
   */
  payloadSha256?: () => string | undefined;
}

export interface ByteRange {
  start: number;
  /** Inclusive, as in HTTP Range; clamped to the object's last byte. */
  end?: number;
}

/**
 * The object-storage port. Keys are built by Docat (ids, fixed names), never from
 * user-supplied names, and must match `[A-Za-z0-9/_.-]` with no empty, `.` or `..`
 * segment; adapters reject anything else before touching the store.
 *
 * A put is atomic: readers see the whole previous object or the whole new one, and a
 * failed or aborted put leaves nothing under its key.
 */
export interface ObjectStorage {
  put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<ObjectInfo>;
  /** Throws DocatError NOT_FOUND when absent, VALIDATION_FAILED for an unsatisfiable range. */
  get(key: string, opts?: { range?: ByteRange }): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (non-empty); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Objects whose key starts with `prefix`, in ascending key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** A time-limited download URL, or null when the store cannot serve clients directly. */
  presignGet(key: string, expiresSeconds: number): Promise<string | null>;
  /** Throws DocatError SERVICE_UNAVAILABLE when the store is unreachable. */
  ping(): Promise<void>;
}
