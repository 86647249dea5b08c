import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DocatError, PDF_SNIFF_LIMIT, sniffPdfSignature } from '@docat/contracts';
import { UploadWindow } from './upload-window.js';

export interface UploadGuardResult {
  bytes: number;
  sha256: string;
}

/**
 * A pass-through stream between the multipart file part and object storage. It
 * checks what can be seen while streaming and fails the stream the moment a check
 * fails: the PDF header in the first bytes (415 `UNSUPPORTED_MEDIA_TYPE`), the size
 * limit as soon as it is crossed (413 `FILE_TOO_LARGE`), and an empty file at the end
 * (400 `EMPTY_FILE`). It hashes the bytes on the way through, and keeps both ends of the
 * file (`window`) for the page tree's count.
 */
export class UploadGuard extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private head: Buffer | null = Buffer.alloc(0);
  private count = 0;
  private digest: string | null = null;
  /** Both ends of the file as it streamed through (see UploadWindow). */
  readonly window = new UploadWindow();
  /** The first check that failed; the storage write fails with a less telling error. */
  failure: DocatError | null = null;

  constructor(private readonly maxBytes: number) {
    super();
  }

  get bytes(): number {
    return this.count;
  }

  /** The file's SHA-256 (hex) once its last byte has passed the guard, else undefined. */
  get sha256(): string | undefined {
    return this.digest ?? undefined;
  }

  result(): UploadGuardResult {
    this.digest ??= this.hash.digest('hex');
    return { bytes: this.count, sha256: this.digest };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.maxBytes) {
      done(this.fail(new DocatError('FILE_TOO_LARGE', `The file exceeds ${this.maxBytes} bytes`)));
      return;
    }
    this.hash.update(chunk);
    this.window.add(chunk);
    if (this.head === null) {
      done(null, chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const verdict = sniffPdfSignature(this.head);
    if (verdict === 'not-pdf') {
      done(
        this.fail(
          new DocatError('UNSUPPORTED_MEDIA_TYPE', 'The file does not start with a PDF header'),
        ),
      );
      return;
    }
    if (verdict === 'need-more' && this.head.length < PDF_SNIFF_LIMIT) {
      done();
      return;
    }
    if (verdict === 'need-more') {
      done(
        this.fail(
          new DocatError('UNSUPPORTED_MEDIA_TYPE', 'The file does not start with a PDF header'),
        ),
      );
      return;
    }
    const held = this.head;
    this.head = null;
    done(null, held);
  }

  override _flush(done: TransformCallback): void {
    if (this.count === 0) {
      done(this.fail(new DocatError('EMPTY_FILE')));
      return;
    }
    if (this.head !== null) {
      done(
        this.fail(
          new DocatError('UNSUPPORTED_MEDIA_TYPE', 'The file does not start with a PDF header'),
        ),
      );
      return;
    }
    // Before the end reaches storage, which may sign its request with it (`payloadSha256`).
    this.digest = this.hash.digest('hex');
    done();
  }

  private fail(error: DocatError): DocatError {
    this.failure ??= error;
    return error;
  }
}
