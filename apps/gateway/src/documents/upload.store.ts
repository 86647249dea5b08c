import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DocatError, uuidv7 } from '@docat/contracts';
import { readBytes, type ObjectStorage } from '@docat/service-kit';
import { UploadGuard } from './upload-guard.js';
import { countDeclaredPages } from './upload-window.js';

export interface StoredFile {
  storageKey: string;
  bytes: number;
  sha256: string;
  /** The page tree's count, read from the streamed bytes (see `storedUploadSchema`). */
  declaredPages?: number | null;
}

/**
 * Streams one uploaded file into object storage under `uploads/<uuidv7>` while the
 * guard checks it. On any failure the storage write is aborted and whatever was
 * written is deleted before the error propagates, so a refused upload leaves nothing.
 * Once the last byte has passed, the page tree's count is read from the bytes the guard
 * kept, while storage finishes the write.
 */
export async function storeUpload(
  storage: ObjectStorage,
  source: Readable,
  maxBytes: number,
): Promise<StoredFile> {
  const storageKey = `uploads/${uuidv7()}`;
  const guard = new UploadGuard(maxBytes);
  const abort = new AbortController();
  const feeding = pipeline(source, guard);
  const putting = storage.put(storageKey, guard, {
    contentType: 'application/pdf',
    signal: abort.signal,
    // Hashed on the way through: storage need not hash the file again to sign its PUT.
    payloadSha256: () => guard.sha256,
  });
  // A failed write stops reading the guard; destroying it unblocks the pipeline.
  putting.catch((error: unknown) =>
    guard.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  feeding.catch((error: unknown) => abort.abort(guard.failure ?? error));
  const counting = feeding.then(
    () =>
      countDeclaredPages(guard.window, async (start, end) => {
        // A range the guard did not keep is read back once the object is stored.
        await putting;
        return readBytes(storage, storageKey, { start, end });
      }),
    () => undefined,
  );
  const [fed, put] = await Promise.allSettled([feeding, putting]);
  if (fed.status === 'fulfilled' && put.status === 'fulfilled') {
    const { bytes, sha256 } = guard.result();
    if (put.value.bytes === bytes) {
      const declaredPages = await counting;
      return {
        storageKey,
        bytes,
        sha256,
        ...(declaredPages === undefined ? {} : { declaredPages }),
      };
    }
  }
  // A partial object left behind is swept by retention; the caller gets the upload's own error.
  await storage.delete(storageKey).catch(() => undefined);
  if (guard.failure) throw guard.failure;
  const cause =
    fed.status === 'rejected'
      ? fed.reason
      : put.status === 'rejected'
        ? put.reason
        : 'size mismatch';
  throw new DocatError('INTERNAL', undefined, { cause });
}
