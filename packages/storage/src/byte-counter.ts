import { Transform, type TransformCallback } from 'node:stream';
import { lengthMismatch } from './errors.js';

/**
 * Passes bytes through and counts them. With an expected length it fails as soon as the
 * body runs long, and at the end if it ran short, so the write it feeds is abandoned
 * instead of committed.
 */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(
    private readonly key: string,
    private readonly expected?: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected !== undefined && this.bytes > this.expected) {
      callback(lengthMismatch(this.key, this.expected, this.bytes));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expected !== undefined && this.bytes !== this.expected) {
      callback(lengthMismatch(this.key, this.expected, this.bytes));
      return;
    }
    callback();
  }
}
