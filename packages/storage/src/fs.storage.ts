import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import {
  access,
  chmod,
  constants,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DocatError } from '@docat/contracts';
import { ByteCounter } from './byte-counter.js';
import { assertRange, lengthMismatch, notFound, unsatisfiableRange } from './errors.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import type { ByteRange, ObjectInfo, ObjectStorage, PutOptions } from './object-storage.js';

/** Temporary files live beside the objects (same filesystem, so rename is atomic). */
const TMP_DIR = '.tmp';
/**
 * Uploads and results are private to the service's user: folders 0700, files 0600
 * (before the umask, which can only narrow them). Another account on the machine reads
 * nothing, whatever the umask of the shell that started the service.
 */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function etagOf(stats: Stats): string {
  return createHash('sha1')
    .update(`${stats.ino}:${stats.size}:${stats.mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
}

/**
 * Object storage in a folder, for standalone mode. A key maps to a file path below the
 * root. Writes go to a temporary file that is flushed to disk and then renamed over the
 * key, so a crash or a failed upload never leaves a partial object under a key.
 *
 * Folders are made 0700 and files 0600; the root is narrowed to 0700 at the first write
 * even when it already existed, so a folder made by hand does not expose the objects.
 *
 * Unlike S3, a key cannot also be a folder of other keys (`a/b` and `a/b/c`); Docat's key
 * layout never needs that. Content types are not kept: callers know what they wrote.
 */
export class FsStorage implements ObjectStorage {
  readonly root: string;
  private rootReady?: Promise<void>;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private ensureRoot(): Promise<void> {
    this.rootReady ??= mkdir(this.root, { recursive: true, mode: DIR_MODE })
      .then(() => chmod(this.root, DIR_MODE))
      .catch((err: unknown) => {
        this.rootReady = undefined;
        throw err;
      });
    return this.rootReady;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  private info(key: string, stats: Stats): ObjectInfo {
    return { key, bytes: stats.size, etag: etagOf(stats), lastModified: stats.mtime };
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    const tmpDir = join(this.root, TMP_DIR);
    await this.ensureRoot();
    await mkdir(tmpDir, { recursive: true, mode: DIR_MODE });
    const tmp = join(tmpDir, `${randomUUID()}.part`);
    try {
      if (Buffer.isBuffer(body)) {
        if (opts.contentLength !== undefined && opts.contentLength !== body.length)
          throw lengthMismatch(key, opts.contentLength, body.length);
        await writeFile(tmp, body, { flush: true, signal: opts.signal, mode: FILE_MODE });
      } else {
        const counter = new ByteCounter(key, opts.contentLength);
        await pipeline(body, counter, createWriteStream(tmp, { flush: true, mode: FILE_MODE }), {
          signal: opts.signal,
        });
      }
      await this.moveIntoPlace(tmp, target, key);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return this.info(key, await stat(target));
  }

  private async moveIntoPlace(tmp: string, target: string, key: string): Promise<void> {
    // A concurrent delete may prune the parent folder between mkdir and rename: retry.
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(target), { recursive: true, mode: DIR_MODE }).catch((err: unknown) => {
        if (errno(err) === 'ENOTDIR' || errno(err) === 'EEXIST')
          throw new DocatError('INTERNAL', `object key ${key} runs through an existing object`, {
            cause: err,
          });
        throw err;
      });
      try {
        await rename(tmp, target);
        return;
      } catch (err) {
        if (errno(err) === 'ENOENT' && attempt < 3) continue;
        if (errno(err) === 'EISDIR' || errno(err) === 'ENOTEMPTY')
          throw new DocatError('INTERNAL', `object key ${key} is a folder of other objects`, {
            cause: err,
          });
        throw err;
      }
    }
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<Readable> {
    const path = this.pathOf(key);
    if (opts.range) assertRange(opts.range);
    // Holding the descriptor pins this version of the file: a concurrent replace or
    // delete does not disturb a read in progress.
    const handle = await open(path, 'r').catch((err: unknown) => {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') throw notFound(key);
      throw err;
    });
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notFound(key);
      const range = opts.range;
      if (range && range.start >= stats.size)
        throw unsatisfiableRange(key, range.start, stats.size);
      return handle.createReadStream({
        start: range?.start,
        end: range ? Math.min(range.end ?? stats.size - 1, stats.size - 1) : undefined,
        autoClose: true,
      });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const stats = await stat(this.pathOf(key));
      return stats.isFile() ? this.info(key, stats) : null;
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errno(err) ?? '')) return;
      throw err;
    }
    await this.pruneUpwards(dirname(path));
  }

  /** Removes now-empty folders from `dir` up to (not including) the root. */
  private async pruneUpwards(dir: string): Promise<void> {
    while (dir.startsWith(this.root + '/') && dir !== this.root) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  /** Removes empty folders below `dir` (post-order), then `dir` itself if it emptied. */
  private async pruneDown(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries)
      if (entry.isDirectory()) await this.pruneDown(join(dir, entry.name));
    // A folder that is not empty (a concurrent write) or already gone stays as it is.
    if (dir !== this.root) await rmdir(dir).catch(() => undefined);
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new DocatError('INTERNAL', 'deletePrefix needs a non-empty prefix');
    assertValidPrefix(prefix);
    let deleted = 0;
    for await (const object of this.list(prefix)) {
      try {
        await unlink(join(this.root, ...object.key.split('/')));
        deleted++;
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
      }
    }
    const start = this.startDir(prefix).dir;
    await this.pruneDown(start);
    await this.pruneUpwards(dirname(start));
    return deleted;
  }

  /** The deepest folder that holds every key starting with `prefix`. */
  private startDir(prefix: string): { dir: string; keyBase: string } {
    const cut = prefix.lastIndexOf('/');
    const keyBase = cut < 0 ? '' : prefix.slice(0, cut + 1);
    return {
      dir: keyBase ? join(this.root, ...keyBase.split('/').filter(Boolean)) : this.root,
      keyBase,
    };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const { dir, keyBase } = this.startDir(prefix);
    yield* this.walk(dir, keyBase, prefix);
  }

  private async *walk(dir: string, keyBase: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
      throw err;
    }
    // Sorting "name/" for folders yields exactly S3's order of the full keys.
    const sorted = entries
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isFile()))
      .map((e) => ({ entry: e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry } of sorted) {
      const key = keyBase + entry.name;
      if (entry.isDirectory()) {
        const folder = `${key}/`;
        // Descend only where keys can still start with the prefix.
        if (folder.startsWith(prefix) || prefix.startsWith(folder))
          yield* this.walk(join(dir, entry.name), folder, prefix);
      } else if (key.startsWith(prefix)) {
        try {
          yield this.info(key, await stat(join(dir, entry.name)));
        } catch (err) {
          if (errno(err) !== 'ENOENT') throw err;
        }
      }
    }
  }

  async presignGet(key: string, _expiresSeconds: number): Promise<string | null> {
    assertValidKey(key);
    return null;
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true, mode: DIR_MODE });
      await access(this.root, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new DocatError('SERVICE_UNAVAILABLE', `storage folder ${this.root} is not writable`, {
        cause: err,
      });
    }
  }
}
