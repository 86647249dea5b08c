import { pageTreeCount, type RangeRead } from '@docat/pdf/page-tree';

/** Bytes kept of each end of an upload: a file up to twice this is kept whole. */
export const WINDOW_BYTES = 1024 * 1024;

/**
 * What the gateway keeps of an upload's bytes while they stream to storage, so that the
 * page tree can be read without asking storage for them again: the first and the last
 * `keep` bytes (the cross-reference sections and the catalog are near the end of most
 * files, and near the start of linearized ones). It holds the chunks passed on to storage,
 * not copies, so at most about twice `keep` per upload, whatever the file's size.
 */
export class UploadWindow {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly keep = WINDOW_BYTES) {}

  get bytes(): number {
    return this.total;
  }

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.keep) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Drop the oldest tail chunk while the rest still covers the last `keep` bytes.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.keep)
      this.tailBytes -= this.tail.shift()!.length;
  }

  /** Bytes `[start, end]` (inclusive, clamped to the file) if they were kept, else null. */
  slice(start: number, end: number): Buffer | null {
    const last = Math.min(end, this.total - 1);
    if (start < 0 || start > last) return null;
    const tailStart = this.total - this.tailBytes;
    if (last < this.headBytes) return pick(this.head, 0, start, last);
    if (start >= tailStart) return pick(this.tail, tailStart, start, last);
    // Across the seam: only when nothing between head and tail was dropped.
    if (tailStart !== this.headBytes) return null;
    return Buffer.concat([
      pick(this.head, 0, start, this.headBytes - 1),
      pick(this.tail, tailStart, tailStart, last),
    ]);
  }
}

/** `[start, last]` of the file out of `chunks`, the first of which starts at `from`. */
function pick(chunks: readonly Buffer[], from: number, start: number, last: number): Buffer {
  const parts: Buffer[] = [];
  let at = from;
  for (const chunk of chunks) {
    const end = at + chunk.length;
    if (end > start && at <= last)
      parts.push(chunk.subarray(Math.max(0, start - at), Math.min(chunk.length, last - at + 1)));
    at = end;
    if (at > last) break;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * The page count the upload's page tree declares, read from what `window` kept; a range it
 * did not keep is read from storage by `stored` (which must wait until the object is
 * stored). Null when the page tree cannot be read cheaply (the credits estimate then runs
 * the full probe); undefined when reading failed otherwise (ingestion then reads it from
 * storage itself). Limits on the count are not applied here: ingestion owns them.
 */
export async function countDeclaredPages(
  window: UploadWindow,
  stored: RangeRead,
): Promise<number | null | undefined> {
  const read: RangeRead = async (start, end) => window.slice(start, end) ?? stored(start, end);
  try {
    return await pageTreeCount(read, window.bytes);
  } catch {
    return undefined;
  }
}
