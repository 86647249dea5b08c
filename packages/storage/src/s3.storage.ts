import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DocatError } from '@docat/contracts';
import { ByteCounter } from './byte-counter.js';
import { assertRange, lengthMismatch, notFound, unsatisfiableRange } from './errors.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import type { ByteRange, ObjectInfo, ObjectStorage, PutOptions } from './object-storage.js';

/**
 * Multipart sizing. lib-storage holds at most `queueSize` parts in flight plus the one
 * being filled, each `partSize` bytes, so one streamed put buffers about
 * (queueSize + 1) x partSize = 15 MiB, whatever the object's size. 5 MiB is the
 * smallest part S3 accepts; with 10,000 parts at most it still allows objects of 50 GB,
 * far above the upload limit. Two parts in flight keep the link busy while one part
 * is being read; more would mostly add memory per concurrent upload.
 */
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 2;
const DELETE_BATCH = 1000;

export interface S3StorageOptions {
  bucket: string;
  region?: string;
  /** Unset for AWS S3; the store's URL for MinIO, Ceph, R2, s3rver... */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  sseKmsKeyId?: string;
  /** Endpoint clients use; presigned URLs are signed for it (the host is part of the signature). */
  publicUrl?: string;
  partSize?: number;
  queueSize?: number;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

/**
 * HTTP lets a server ignore Range, and some S3-compatible stores answer a range ending at
 * byte 0 with the whole object; cut the body to what was asked rather than hand callers
 * the wrong bytes.
 */
function enforceRange(
  body: Readable,
  range: ByteRange,
  contentRange: string | undefined,
): Readable {
  const served = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '');
  const servedStart = served ? Number(served[1]) : 0;
  const servedEnd = served ? Number(served[2]) : Infinity;
  const wantedEnd = range.end ?? Infinity;
  if (servedStart === range.start && servedEnd <= wantedEnd) return body;
  let skip = range.start - servedStart;
  let take = wantedEnd === Infinity ? Infinity : wantedEnd - range.start + 1;
  const slicer = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let piece = chunk;
      if (skip > 0) {
        const dropped = Math.min(skip, piece.length);
        piece = piece.subarray(dropped);
        skip -= dropped;
      }
      if (take !== Infinity) {
        piece = piece.subarray(0, Math.max(0, Math.min(take, piece.length)));
        take -= piece.length;
      }
      callback(null, piece.length > 0 ? piece : undefined);
      if (take === 0) {
        this.push(null);
        body.destroy();
      }
    },
  });
  body.once('error', (err) => slicer.destroy(err));
  return body.pipe(slicer);
}

/**
 * Reads `body` until it ends or passes `limit` bytes: the whole body, or a stream that
 * gives the bytes read so far and then the rest.
 */
