import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsStorage } from './fs.storage.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('filesystem storage: files at rest', () => {
  test('objects are 0600 in 0700 folders, even under a permissive umask, and an existing root is narrowed', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'docat-fs-modes-'));
    // A umask of 0 would leave 0666 files and 0777 folders to whatever does not set modes itself.
    const umask = process.umask(0);
    try {
      const root = join(parent, 'objects');
      await mkdir(root, { mode: 0o755 });
      await chmod(root, 0o755);
      const storage = new FsStorage(root);
      await storage.put('uploads/job-1/source.pdf', Buffer.from('%PDF-1.7 buffered'));
      await storage.put('results/job-1/out.pdf', Readable.from([Buffer.from('%PDF-1.7 streamed')]));
      assert.equal(await mode(root), 0o700, 'root');
      for (const dir of ['uploads', 'uploads/job-1', 'results', 'results/job-1', '.tmp'])
        assert.equal(await mode(join(root, dir)), 0o700, dir);
      for (const file of ['uploads/job-1/source.pdf', 'results/job-1/out.pdf'])
        assert.equal(await mode(join(root, file)), 0o600, file);
      assert.deepEqual(await readdir(join(root, '.tmp')), [], 'no temporary file left');
    } finally {
      process.umask(umask);
      await rm(parent, { recursive: true, force: true });
    }
  });
});
