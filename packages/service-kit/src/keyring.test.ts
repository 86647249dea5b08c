import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decryptSecret, encryptSecret, loadConfig } from '@docat/config';
import { KeyringSource } from './keyring.js';

describe('KeyringSource', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'docat-keyring-'));
  after(() => rm(dir, { recursive: true, force: true }));

  test('builds the keyring once, on first use, and every user gets the same one', async () => {
    const source = new KeyringSource(loadConfig({ DOCAT_DATA_DIR: join(dir, 'a') }));
    const [one, two] = await Promise.all([source.get(), source.get()]);
    assert.equal(one, two);
    assert.equal(await source.get(), one);
    assert.equal(
      decryptSecret(one, encryptSecret(two, 'pdf password', 'job-1'), 'job-1'),
      'pdf password',
    );
  });

  test('a failed build is not kept: the next use tries again', async () => {
    // The data folder is a file: the key file cannot be created under it.
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'not a folder');
    const config = loadConfig({ DOCAT_DATA_DIR: blocked });
    const source = new KeyringSource(config);
    await assert.rejects(source.get());
    await rm(blocked);
    const ring = await source.get();
    assert.ok(ring.current);
  });
});