async function gather(
  body: Readable,
  limit: number,
): Promise<{ whole: Buffer } | { rest: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await it.next();
    if (next.done) return { whole: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
    chunks.push(next.value);
    length += next.value.length;
    if (length > limit) break;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* chunks;
    chunks.length = 0;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { rest: Readable.from(replay(), { objectMode: false }) };
}

export class S3Storage implements ObjectStorage {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly sse: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    const base: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Since 2025 the SDK sends CRC32 trailers in aws-chunked bodies by default, which
      // s3rver and many self-hosted stores reject. Checksums are still sent where the
      // S3 API requires them (DeleteObjects), and TLS guards transfers in production.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.client = new S3Client({ ...base, endpoint: options.endpoint });
    this.signer = options.publicUrl
      ? new S3Client({ ...base, endpoint: options.publicUrl })
      : this.client;
    this.sse = options.serverSideEncryption
      ? {
          ServerSideEncryption: options.serverSideEncryption,
          ...(options.serverSideEncryption === 'aws:kms' && options.sseKmsKeyId
            ? { SSEKMSKeyId: options.sseKmsKeyId }
            : {}),
        }
      : {};
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    let payload: Readable | Buffer = body;
    let counter: ByteCounter | undefined;
    if (Buffer.isBuffer(body)) {
      if (opts.contentLength !== undefined && opts.contentLength !== body.length)
        throw lengthMismatch(key, opts.contentLength, body.length);
    } else {
      counter = new ByteCounter(key, opts.contentLength);
      payload = body.pipe(counter);
      // pipe() does not forward source errors; the upload must see them to abort.
      body.once('error', (err) => counter?.destroy(err));
    }

    const abort = new AbortController();
    const onAbort = () => {
      abort.abort(opts.signal?.reason);
      // Stops the read of a body gathered for a single PUT (below).
      counter?.destroy(
        opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('put aborted'),
      );
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A body that fits in one part goes as one PutObject of the gathered bytes, as
      // lib-storage would send it, but signed with the caller's hash when it has one; a
      // longer one goes through lib-storage's multipart upload, the gathered part first.
      const gathered = Buffer.isBuffer(payload)
        ? { whole: payload }
        : await gather(payload, this.partSize);
      let etag: string | undefined;
      if ('whole' in gathered && gathered.whole.length <= this.partSize) {
        etag = await this.putWhole(key, gathered.whole, opts, abort.signal);
      } else {
        const upload = new Upload({
          client: this.client,
          queueSize: this.queueSize,
          partSize: this.partSize,
          leavePartsOnError: false,
          abortController: abort,
          params: {
            Bucket: this.bucket,
            Key: key,
            Body: 'whole' in gathered ? gathered.whole : gathered.rest,
            ContentType: opts.contentType,
            ...(opts.contentLength !== undefined ? { ContentLength: opts.contentLength } : {}),
            ...this.sse,
          },
        });
        etag = (await upload.done()).ETag;
      }
      const bytes = counter ? counter.bytes : (body as Buffer).length;
      return { key, bytes, etag, contentType: opts.contentType };
    } catch (err) {
      // A length mismatch or a source error surfaces as the reason the upload failed.
      if (counter?.errored) throw counter.errored;
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (counter && !counter.destroyed) counter.destroy();
    }
  }

  /**
   * One PutObject of a body held whole. With the caller's SHA-256 the request carries it as
   * `x-amz-content-sha256`, so the signer does not hash the body again (the store checks it).
   */
  private async putWhole(
    key: string,
    body: Buffer,
    opts: PutOptions,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: opts.contentType,
      ContentLength: body.length,
      ...this.sse,
    });
    const sha256 = opts.payloadSha256?.();
    if (sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256))
      command.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
          return next(args);
        },
        { step: 'build', name: 'docatPayloadSha256' },
      );
    const out = await this.client.send(command, { abortSignal: signal });
    return out.ETag;
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<Readable> {
    assertValidKey(key);
    const range = opts.range;
    if (range) assertRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(out.Body instanceof Readable))
        throw new DocatError('INTERNAL', 'object body is not a Node stream');
      return range ? enforceRange(out.Body, range, out.ContentRange) : out.Body;
    } catch (err) {
      if (errorName(err) === 'NoSuchKey' || httpStatus(err) === 404) throw notFound(key);
      if (range && (errorName(err) === 'InvalidRange' || httpStatus(err) === 416)) {
        const info = await this.head(key);
        if (!info) throw notFound(key);
        throw unsatisfiableRange(key, range.start, info.bytes);
      }
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        bytes: out.ContentLength ?? 0,
        etag: out.ETag,
        contentType: out.ContentType,
        lastModified: out.LastModified,
      };
    } catch (err) {
      if (
        errorName(err) === 'NotFound' ||
        errorName(err) === 'NoSuchKey' ||
        httpStatus(err) === 404
      )
        return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new DocatError('INTERNAL', 'deletePrefix needs a non-empty prefix');
    assertValidPrefix(prefix);
    let deleted = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failures = out.Errors ?? [];
      if (failures.length > 0)
        throw new DocatError(
          'INTERNAL',
          `could not delete ${failures.length} objects under ${prefix}: ${failures[0]?.Code}`,
        );
      deleted += batch.length;
      batch = [];
    };
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
    return deleted;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix || undefined,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key,
          bytes: item.Size ?? 0,
          etag: item.ETag,
          lastModified: item.LastModified,
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async presignGet(key: string, expiresSeconds: number): Promise<string | null> {
    assertValidKey(key);
    return getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresSeconds,
    });
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw new DocatError('SERVICE_UNAVAILABLE', `bucket ${this.bucket} is not reachable`, {
        cause: err,
      });
    }
  }

  /** Closes the HTTP connection pools. */
  destroy(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}
